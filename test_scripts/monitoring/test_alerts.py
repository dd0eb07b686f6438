"""Each alert rule fires at its threshold (not before), once per incident, and resolves when it clears.

Events are hand-built so every figure sits exactly on or just past its limit; they are read back
through the real JSON-lines source and judged by the real Monitor with its SQLite state.
"""

import json
import threading
from datetime import timedelta

import pytest

from deploy_scripts.metrics import compute_figures
from deploy_scripts.monitoring.monitor import Monitor, Windows
from deploy_scripts.monitoring.rules import evaluate, rules_from
from deploy_scripts.monitoring.sources import JsonLinesSource
from deploy_scripts.monitoring.store import AlertStore

from .conftest import ALL_CHECKS, NOW, event

PLACEHOLDER = {**dict.fromkeys(ALL_CHECKS, True), "no_placeholder_pattern": False}


class Feed:
    """A JSON-lines file the test appends to, and a monitor (fresh per evaluation, as separate runs are)."""

    def __init__(self, config, tmp_path):
        self.config = config
        self.path = tmp_path / "events.jsonl"
        self.path.write_text("")
        self.now = NOW

    def add(self, lines):
        with self.path.open("a") as handle:
            for line in lines:
                handle.write(json.dumps(line) + "\n")

    def evaluate(self):
        monitor = Monitor(self.config, "local", JsonLinesSource([self.path]), windows=Windows(60, 24, 24, 1),
                          clock=lambda: self.now)  # fmt: skip
        return monitor.evaluate()

    def state(self, evaluation, rule):
        return next(a for a in evaluation.snapshot.alerts if a.rule == rule)


def at(n, **kw):
    return [event(1 + i * 0.01, **kw) for i in range(n)]


# rule -> (events exactly at the limit, events that breach it, events that bring it back to the limit)
CASES = {
    "error_rate": (at(19) + at(1, failed=True), at(1, failed=True), at(19)),  # 1/20 = 5% ok; 2/21; 2/40 = 5%
    "accuracy": (at(10, quality_score=0.85), at(1, quality_score=0.8), at(2, quality_score=1.0)),
    "average_time": (at(2, seconds=90), at(1, seconds=93), at(1, seconds=87)),  # avg 90, 91, then 90
    "invoice_number_rate": (
        at(19) + at(1, invoice_number=None),
        at(1, invoice_number=None),
        at(19),
    ),  # 95%, 19/21, 38/40
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_past_its_threshold_once_and_resolves(config, tmp_path, rule):
    at_limit, breach, clear = CASES[rule]
    feed = Feed(config, tmp_path)
    feed.add(at_limit)
    first = feed.evaluate()
    assert feed.state(first, rule).state == "ok", feed.state(first, rule)
    assert first.transitions == []

    feed.add(breach)
    fired = feed.evaluate()
    assert feed.state(fired, rule).state == "firing"
    assert [(t.kind, t.incident.rule) for t in fired.transitions] == [("fired", rule)]

    again = feed.evaluate()  # still breaching: the same incident, no second notification
    assert feed.state(again, rule).state == "firing" and again.transitions == []
    assert [i.rule for i in again.snapshot.open_incidents] == [rule]

    feed.add(clear)
    resolved = feed.evaluate()
    assert feed.state(resolved, rule).state == "ok"
    assert [(t.kind, t.incident.rule) for t in resolved.transitions] == [("resolved", rule)]
    assert resolved.transitions[0].incident.id == fired.transitions[0].incident.id
    assert resolved.snapshot.open_incidents == []


def test_any_placeholder_fires_and_resolves_when_it_leaves_the_window(config, tmp_path):
    feed = Feed(config, tmp_path)
    feed.add(at(3))
    assert feed.state(feed.evaluate(), "placeholder").state == "ok"
    feed.add(at(1, quality=PLACEHOLDER))
    fired = feed.evaluate()
    assert feed.state(fired, "placeholder").value == 1
    assert [t.kind for t in fired.transitions] == ["fired"]
    feed.now = NOW + timedelta(minutes=61)  # the bad invoice is out of the 60-minute window
    feed.add([event(1, now=feed.now)])
    resolved = feed.evaluate()
    assert [(t.kind, t.incident.rule) for t in resolved.transitions] == [("resolved", "placeholder")]


def test_no_traffic_neither_fires_nor_resolves(config, tmp_path):
    feed = Feed(config, tmp_path)
    feed.add(at(1, failed=True))
    assert [t.kind for t in feed.evaluate().transitions] == ["fired"]
    feed.now = NOW + timedelta(hours=2)
    quiet = feed.evaluate()
    assert quiet.transitions == []
    assert {a.state for a in quiet.snapshot.alerts} == {"no_data"}
    assert [i.rule for i in quiet.snapshot.open_incidents] == ["error_rate"]


def test_a_new_breach_after_resolution_is_a_new_incident(config, tmp_path):
    feed = Feed(config, tmp_path)
    feed.add(at(1, failed=True))
    first = feed.evaluate().transitions[0].incident.id
    feed.add(at(40))
    assert [t.kind for t in feed.evaluate().transitions] == ["resolved"]
    feed.add(at(5, failed=True))
    second = feed.evaluate().transitions
    assert [t.kind for t in second] == ["fired"] and second[0].incident.id == first + 1
    assert [i.id for i in feed.evaluate().snapshot.recent_incidents] == [first + 1, first]


def test_two_monitors_at_once_open_one_incident(config, tmp_path):
    feed = Feed(config, tmp_path)
    feed.add(at(2, failed=True))
    results, barrier = [], threading.Barrier(4)

    def run():
        barrier.wait()
        results.append(feed.evaluate())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fired = [t for r in results for t in r.transitions if t.kind == "fired"]
    assert len(fired) == 1
    assert (
        len(
            AlertStore.in_state_dir(config.resolved_state_dir()).open_incidents(
                feed.evaluate().snapshot.scope
            )
        )
        == 1
    )


def test_min_events_makes_a_thin_window_no_data(config):
    figures = compute_figures([event(1, failed=True)])
    results = evaluate(rules_from(config.thresholds.alerts), figures, min_events=3)
    assert {r.state for r in results} == {"no_data"}
    assert (
        next(
            r for r in evaluate(rules_from(config.thresholds.alerts), figures) if r.rule == "error_rate"
        ).state
        == "firing"
    )


def test_limits_come_from_config(config):
    alerts = config.thresholds.alerts.model_copy(update={"max_error_rate": 0.5})
    rule = next(r for r in rules_from(alerts) if r.name == "error_rate")
    assert rule.threshold == 0.5 and not rule.breached(0.5) and rule.breached(0.51)
