"""The totals block on the last page: Merchandise Subtotal, Tariff Surcharge Total, Freight, Total.

Labels and amounts pair in reading order, whether each amount sits beside its label or all labels
come first and all amounts after them.
"""

from __future__ import annotations

import re

from ...models import Totals
from .patterns import to_money

TOTAL_LABEL = re.compile(
    r"(?P<label>Merchandise\s+Sub-?\s?total|Tariff\s+Surcharge\s+Total|Freight|Total)\s*:?", re.I
)
# (?<!\d): an amount never starts inside a digit run, so a long run is scanned once, not from each digit.
AMOUNT = re.compile(r"\(?\$?(?<!\d)((?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2})\)?")
FIELDS = {
    "merchandise": "merchandise_subtotal",
    "tariff": "tariff_surcharge_total",
    "freight": "freight",
    "total": "total",
}


def _field(label: str) -> str:
    return FIELDS[label.split()[0].lower()]


def _events(lines: list[str]) -> list[tuple[str, str]]:
    """('label', field) and ('amount', text) in reading order."""
    events = []
    for line in lines:
        position = 0
        for match in re.finditer(f"{TOTAL_LABEL.pattern}|{AMOUNT.pattern}", line, re.I):
            if match.start() < position:
                continue
            if match.group("label"):
                events.append(("label", _field(match.group("label"))))
            else:
                events.append(("amount", match.group(match.lastindex or 0)))
            position = match.end()
    return events


def parse_totals(lines: list[str]) -> Totals | None:
    if not lines:
        return None
    values: dict[str, object] = {}
    waiting: list[str] = []
    for kind, value in _events(lines):
        if kind == "label":
            if value not in values and value not in waiting:
                waiting.append(value)
        elif waiting:
            values[waiting.pop(0)] = to_money(value)
    return Totals(**values) if values else None
