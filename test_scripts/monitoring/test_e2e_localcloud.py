"""End to end on localcloud: the real gcloud deploys the function, invoices go to its URL, `monitor
--env local` reads localcloud's revision logs and marks the deploy; `rollback --action watch`'s
reader gives the same figures for the revision through the same compute_figures."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.monitor_cmd import main as monitor
from deploy_scripts.config import REPO_ROOT, load_config
from deploy_scripts.metrics import compute_figures
from deploy_scripts.pipeline.target import resolve_target
from test_scripts.deploy.conftest import write_config

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    pytest.importorskip("deploy_scripts.localcloud.client", reason="localcloud is not in the tree yet")
    if not (REPO_ROOT / "requirements.txt").exists():
        pytest.skip("requirements.txt is not in the repository yet")
    root = tmp_path_factory.mktemp("monitor-e2e")
    config_path = write_config(
        root / "deploy.toml", environments__local__localcloud_dir=str(root / "localcloud")
    )
    patch = pytest.MonkeyPatch()
    for var in ("DEPLOY_ENV", "DEPLOY_BACKUPS_KEEP", "DEPLOY_TIMEOUT_SECONDS", "MONITOR_WEBHOOK_URL"):
        patch.delenv(var, raising=False)
    patch.setenv("DEPLOY_CONFIG", str(config_path))
    patch.setenv("DEPLOY_STATE_DIR", str(root / "state"))
    patch.setenv("DEPLOY_LOAD_SAMPLE_REQUESTS", "2")
    patch.setenv("LOCALCLOUD_PORT", str(free_port()))
    patch.setenv("LOCALCLOUD_STATE_DIR", str(root / "localcloud"))
    target = resolve_target(load_config(), None)
    yield target
    from deploy_scripts.localcloud.client import stop

    stop(target.endpoint.state_dir)
    patch.undo()


def test_monitor_reads_a_deployed_revision_on_localcloud(cloud, golden_pdfs):
    result = CliRunner().invoke(deploy, ["--skip-validation", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output[-3000:]
    revision = json.loads(result.stdout)["record"]["revision_after"]

    url = cloud.function_url(None)
    good = requests.post(url, data=golden_pdfs["cc-one-page-invoice.pdf"], headers={"Content-Type": "application/pdf"}, timeout=60)  # fmt: skip
    bad = requests.post(url, data=b"not an invoice", headers={"Content-Type": "text/plain"}, timeout=60)
    assert good.status_code == 200 and 400 <= bad.status_code < 500, (good.text[:300], bad.text[:300])

    out = CliRunner().invoke(monitor, ["--env", "local", "--json"], catch_exceptions=False)
    assert out.exit_code in (0, 1), out.output[-3000:]
    snapshot = json.loads(out.stdout)
    by_revision = {r["label"]: r for r in snapshot["revisions"]}
    assert revision in by_revision
    mine = by_revision[revision]
    # the deploy's own verification traffic (dry runs) plus the two invoices posted here
    assert mine["figures"]["failed"] >= 1 and mine["figures"]["processed"] >= 2
    assert mine["rows_written"] == good.json()["rows_added"] > 0
    assert mine["dry_runs"] == mine["figures"]["events"] - 2
    assert [m["kind"] for m in snapshot["marks"]] == ["deploy"] and snapshot["marks"][0][
        "revision"
    ] == revision

    # `rollback --action watch` reads the same logs through the target and judges with compute_figures
    watch_figures = compute_figures(cloud.read_events(revision, None))
    assert watch_figures.model_dump() == mine["figures"]
