from __future__ import annotations

from datetime import UTC, datetime

import pytest

from deploy_scripts.config import RollbackThresholds
from deploy_scripts.metrics import compute_figures
from deploy_scripts.pipeline.verify import sample_figures
from deploy_scripts.rollback.watch import WatchPolicy, evaluate

GOOD_QUALITY = {
    "upc_check_digits": True,
    "extended_matches_qty_x_price": True,
    "subtotal_reconciles": True,
    "invoice_number_found": True,
    "no_placeholder_pattern": True,
}


def event(
    message="invoice_processed", ms=1000.0, mb=200.0, quality=None, number="CS003837319", revision="r-1",
    dry_run=False,
):  # fmt: skip
    return {
        "severity": "INFO" if message == "invoice_processed" else "ERROR",
        "message": message,
        "timestamp": "2026-01-01T00:00:00Z",
        "revision": revision,
        "invoice_number": number if message == "invoice_processed" else None,
        "duration_ms": ms,
        "peak_memory_mb": mb,
        "quality": GOOD_QUALITY if quality is None else quality,
        "status": 200 if message == "invoice_processed" else 500,
        "dry_run": dry_run,
    }


def test_figures_over_mixed_events_ignore_other_lines():
    bad_quality = dict(GOOD_QUALITY, subtotal_reconciles=False, no_placeholder_pattern=False)
    events = [
        event(ms=1000, mb=100),
        event(ms=3000, mb=300, quality=bad_quality, number=None),
        event("invoice_failed", ms=500, mb=50),
        {"message": "request_started"},
        {"jsonPayload": event(ms=2000, mb=150, revision="r-2")},
    ]
    f = compute_figures(events)
    assert (f.events, f.processed, f.failed) == (4, 3, 1)
    assert f.error_rate == pytest.approx(0.25)
    assert f.average_seconds == pytest.approx((1 + 3 + 0.5 + 2) / 4)
    assert f.max_seconds == 3.0 and f.peak_memory_mb == 300
    assert f.accuracy_proxy == pytest.approx((1 + 0.6 + 1) / 3)
    assert f.invoice_number_rate == pytest.approx(2 / 3)
    assert f.placeholder_detections == 1
    assert f.revisions == ["r-1", "r-2"]


def test_no_events_is_no_traffic():
    figures = compute_figures([])
    assert not figures.has_traffic and figures.error_rate is None


LIMITS = RollbackThresholds()


def test_too_few_events_is_inconclusive_never_a_breach():
    verdict = evaluate(compute_figures([event("invoice_failed")] * 2), LIMITS, min_events=3)
    assert not verdict.conclusive and verdict.breached == []


@pytest.mark.parametrize(
    ("events", "breached"),
    [
        ([event()] * 9 + [event("invoice_failed")] * 2, ["error_rate"]),
        ([event()] * 4 + [event(ms=121_000)], ["max_processing_seconds"]),
        ([event(mb=1600)] + [event()] * 4, ["memory_mb"]),
        ([event(quality=dict(GOOD_QUALITY, subtotal_reconciles=False))] * 5, ["accuracy_proxy"]),
        ([event()] * 10 + [event("invoice_failed")], []),  # 9.1% errors: under the 10% limit
    ],
)
def test_each_rollback_threshold_trips_alone(events, breached):
    verdict = evaluate(compute_figures(events), LIMITS, min_events=3)
    assert verdict.conclusive
    assert [c.name for c in verdict.breached] == breached


def test_policy_needs_consecutive_breaches_and_ignores_silence():
    bad = evaluate(compute_figures([event("invoice_failed")] * 5), LIMITS, 3)
    good = evaluate(compute_figures([event()] * 5), LIMITS, 3)
    silent = evaluate(compute_figures([]), LIMITS, 3)
    policy = WatchPolicy(failure_limit=2)
    assert [policy.observe(v) for v in (bad, good, bad, silent, bad)] == [False, False, False, False, True]


def test_load_sample_waits_for_events_that_reach_the_log_late():
    # the sample's requests are dry runs: its events are synthetic, which is what it judges
    arrivals = [[], [event(mb=120, dry_run=True)], [event(mb=120, dry_run=True), event(mb=180, dry_run=True)]]
    calls = []

    def read_events(revision, since):
        calls.append(revision)
        return arrivals[min(len(calls) - 1, len(arrivals) - 1)]

    figures = sample_figures(read_events, "r-1", datetime.now(UTC), expected=2, wait_seconds=30)
    assert (figures.events, figures.peak_memory_mb) == (2, 180)
    assert calls == ["r-1", "r-1", "r-1"]  # stopped reading once every answered request had logged


def test_load_sample_judges_what_arrived_when_events_never_do():
    figures = sample_figures(
        lambda revision, since: [event(mb=90, dry_run=True)], "r-1", datetime.now(UTC), 4, 0.3
    )
    assert (figures.events, figures.peak_memory_mb) == (1, 90)
