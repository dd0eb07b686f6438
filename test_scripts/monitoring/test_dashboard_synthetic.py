"""Synthetic traffic (verification, replay: dry runs) is left out of the figures alerts and watch judge.

The window the issue describes: 72 events, 63 of them dry runs, hid a 22% real error rate (2 of 9
real invoices failed) behind a 2.8% overall one, and the alert closed.
"""

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from deploy_scripts.cli.monitor_cmd import main as monitor
from deploy_scripts.metrics import compute_figures
from deploy_scripts.monitoring.figures import per_revision
from deploy_scripts.monitoring.observed import observe

from .conftest import event


def window(now: datetime) -> list[dict]:
    dry_runs = [event(0.5 + i * 0.1, now=now, dry_run=True, synthetic=True, rows=0) for i in range(63)]
    real_ok = [event(1 + i * 0.3, now=now) for i in range(7)]
    real_failed = [event(2 + i, now=now, failed=True) for i in range(2)]
    return dry_runs + real_ok + real_failed


def test_63_dry_runs_do_not_hide_a_22_percent_real_error_rate():
    events = window(datetime(2026, 3, 1, 12, tzinfo=UTC))
    real = compute_figures(events)
    assert (real.events, real.failed, real.excluded) == (9, 2, 63)
    assert round(real.error_rate, 4) == 0.2222
    everything = compute_figures(events, traffic="all")
    assert round(everything.error_rate, 4) == round(2 / 72, 4)  # what the alert used to judge
    synthetic = compute_figures(events, traffic="synthetic")
    assert (synthetic.events, synthetic.failed, synthetic.excluded) == (63, 0, 9)


def test_an_old_event_without_the_synthetic_field_counts_as_synthetic_when_it_was_a_dry_run():
    old = {k: v for k, v in event(1, dry_run=True).items() if k != "synthetic"}
    assert compute_figures([old]).events == 0
    assert compute_figures([old], traffic="synthetic").events == 1


def test_per_revision_shows_real_and_synthetic_apart():
    (revision,) = per_revision(observe(window(datetime(2026, 3, 1, 12, tzinfo=UTC))))
    assert (revision.figures.events, revision.synthetic.events, revision.dry_runs) == (9, 63, 63)
    assert revision.rows_written == 7 * 10  # the dry runs wrote nothing, and are not counted


def test_monitor_fires_on_the_real_error_rate_and_shows_the_synthetic_count(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in window(datetime.now(UTC))))
    result = CliRunner().invoke(
        monitor, ["--state-dir", str(tmp_path / "state"), "--events-file", str(path), "--json"]
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["firing"] == ["error_rate"]
    assert round(data["current"]["figures"]["error_rate"], 4) == 0.2222
    assert data["current"]["synthetic"]["events"] == 63
    (revision,) = data["revisions"]
    assert (revision["figures"]["events"], revision["synthetic"]["events"]) == (9, 63)
    text = CliRunner().invoke(monitor, ["--state-dir", str(tmp_path / "state"), "--events-file", str(path)])
    assert "9 (7 processed, 2 failed)" in text.output
    assert "63 (0 failed, 63 dry-run)" in text.output
