"""Windows, buckets and per-revision grouping over hand-built events; the figures are metrics.py's."""

import importlib
from datetime import timedelta

import pytest

import deploy_scripts.metrics as metrics
import deploy_scripts.monitoring.figures as monitoring_figures
from deploy_scripts.monitoring.figures import (
    current_window,
    per_revision,
    percentile,
    timeline,
    window_figures,
)
from deploy_scripts.monitoring.observed import observe

from .conftest import NOW, event


def test_monitor_and_rollback_watch_use_the_one_compute_figures():
    assert monitoring_figures.compute_figures is metrics.compute_figures
    rollback_watch = importlib.import_module(
        "deploy_scripts.rollback.watch"
    )  # the package re-exports a function
    assert rollback_watch.compute_figures is metrics.compute_figures


def test_window_figures_equal_compute_figures_on_the_same_events():
    lines = [
        event(1, seconds=1),
        event(2, seconds=3, rows=4),
        event(3, failed=True, seconds=0.5),
        {"message": "other"},
    ]
    window = window_figures(observe(lines), "all")
    assert window.figures == metrics.compute_figures(lines)
    assert window.figures.events == 3 and window.figures.failed == 1
    assert window.rows_written == 14
    assert window.figures.max_seconds == 3


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.5) == 10.0
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.95) is None


def test_p95_and_dry_runs_in_a_window():
    lines = [event(i * 0.1, seconds=float(i + 1)) for i in range(20)] + [
        event(0.05, dry_run=True, seconds=0.5)
    ]
    window = window_figures(observe(lines), "w")
    assert window.p95_seconds == 19.0  # 21 values 0.5, 1..20: rank ceil(19.95) = 20th = 19
    assert window.dry_runs == 1


def test_current_window_keeps_only_events_inside_it():
    lines = [
        event(5),
        event(59.9),
        event(60.1, failed=True),
        event(-1, failed=True),
    ]  # the last is in the future
    window = current_window(observe(lines), NOW, 60)
    assert window.figures.events == 2
    assert window.figures.error_rate == 0.0


def test_timeline_buckets_count_every_event_once():
    lines = [event(m) for m in (1, 30, 59, 61, 119, 120)]  # 120 min ago is the exclusive start
    buckets = timeline(observe(lines), NOW, hours=2, buckets=2)
    assert [b.figures.events for b in buckets] == [2, 3]
    assert buckets[0].start == NOW - timedelta(hours=2) and buckets[-1].end == NOW
    assert buckets[0].end == buckets[1].start


def test_per_revision_groups_in_order_of_first_appearance():
    lines = [event(50, revision="r-1"), event(40, revision="r-2", failed=True), event(30, revision="r-1"),
             event(20, revision="r-2")]  # fmt: skip
    groups = per_revision(observe(lines))
    assert [g.label for g in groups] == ["r-1", "r-2"]
    assert groups[1].figures.error_rate == 0.5
    assert groups[0].first_seen == NOW - timedelta(minutes=50)


def test_cloud_logging_entries_are_unwrapped_with_entry_time_and_revision():
    inner = event(1)
    del inner["timestamp"], inner["revision"]
    wrapped = {"jsonPayload": inner, "timestamp": (NOW - timedelta(minutes=3)).isoformat(),
               "resource": {"labels": {"revision_name": "process-invoice-00009-xyz"}}}  # fmt: skip
    [observed] = observe([wrapped])
    assert observed.event.revision == "process-invoice-00009-xyz"
    assert observed.at == NOW - timedelta(minutes=3)


@pytest.mark.parametrize("line", [{"message": "invoice_processed"}, {"message": "invoice_processed", "timestamp": "soon"},
                                  "not a dict", {"message": "booted", "timestamp": NOW.isoformat()}])  # fmt: skip
def test_lines_that_are_not_timestamped_invoice_events_are_skipped(line):
    assert observe([line]) == []
