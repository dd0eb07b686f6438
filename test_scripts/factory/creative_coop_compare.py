"""Field-by-field comparison of an extraction with the generator's ground truth.

Independent of the gate's scoring (which judges the golden set): the property tests and
`bench/bench_accuracy.py` use it to count every field the truth states, header, items and totals.
Items are paired by product code in document order; an extracted item with no partner is spurious
and counts as wrong in every item field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldScore:
    correct: int = 0
    total: int = 0
    spurious_items: int = 0
    missing_items: int = 0
    invoice_number_ok: bool = False
    differences: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        if self.total == 0:
            raise ValueError("nothing was compared")
        return self.correct / self.total

    def add(self, where: str, got: Any, want: Any) -> None:
        self.total += 1
        if _same(got, want):
            self.correct += 1
        else:
            self.differences.append(f"{where}: got {got!r}, want {want!r}")


def _same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    return str(got) == str(want)


def compare(expected: dict[str, Any], actual: dict[str, Any] | None) -> FieldScore:
    """Every field of `expected` against `actual` (None: the extraction failed)."""
    score = FieldScore()
    actual = actual or {}
    for key, want in expected.items():
        if key in ("line_items", "totals"):
            continue
        score.add(key, actual.get(key), want)
    got_totals = actual.get("totals") or {}
    for key, want in expected["totals"].items():
        score.add(f"totals.{key}", got_totals.get(key), want)
    score.invoice_number_ok = _same(actual.get("invoice_number"), expected["invoice_number"])
    got_items = list(actual.get("line_items") or [])
    used: set[int] = set()
    for index, want in enumerate(expected["line_items"]):
        partner = next(
            (
                k
                for k, got in enumerate(got_items)
                if k not in used and got.get("product_code") == want["product_code"]
            ),
            None,
        )
        if partner is None:
            score.missing_items += 1
        else:
            used.add(partner)
        got = got_items[partner] if partner is not None else {}
        for key, value in want.items():
            score.add(f"item {index} ({want['product_code']}) {key}", got.get(key), value)
    per_item = len(expected["line_items"][0]) if expected["line_items"] else 12
    for k, got in enumerate(got_items):
        if k not in used:
            score.spurious_items += 1
            score.total += per_item
            score.differences.append(f"spurious item {got.get('product_code')!r}")
    return score
