"""Real events: the function under functions-framework on loopback, logged the way localcloud logs a
revision (Cloud Run LogEntries), then read back by `monitor` through localcloud's Cloud Logging API. Figures are checked against the HTTP answers the function gave,
and the error-rate alert fires, reaches a local webhook, and resolves as good invoices dilute it."""

import json

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.monitor_cmd import main as monitor_cli
from deploy_scripts.function_events import client_factory
from deploy_scripts.monitoring.monitor import Monitor, Windows
from deploy_scripts.monitoring.sources import CloudLoggingSource
from deploy_scripts.monitoring.webhook import WebhookNotifier

pytestmark = pytest.mark.slow

BAD_INPUTS = [(b"these are not the invoices you are looking for", "text/plain"), (b"%PDF-1.7\n%%EOF broken", "application/pdf")]  # fmt: skip


def post_all(live, golden_pdfs):
    answers = [
        live.post(golden_pdfs["cc-one-page-invoice.pdf"]),
        live.post(golden_pdfs["cs003837319.pdf"], dry_run=True),
    ]
    assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
    failures = [live.post(data, content_type) for data, content_type in BAD_INPUTS]
    assert all(400 <= f.status_code < 500 for f in failures), [(f.status_code, f.text) for f in failures]
    return [a.json() for a in answers], failures


def test_figures_alerts_and_webhook_from_the_running_function(
    config, live_function, logging_api, golden_pdfs, receiver
):
    bodies, failures = post_all(live_function, golden_pdfs)
    assert len(live_function.events_logged(4)) == 4
    webhook = WebhookNotifier(receiver.url, wait_seconds=0.01)
    source = CloudLoggingSource(config.environment("local"), client_factory(logging_api))
    monitor = Monitor(config, "local", source, windows=Windows(), webhook=webhook)

    evaluation = monitor.evaluate()
    figures, current = evaluation.snapshot.current.figures, evaluation.snapshot.current
    # the dry run is synthetic: shown apart, left out of the figures the alerts judge
    assert (figures.events, figures.processed, figures.failed, figures.excluded) == (3, 1, 2, 1)
    assert figures.error_rate == pytest.approx(2 / 3)
    assert figures.revisions == [live_function.revision]
    assert current.rows_written == sum(b["rows_added"] for b in bodies) == len(bodies[0]["rows"]) > 0
    assert current.dry_runs == current.synthetic.events == current.synthetic.processed == 1
    assert figures.invoice_number_rate == 1.0
    assert figures.accuracy_proxy == pytest.approx(bodies[0]["quality"]["score"])
    slowest_answer = max(b["duration_ms"] for b in bodies) / 1000  # measured after the event was written
    assert 0 < figures.max_seconds <= slowest_answer
    assert current.p95_seconds <= figures.max_seconds and figures.peak_memory_mb > 0
    assert [r.label for r in evaluation.snapshot.revisions] == [live_function.revision]

    states = {a.rule: a.state for a in evaluation.snapshot.alerts}
    assert states == {"error_rate": "firing", "accuracy": "ok", "average_time": "ok", "invoice_number_rate": "ok",
                      "placeholder": "ok"}  # fmt: skip
    assert [t.kind for t in evaluation.transitions] == ["fired"]
    assert [b["text"] for b in receiver.bodies] == [
        "[FIRING] error rate 66.7% (alert when > 5.0%) on local.freckled-hen-analytics.us-central1.process_invoice"
    ]
    assert bodies[0]["invoice_number"] not in json.dumps(receiver.bodies)  # no document contents

    # 37 more good real invoices: 2 failures in 40 is exactly 5%, which is not above the limit
    small = golden_pdfs["cc-one-page-invoice.pdf"]
    assert all(live_function.post(small).status_code == 200 for _ in range(36))
    live_function.events_logged(40)
    assert monitor.evaluate().snapshot.current.figures.error_rate == pytest.approx(2 / 39)
    assert len(receiver.bodies) == 1
    assert live_function.post(small).status_code == 200
    live_function.events_logged(41)
    resolved = monitor.evaluate()
    assert resolved.snapshot.current.figures.error_rate == 0.05
    assert [t.kind for t in resolved.transitions] == ["resolved"]
    assert receiver.bodies[-1]["text"].startswith("[RESOLVED] error rate 5.0%")


def test_cli_json_over_the_function_log(config, live_function, golden_pdfs, tmp_path):
    bodies, _ = post_all(live_function, golden_pdfs)
    live_function.events_logged(4)
    state = tmp_path / "state"
    args = ["--state-dir", str(state), "--events-file", str(live_function.log_path), "--json"]
    result = CliRunner().invoke(monitor_cli, args)
    assert result.exit_code == 1, result.output  # an alert is firing
    data = json.loads(result.stdout)
    assert data["firing"] == ["error_rate"]
    assert data["current"]["figures"]["events"] == 3 and data["current"]["figures"]["failed"] == 2
    assert data["current"]["synthetic"]["events"] == 1
    assert data["current"]["rows_written"] == bodies[0]["rows_added"]
    assert [t["kind"] for t in data["transitions"]] == ["fired"]
    assert "[FIRING] error rate 66.7%" in result.stderr

    again = CliRunner().invoke(monitor_cli, args)
    assert (
        again.exit_code == 1 and json.loads(again.stdout)["transitions"] == []
    )  # once per incident, across runs
