"""State survives a stop/start; secrets reach the function but never its logs."""

from __future__ import annotations

import json

import pytest

from deploy_scripts.localcloud import client
from deploy_scripts.localcloud.logs import entry_text

from .conftest import REGION, Gcloud, revision_processes, start_localcloud, stop_localcloud
from .helpers import get, logged_records, served_revisions

pytestmark = [pytest.mark.gcloud, pytest.mark.slow, pytest.mark.timeout(180)]

SECRET = "s3cr3t-value-never-logged"
PRINTING_MAIN = """
import os, sys

def hello(request):
    # a careless function printing its secret: localcloud must redact it from the kept logs
    print("key is " + os.environ["API_KEY"], flush=True)
    print('{"severity": "WARNING", "message": "structured ' + os.environ["API_KEY"] + '"}', file=sys.stderr, flush=True)
    return {"revision": os.environ.get("K_REVISION"), "secret_length": len(os.environ["API_KEY"])}
"""


@pytest.fixture
def private_cloud(tmp_path):
    state_dir = tmp_path / "state"
    endpoint = start_localcloud(state_dir)
    yield state_dir, Gcloud(endpoint)
    stop_localcloud(state_dir)


def describe(gcloud, name):
    return json.loads(gcloud.value("functions", "describe", name, "--region", REGION, "--format", "json"))


def test_restart_keeps_functions_revisions_and_traffic(private_cloud, source_factory):
    state_dir, gcloud = private_cloud
    assert gcloud.deploy("keeper", source_factory()).returncode == 0
    rev1 = describe(gcloud, "keeper")["serviceConfig"]["revision"]
    assert gcloud.deploy("keeper", source_factory()).returncode == 0
    rev2 = describe(gcloud, "keeper")["serviceConfig"]["revision"]
    pinned = gcloud(
        "run", "services", "update-traffic", "keeper-svc-unused", "--region", REGION, "--to-latest"
    )
    assert pinned.returncode != 0  # an unknown service is a clear error, not a crash
    assert "could not be found" in pinned.stderr
    assert (
        gcloud(
            "run", "services", "update-traffic", "keeper", "--region", REGION, "--to-revisions", f"{rev1}=100"
        ).returncode
        == 0
    )

    stop_localcloud(state_dir)
    assert revision_processes(state_dir) == []
    endpoint = start_localcloud(state_dir)
    gcloud = Gcloud(endpoint)
    after = describe(gcloud, "keeper")
    assert after["state"] == "ACTIVE"
    assert after["serviceConfig"]["revision"] == rev2
    assert after["serviceConfig"]["allTrafficOnLatestRevision"] is False
    assert served_revisions(after["url"]) == {rev1}
    listed = gcloud.value(
        "run",
        "revisions",
        "list",
        "--service",
        "keeper",
        "--region",
        REGION,
        "--format",
        "value(metadata.name)",
    )
    assert listed.split() == [rev2, rev1]

    # as on Cloud Run: with traffic pinned, a new deploy builds a revision that gets no traffic ...
    assert gcloud.deploy("keeper", source_factory()).returncode == 0
    rev3 = describe(gcloud, "keeper")["serviceConfig"]["revision"]
    assert rev3.startswith("keeper-00003-")
    assert served_revisions(after["url"]) == {rev1}
    # ... until traffic goes back to the latest
    latest = gcloud("run", "services", "update-traffic", "keeper", "--region", REGION, "--to-latest")
    assert latest.returncode == 0, latest.stderr
    assert served_revisions(after["url"]) == {rev3}


def test_secrets_resolved_from_state_dir_and_redacted_from_logs(private_cloud, source_factory):
    state_dir, gcloud = private_cloud
    (state_dir / "secrets.toml").write_text(f'api-key = {{ "1" = "old-value", "2" = "{SECRET}" }}\n')
    deployed = gcloud.deploy(
        "secretive", source_factory(PRINTING_MAIN), "--set-secrets", "API_KEY=api-key:latest"
    )
    assert deployed.returncode == 0, deployed.stderr
    fn = describe(gcloud, "secretive")
    assert fn["serviceConfig"]["secretEnvironmentVariables"][0]["secret"] == "api-key"
    answer = get(fn["url"]).json()
    assert answer["secret_length"] == len(SECRET)

    def both_lines(records):
        return any(r["logName"].endswith("%2Fstdout") for r in records) and any(
            r.get("severity") == "WARNING" for r in records
        )

    records = logged_records(state_dir, answer["revision"], until=both_lines)
    assert any(entry_text(r) == "key is [REDACTED]" and r["logName"].endswith("%2Fstdout") for r in records)
    structured = [r for r in records if r.get("severity") == "WARNING"]
    assert structured and structured[0]["jsonPayload"]["message"] == "structured [REDACTED]"
    assert structured[0]["resource"]["labels"]["revision_name"] == answer["revision"]
    for path in state_dir.rglob("*"):
        if path.is_file() and path.suffix in {".jsonl", ".log", ".sqlite3", ".json"}:
            assert SECRET.encode() not in path.read_bytes(), path


def test_missing_secret_fails_the_revision_with_a_clear_message(private_cloud, source_factory):
    state_dir, gcloud = private_cloud
    result = gcloud.deploy("unsecured", source_factory(), "--set-secrets", "API_KEY=not-there:latest")
    assert result.returncode != 0
    assert "secret [not-there] for environment variable [API_KEY] is not defined" in result.stderr
    assert describe(gcloud, "unsecured")["state"] == "FAILED"
    assert client.running_endpoint(state_dir) is not None
