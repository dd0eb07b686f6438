"""Run representative production commands the way the tests run them, and report what they reached.

`python -m test_scripts.offline_probe OUT.json` is meant to run inside `unshare -n` (a network
namespace with only loopback) under `strace -f -e trace=connect`, so that whatever a command tries
is both impossible and on record. It brings loopback up, starts its own refusing stand-in for Google
(the session's lives in the parent's namespace), applies the tests' offline environment over the
inherited one (which keeps the caller's GOOGLE_APPLICATION_CREDENTIALS), and writes, per command,
its exit code, the tail of its output and the requests the stand-in received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from test_scripts.offline import Nowhere, offline_environ

FUNCTIONS_CALL = """
from deploy_scripts.cloud_clients import CloudAccess, functions_client
import os
client = functions_client(CloudAccess.from_gcloud_env(os.environ))
try:
    client.get_function(name="projects/freckled-hen-analytics/locations/us-central1/functions/process_invoice")
except Exception as exc:
    print(type(exc).__name__, exc)
"""

CONTROL_ADDRESS = ("192.0.2.1", 443)
CONTROL = f"""
import socket
try:
    socket.create_connection({CONTROL_ADDRESS!r}, timeout=2)
except OSError as exc:
    print(type(exc).__name__, exc)
"""

COMMANDS = {
    "deploy status --env production": [
        sys.executable, "-c", "from deploy_scripts.cli.deploy_cmd import main; main()",
        "--action", "status", "--env", "production", "--json",
    ],
    "gcloud functions describe": [
        "gcloud", "functions", "describe", "process_invoice", "--gen2",
        "--project", "freckled-hen-analytics", "--region", "us-central1", "--format", "json",
    ],
    "google-cloud-functions get_function": [sys.executable, "-c", FUNCTIONS_CALL],
    # the control: a connection that must show up in the record (TEST-NET-1, unreachable here)
    "control": [sys.executable, "-c", CONTROL],
}  # fmt: skip


def main(out: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    nowhere = Nowhere()
    results = {"nowhere_port": nowhere.port, "commands": {}}
    with tempfile.TemporaryDirectory(prefix="offline-probe-") as scratch:
        env = {**os.environ, **offline_environ(Path(scratch) / "gcloud-config", nowhere.url)}
        env["DEPLOY_STATE_DIR"] = str(Path(scratch) / "state")
        for name, command in COMMANDS.items():
            seen_before = len(nowhere.seen)
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
            results["commands"][name] = {
                "returncode": done.returncode,
                "stdout": done.stdout[-2000:],
                "stderr": done.stderr[-2000:],
                "nowhere_saw": nowhere.seen[seen_before:],
            }
        results["commands"]["gcloud via localcloud gcloud-env"] = _through_localcloud(Path(scratch))
    nowhere.close()
    out.write_text(json.dumps(results, indent=1))


def _through_localcloud(scratch: Path) -> dict:
    """gcloud with nothing but what `localcloud gcloud-env` exports (a fresh state dir), so the
    tests' own settings cannot hide what localcloud's gcloud configuration would do."""
    from deploy_scripts.localcloud.client import gcloud_env, start, stop
    from deploy_scripts.localcloud.processes import free_port

    state_dir = scratch / "localcloud"
    endpoint = start(state_dir=state_dir, port=free_port())
    try:
        env = {"PATH": os.environ["PATH"], "HOME": str(scratch), **gcloud_env(endpoint)}
        command = ["gcloud", "functions", "list", "--regions", "us-central1", "--format", "json"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        stop(state_dir)
    return {"returncode": done.returncode, "stdout": done.stdout[-2000:], "stderr": done.stderr[-2000:]}


if __name__ == "__main__":
    main(Path(sys.argv[1]))
