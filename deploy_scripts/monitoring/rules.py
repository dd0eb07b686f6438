"""Alert rules from `[thresholds.alerts]` and their evaluation against one window's figures.

A rule whose figure has no data (no invoices processed in the window) is neither firing nor clear:
no traffic is no evidence, so an open incident stays open and a closed one stays closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from ..config import AlertThresholds
from ..metrics import Figures

State = Literal["firing", "ok", "no_data"]


@dataclass(frozen=True)
class Rule:
    name: str
    figure: str  # attribute of Figures
    breaches_when: Literal["below", "above"]
    threshold: float
    title: str
    unit: Literal["percent", "seconds", "count"]

    def breached(self, value: float) -> bool:
        return value < self.threshold if self.breaches_when == "below" else value > self.threshold


class RuleResult(BaseModel):
    rule: str
    title: str
    state: State
    value: float | None
    threshold: float
    breaches_when: str
    unit: str


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "seconds":
        return f"{value:.2f} s"
    return f"{value:g}"


def describe_threshold(breaches_when: str, threshold: float, unit: str) -> str:
    """The limit as `< 85.0%` or `> 5.0%`: what an alert's value must cross to fire."""
    return f"{'<' if breaches_when == 'below' else '>'} {format_value(threshold, unit)}"


def rules_from(thresholds: AlertThresholds) -> list[Rule]:
    """The business's alert rules (domain doc section 6), limits from config."""
    return [
        Rule("accuracy", "accuracy_proxy", "below", thresholds.min_accuracy, "accuracy proxy", "percent"),
        Rule("average_time", "average_seconds", "above", thresholds.max_average_seconds, "average processing time", "seconds"),
        Rule("error_rate", "error_rate", "above", thresholds.max_error_rate, "error rate", "percent"),
        Rule("invoice_number_rate", "invoice_number_rate", "below", thresholds.min_invoice_number_rate, "invoice-number extraction rate", "percent"),
        Rule("placeholder", "placeholder_detections", "above", thresholds.max_placeholder_detections, "placeholder detections", "count"),
    ]  # fmt: skip


def _value(rule: Rule, figures: Figures) -> float | None:
    if rule.name == "placeholder" and figures.processed == 0:
        return None  # zero detections over zero invoices says nothing
    return getattr(figures, rule.figure)


def evaluate(rules: list[Rule], figures: Figures, min_events: int = 1) -> list[RuleResult]:
    results = []
    for rule in rules:
        value = _value(rule, figures) if figures.events >= min_events else None
        state: State = "no_data" if value is None else ("firing" if rule.breached(value) else "ok")
        results.append(
            RuleResult(rule=rule.name, title=rule.title, state=state, value=value, threshold=rule.threshold,
                       breaches_when=rule.breaches_when, unit=rule.unit)
        )  # fmt: skip
    return results
