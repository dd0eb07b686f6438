"""Judge one provisioned alert policy over LogEntries: localcloud's evaluator (which fires the
policy's channels) and `monitor --action checks` both call `judge`, so a policy is judged one way.

The policy says which rule it is (`userLabels.rule`), its limit (`thresholdValue`, scaled back from
the metric's unit) and its window (`alignmentPeriod`); the rule itself is rules.py's, and the
figures are deploy_scripts.metrics' over the window's real invoice events, exactly as the log-based
metrics count them (dry runs and synthetic traffic left out). The accuracy policy's second condition
is the scheduled golden checks' accuracy; the absence policy fires when no daily_check event came
within its duration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta

from ..config import AlertThresholds
from ..metrics import compute_figures
from .observed import parse_time
from .provision_resources import ABSENCE_RULE, CONDITIONS, DAILY_CHECK
from .rules import RuleResult, evaluate, rules_from


def _seconds(duration: str | None, default: float) -> float:
    try:
        return float(str(duration).rstrip("s"))
    except ValueError:
        return default


def _payload(entry: dict) -> dict:
    payload = entry.get("jsonPayload")
    return payload if isinstance(payload, dict) else {}


def _at(entry: dict) -> datetime | None:
    return parse_time(entry.get("timestamp")) or parse_time(_payload(entry).get("timestamp"))


def _is_real(payload: dict) -> bool:
    return not payload.get("dry_run") and not payload.get("synthetic")


def daily_checks(entries: Iterable[dict]) -> list[tuple[datetime, dict]]:
    """(time, payload) of every daily_check event, oldest first."""
    found = [(_at(e), _payload(e)) for e in entries if _payload(e).get("message") == DAILY_CHECK]
    return sorted(((at, p) for at, p in found if at is not None), key=lambda pair: pair[0])


def judge(policy: dict, entries: list[dict], now: datetime) -> RuleResult | None:
    """The policy's state at `now`; None for a policy this project did not provision."""
    labels = policy.get("userLabels") or {}
    name, service = labels.get("rule"), labels.get("service")
    conditions = policy.get("conditions") or []
    if not name or not conditions:
        return None
    mine = [
        e for e in entries if ((e.get("resource") or {}).get("labels") or {}).get("service_name") == service
    ]
    if name == ABSENCE_RULE:
        duration = _seconds(conditions[0].get("conditionAbsent", {}).get("duration"), 26 * 3600)
        checks = [at for at, _ in daily_checks(mine) if at <= now]
        hours = (now - checks[-1]).total_seconds() / 3600 if checks else None
        state = "firing" if hours is None or hours * 3600 > duration else "ok"
        return RuleResult(rule=name, title="hours since the last daily golden check", state=state,
                          value=hours, threshold=duration / 3600, breaches_when="above", unit="count")  # fmt: skip
    rules = {rule.name: rule for rule in rules_from(AlertThresholds())}
    if name not in rules or name not in CONDITIONS:
        return None
    threshold = conditions[0].get("conditionThreshold") or {}
    rule = dataclasses.replace(
        rules[name], threshold=float(threshold.get("thresholdValue", 0)) / CONDITIONS[name][0].scale
    )
    window = _seconds((threshold.get("aggregations") or [{}])[0].get("alignmentPeriod"), 3600)
    start = now - timedelta(seconds=window)
    recent = [e for e in mine if (at := _at(e)) is not None and start < at <= now]
    real = [e for e in recent if _is_real(_payload(e))]
    [result] = evaluate([rule], compute_figures(real))
    if name == "accuracy" and len(conditions) > 1:
        scores = [
            p.get("accuracy") for _, p in daily_checks(recent) if isinstance(p.get("accuracy"), int | float)
        ]
        if scores and rule.breached(min(scores)):
            result = result.model_copy(update={"state": "firing", "value": min(scores)})
        elif scores and result.state == "no_data":
            result = result.model_copy(update={"state": "ok", "value": min(scores)})
    return result
