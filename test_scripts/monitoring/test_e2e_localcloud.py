"""End to end on localcloud: the real gcloud deploys the function, invoices go to its URL, `monitor
--env local` reads the function's LogEntries through localcloud's Cloud Logging API and marks the deploy; `rollback --action watch`'s
reader gives the same figures for the revision through the same compute_figures."""

from __future__ import annotations

import json

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.monitor_cmd import main as monitor
from deploy_scripts.metrics import compute_figures
from test_scripts.deploy.conftest import localcloud_environment
from test_scripts.polling import poll

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with localcloud_environment(
        tmp_path_factory.mktemp("monitor-e2e"), unset=("MONITOR_WEBHOOK_URL",)
    ) as target:
        yield target


def wait_for_live_events(cloud, revision, count):
    """The function's log lines reach the log after its answers (pumped from its stdout)."""

    def live(events):
        payloads = [e["jsonPayload"] for e in events]  # LogEntries from the Logging API
        return sum(1 for p in payloads if p["message"].startswith("invoice_") and not p.get("dry_run"))

    poll(lambda: cloud.read_events(revision, None), lambda events: live(events) >= count)


def test_monitor_reads_a_deployed_revision_on_localcloud(cloud, golden_pdfs):
    result = CliRunner().invoke(deploy, ["--skip-validation", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output[-3000:]
    revision = json.loads(result.stdout)["record"]["revision_after"]

    url = cloud.function_url(None)
    good = requests.post(url, data=golden_pdfs["cc-one-page-invoice.pdf"], headers={"Content-Type": "application/pdf"}, timeout=60)  # fmt: skip
    bad = requests.post(url, data=b"not an invoice", headers={"Content-Type": "text/plain"}, timeout=60)
    assert good.status_code == 200 and 400 <= bad.status_code < 500, (good.text[:300], bad.text[:300])
    wait_for_live_events(cloud, revision, count=2)

    out = CliRunner().invoke(monitor, ["--env", "local", "--json"], catch_exceptions=False)
    assert out.exit_code in (0, 1), out.output[-3000:]
    snapshot = json.loads(out.stdout)
    by_revision = {r["label"]: r for r in snapshot["revisions"]}
    assert revision in by_revision
    mine = by_revision[revision]
    # the two invoices posted here are the real traffic; the deploy's verification (dry runs) is
    # synthetic, shown apart and left out of the figures the alerts judge
    assert (mine["figures"]["events"], mine["figures"]["failed"], mine["figures"]["processed"]) == (2, 1, 1)
    assert mine["rows_written"] == good.json()["rows_added"] > 0
    assert mine["dry_runs"] == mine["synthetic"]["events"] > 0
    assert [m["kind"] for m in snapshot["marks"]] == ["deploy"] and snapshot["marks"][0][
        "revision"
    ] == revision

    # `rollback --action watch` reads the same logs through the target and judges with compute_figures
    watch_figures = compute_figures(cloud.read_events(revision, None))
    assert watch_figures.model_dump() == mine["figures"]
