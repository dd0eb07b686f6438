"""The real gcloud against localcloud: deploy, update, describe, list, revisions, traffic, failures."""

from __future__ import annotations

import json
import time

import pytest

from deploy_scripts.localcloud.logs import entry_text, read_revision_logs

from .conftest import PROJECT, REGION
from .helpers import get, served_revisions

pytestmark = [pytest.mark.gcloud, pytest.mark.slow, pytest.mark.timeout(180)]

SLOW_START_MAIN = """
import os, pathlib, time

for _ in range(600):  # a slow import keeps the deploy's operation open until the test releases it
    if pathlib.Path({release!r}).exists():
        break
    time.sleep(0.1)

def hello(request):
    return {{"revision": os.environ.get("K_REVISION")}}
"""

RAISING_MAIN = """
raise RuntimeError("boom at import: missing configuration")
"""


def describe(gcloud, name: str) -> dict:
    return json.loads(gcloud.value("functions", "describe", name, "--region", REGION, "--format", "json"))


def revisions(gcloud, service: str) -> list[str]:
    out = gcloud.value(
        "run",
        "revisions",
        "list",
        "--service",
        service,
        "--region",
        REGION,
        "--format",
        "value(metadata.name)",
    )
    return out.split()


def test_create_update_traffic_and_list(gcloud, source_factory, endpoint):
    source = source_factory()
    created = gcloud.deploy(
        "traffic_fn", source, "--set-env-vars", "GREETING=first", "--allow-unauthenticated"
    )
    assert created.returncode == 0, created.stderr
    first = describe(gcloud, "traffic_fn")
    assert first["state"] == "ACTIVE"
    assert first["serviceConfig"]["service"] == f"projects/{PROJECT}/locations/{REGION}/services/traffic-fn"
    url = first["url"]
    assert url == first["serviceConfig"]["uri"] == f"{endpoint.url}/functions/{PROJECT}/{REGION}/traffic_fn"
    rev1 = first["serviceConfig"]["revision"]
    assert rev1.startswith("traffic-fn-00001-") and len(rev1.rsplit("-", 1)[1]) == 3
    body = get(url).json()
    assert body == {
        "revision": rev1,
        "service": "traffic-fn",
        "greeting": "first",
        "localcloud": endpoint.url,
        "secret_length": 0,
    }

    updated = gcloud.deploy("traffic_fn", source, "--update-env-vars", "GREETING=second")
    assert updated.returncode == 0, updated.stderr
    second = describe(gcloud, "traffic_fn")
    rev2 = second["serviceConfig"]["revision"]
    assert rev2.startswith("traffic-fn-00002-")
    assert get(url).json()["greeting"] == "second"
    assert served_revisions(url) == {rev2}
    assert revisions(gcloud, "traffic-fn") == [rev2, rev1]

    listed = json.loads(gcloud.value("functions", "list", "--regions", REGION, "--format", "json"))
    mine = [
        fn for fn in listed if fn["name"] == f"projects/{PROJECT}/locations/{REGION}/functions/traffic_fn"
    ]
    assert [fn["state"] for fn in mine] == ["ACTIVE"]

    pinned = gcloud(
        "run", "services", "update-traffic", "traffic-fn", "--region", REGION, "--to-revisions", f"{rev1}=100"
    )
    assert pinned.returncode == 0, pinned.stderr
    assert served_revisions(url) == {rev1}
    assert describe(gcloud, "traffic_fn")["serviceConfig"]["allTrafficOnLatestRevision"] is False
    service = json.loads(
        gcloud.value("run", "services", "describe", "traffic-fn", "--region", REGION, "--format", "json")
    )
    assert service["status"]["traffic"] == [{"revisionName": rev1, "percent": 100}]

    latest = gcloud("run", "services", "update-traffic", "traffic-fn", "--region", REGION, "--to-latest")
    assert latest.returncode == 0, latest.stderr
    assert served_revisions(url) == {rev2}
    assert describe(gcloud, "traffic_fn")["serviceConfig"]["allTrafficOnLatestRevision"] is True

    # the split itself: 50/50 reaches both revisions
    split = gcloud(
        "run",
        "services",
        "update-traffic",
        "traffic-fn",
        "--region",
        REGION,
        "--to-revisions",
        f"{rev1}=50,{rev2}=50",
    )
    assert split.returncode == 0, split.stderr
    assert served_revisions(url, calls=40) == {rev1, rev2}


def test_import_error_fails_deploy_and_old_revision_keeps_serving(gcloud, source_factory, localcloud_dir):
    assert gcloud.deploy("fragile_fn", source_factory()).returncode == 0
    good = describe(gcloud, "fragile_fn")
    url, good_rev = good["url"], good["serviceConfig"]["revision"]

    broken = gcloud.deploy("fragile_fn", source_factory(RAISING_MAIN))
    assert broken.returncode != 0
    assert "boom at import: missing configuration" in broken.stderr
    assert "is not ready and cannot serve traffic" in broken.stderr

    after = describe(gcloud, "fragile_fn")
    assert after["state"] == "FAILED"
    assert "boom at import" in after["stateMessages"][0]["message"]
    assert after["serviceConfig"]["revision"] == good_rev
    assert served_revisions(url) == {good_rev}
    failed_rev = revisions(gcloud, "fragile-fn")[0]
    assert failed_rev.startswith("fragile-fn-00002-")
    logged = [
        entry_text(r)
        for r in read_revision_logs(localcloud_dir, failed_rev)
        if r["logName"].endswith("%2Fstderr")
    ]
    assert any("boom at import" in line for line in logged)

    # a fixed deploy recovers the function
    assert gcloud.deploy("fragile_fn", source_factory()).returncode == 0
    recovered = describe(gcloud, "fragile_fn")
    assert recovered["state"] == "ACTIVE" and "stateMessages" not in recovered
    assert served_revisions(url) == {recovered["serviceConfig"]["revision"]}


def test_concurrent_update_is_refused_with_409(gcloud, source_factory, tmp_path):
    release = tmp_path / "release"
    source = source_factory(SLOW_START_MAIN.format(release=str(release)))
    assert gcloud.deploy("busy_fn", source_factory()).returncode == 0
    first = gcloud.popen(*gcloud.deploy_args("busy_fn", source))
    try:
        deadline = time.monotonic() + 30
        while describe(gcloud, "busy_fn")["state"] != "DEPLOYING" and time.monotonic() < deadline:
            time.sleep(0.2)
        second = gcloud.deploy("busy_fn", source_factory())
        assert second.returncode != 0
        assert "status=[409]" in second.stderr
        assert "unable to queue the operation" in second.stderr
    finally:
        release.touch()
        out, err = first.communicate(timeout=90)
    assert first.returncode == 0, err
    assert describe(gcloud, "busy_fn")["serviceConfig"]["revision"].startswith("busy-fn-00002-")


def test_delete_removes_function_and_url(gcloud, source_factory, localcloud_dir):
    assert gcloud.deploy("doomed_fn", source_factory()).returncode == 0
    url = describe(gcloud, "doomed_fn")["url"]
    assert get(url).status_code == 200
    deleted = gcloud("functions", "delete", "doomed_fn", "--region", REGION)
    assert deleted.returncode == 0, deleted.stderr
    gone = gcloud("functions", "describe", "doomed_fn", "--region", REGION)
    assert gone.returncode != 0 and "404" in gone.stderr
    answer = get(url)
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"Function doomed_fn is not deployed in {PROJECT}/{REGION}."
