"""Proof that the suite cannot reach Google, even with credentials on the machine.

A syntactically valid service-account key (a throwaway RSA key generated here) is put in
GOOGLE_APPLICATION_CREDENTIALS. In-process, the session's socket guard records every non-loopback
connect or lookup; for subprocesses (gcloud, the CLI, a client call), `strace` records every
connect() syscall of every process inside `unshare -n` (only loopback exists), so an attempt is
both impossible and on record.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cloud_clients import CloudAccess, functions_client
from test_scripts.offline import REFUSAL, is_loopback_host
from test_scripts.offline_probe import CONTROL_ADDRESS

FUNCTION = "projects/freckled-hen-analytics/locations/us-central1/functions/process_invoice"
CONNECT = re.compile(
    r"connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\((?P<port>\d+)\),.*?"
    r"(?:inet_addr\(\"(?P<v4>[^\"]+)\"\)|inet_pton\(AF_INET6, \"(?P<v6>[^\"]+)\")"
)


@pytest.fixture
def fake_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "freckled-hen-analytics",
                "private_key_id": "0" * 40,
                "private_key": pem,
                "client_email": "deployer@freckled-hen-analytics.iam.gserviceaccount.com",
                "client_id": "100000000000000000000",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    path.chmod(0o600)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    return path


def test_the_guard_refuses_before_connecting(stays_offline):
    with pytest.raises(ConnectionRefusedError, match="non-loopback connect 192.0.2.1:443"):
        socket.create_connection(CONTROL_ADDRESS, timeout=1)
    with pytest.raises(ConnectionRefusedError, match="non-loopback resolve oauth2.googleapis.com"):
        socket.getaddrinfo("oauth2.googleapis.com", 443)
    assert stays_offline.refused[-2:] == ["connect 192.0.2.1:443", "resolve oauth2.googleapis.com"]
    del stays_offline.refused[-2:]  # expected here; any other test doing this fails


def test_production_commands_in_process_stay_on_loopback(
    fake_credentials, offline_session, stays_offline, monkeypatch, tmp_path
):
    import google.auth

    consulted = []
    monkeypatch.setattr(google.auth, "default", lambda *a, **k: consulted.append(a) or (None, None))
    monkeypatch.setenv("DEPLOY_STATE_DIR", str(tmp_path / "state"))
    nowhere = offline_session["nowhere"]
    seen_before = len(nowhere.seen)

    result = CliRunner().invoke(deploy, ["--action", "status", "--env", "production", "--json"])
    assert result.exit_code == 1, result.output  # what serves could not be read: not "fine"
    assert REFUSAL in json.loads(result.output)["live"]["error"]

    from google.api_core.exceptions import Forbidden

    with pytest.raises(Forbidden, match=REFUSAL):
        functions_client(CloudAccess.from_gcloud_env(os.environ)).get_function(name=FUNCTION)

    assert stays_offline.refused == []
    assert consulted == []  # Application Default Credentials (and so the key file) never asked
    targets = [s["target"] for s in nowhere.seen[seen_before:]]
    assert len(targets) == 2 and all(f"/v2/{FUNCTION}?" in t for t in targets)


@pytest.mark.slow
@pytest.mark.skipif(
    not shutil.which("strace") or not shutil.which("unshare"), reason="needs strace and unshare"
)
def test_subprocesses_make_no_connection_off_loopback(fake_credentials, tmp_path):
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine does not allow network namespaces (unshare -n)")
    trace, out = tmp_path / "connect.trace", tmp_path / "probe.json"
    command = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace)]
    command += ["unshare", "-n", sys.executable, "-m", "test_scripts.offline_probe", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    probe = json.loads(out.read_text())
    commands = probe["commands"]

    # every command asked the stand-in for Google, which refused it
    status = commands["deploy status --env production"]
    assert status["returncode"] == 1 and REFUSAL in json.loads(status["stdout"])["live"]["error"]
    gcloud = commands["gcloud functions describe"]
    assert gcloud["returncode"] == 1 and REFUSAL in gcloud["stderr"]
    client = commands["google-cloud-functions get_function"]
    assert client["stdout"].startswith("Forbidden 403 GET ") and REFUSAL in client["stdout"]
    for name in (
        "deploy status --env production",
        "gcloud functions describe",
        "google-cloud-functions get_function",
    ):
        assert [s["target"].split("?")[0].split(":", 2)[-1] for s in commands[name]["nowhere_saw"]] == [
            f"{probe['nowhere_port']}/v2/{FUNCTION}"
        ], name

    through_localcloud = commands["gcloud via localcloud gcloud-env"]
    assert through_localcloud["returncode"] == 0 and json.loads(through_localcloud["stdout"]) == []

    connects = [m.groupdict() for m in CONNECT.finditer(trace.read_text())]
    off_loopback = {
        (c["v4"] or c["v6"], int(c["port"])) for c in connects if not is_loopback_host(c["v4"] or c["v6"])
    }
    # the control shows the record sees an attempt; nothing else left loopback (no DNS either)
    assert off_loopback == {CONTROL_ADDRESS}
    assert ("127.0.0.1", probe["nowhere_port"]) in {(c["v4"], int(c["port"])) for c in connects}
