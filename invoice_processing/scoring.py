"""Score one extraction against its ground truth.

Items are matched by product code (in document order when a code repeats). Field accuracy =
correct fields / expected fields; a missing item counts all its fields wrong, and a spurious item
adds its fields to the denominator as well as lowering precision, so inventing rows never pays.

Every field the extraction reports is scored (the field lists come from the extractor's own models,
so a field added there is gated as soon as ground truth states it). A field the expected file
states is scored, including an explicit `null`: the page does not determine it, so the extraction
must not invent it. A field the expected file leaves out is not known, and not scored.
"""

from __future__ import annotations

import re
import types
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Union, get_args, get_origin

from .models import LineItem, ParsedInvoice, Totals
from .truth import ExpectedInvoice, ExpectedItem

#: Bookkeeping, not content read from the page (`page` has its own check).
_NOT_SCORED = {"page", "line_items", "totals", "pages_with_items"}


def _reported(model: type) -> tuple[str, ...]:
    """The fields a model puts in the extraction's JSON (`exclude=True` ones are internal)."""
    return tuple(f for f, info in model.model_fields.items() if f not in _NOT_SCORED and not info.exclude)


#: Scored line-item fields. product_code is scored as presence (it is the match key).
ITEM_FIELDS = _reported(LineItem)
INVOICE_FIELDS = _reported(ParsedInvoice)
TOTAL_FIELDS = _reported(Totals)


def _annotated(model: type, kind: type) -> set[str]:
    def has(annotation: Any) -> bool:
        if annotation is kind:
            return True
        if get_origin(annotation) in (Union, types.UnionType):
            return any(has(a) for a in get_args(annotation))
        return False

    return {name for name, info in model.model_fields.items() if has(info.annotation)}


MONEY_FIELDS = _annotated(LineItem, Decimal) | _annotated(Totals, Decimal)
INT_FIELDS = _annotated(LineItem, int) | _annotated(ParsedInvoice, int)


@dataclass(frozen=True)
class Mismatch:
    invoice: str
    field: str
    expected: str
    actual: str
    item: str = ""

    def describe(self) -> str:
        where = f"{self.invoice} {self.item}".strip()
        return f"{where}: {self.field} expected {self.expected!r}, got {self.actual!r}"


@dataclass
class FieldTally:
    correct: int = 0
    expected: int = 0

    @property
    def accuracy(self) -> float:
        # Nothing expected is nothing measured: never a perfect score.
        return self.correct / self.expected if self.expected else 0.0


@dataclass
class InvoiceScore:
    name: str
    vendor: str
    items_expected: int = 0
    items_extracted: int = 0
    items_matched: int = 0
    fields: dict[str, FieldTally] = field(default_factory=dict)
    invoice_fields: dict[str, bool] = field(default_factory=dict)
    total_fields: dict[str, bool] = field(default_factory=dict)
    problems: list[Mismatch] = field(default_factory=list)
    spurious_fields: int = 0
    error: str | None = None

    @property
    def precision(self) -> float:
        return self.items_matched / self.items_extracted if self.items_extracted else 0.0

    @property
    def recall(self) -> float:
        return self.items_matched / self.items_expected if self.items_expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def field_accuracy(self) -> float:
        correct = sum(t.correct for t in self.fields.values())
        expected = sum(t.expected for t in self.fields.values())
        return correct / (expected + self.spurious_fields) if expected + self.spurious_fields else 0.0

    @property
    def accuracy(self) -> float:
        """Item fields plus the invoice-level fields and totals, spurious items counted against it."""
        whole = [*self.invoice_fields.values(), *self.total_fields.values()]
        correct = sum(t.correct for t in self.fields.values()) + sum(whole)
        total = sum(t.expected for t in self.fields.values()) + len(whole) + self.spurious_fields
        return correct / total if total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "vendor": self.vendor,
            "accuracy": round(self.accuracy, 6),
            "field_accuracy": round(self.field_accuracy, 6),
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "f1": round(self.f1, 6),
            "items_expected": self.items_expected,
            "items_extracted": self.items_extracted,
            "items_matched": self.items_matched,
            "fields": {
                n: {"correct": t.correct, "expected": t.expected, "accuracy": round(t.accuracy, 6)}
                for n, t in self.fields.items()
            },
            "invoice_fields": self.invoice_fields,
            "total_fields": self.total_fields,
            "error": self.error,
            "problems": [m.__dict__ for m in self.problems[:50]],
        }


def normalise(field_name: str, value: Any) -> Any:
    if value is None:
        return None
    if field_name in MONEY_FIELDS:
        try:
            return Decimal(str(value).replace(",", "").replace("$", "").strip())
        except InvalidOperation:
            return str(value)
    if field_name == "description":
        return re.sub(r"\s+", " ", str(value)).strip()
    if field_name in INT_FIELDS:
        try:
            return int(value)
        except (TypeError, ValueError):
            return str(value)
    return str(value).strip()


def stated(model: ExpectedItem | ExpectedInvoice | Any, names: tuple[str, ...]) -> list[str]:
    """The fields ground truth states (a value or an explicit null): those of `names` first, in
    their order, then any other field it states. Truth decides what is scored, not the extractor's
    models, so an extractor that drops a field from its models is still scored on it."""
    given = model.model_fields_set - _NOT_SCORED if model is not None else set()
    return [n for n in names if n in given] + sorted(given - set(names))


def _pair_items(expected: list[ExpectedItem], actual: list[dict]) -> list[tuple[ExpectedItem, dict | None]]:
    pools: dict[str, list[dict]] = defaultdict(list)
    for item in actual:
        pools[str(item.get("product_code", "")).strip()].append(item)
    pairs = []
    for exp in expected:
        pool = pools.get(exp.product_code)
        pairs.append((exp, pool.pop(0) if pool else None))
    return pairs


def _score_item(score: InvoiceScore, exp: ExpectedItem, act: dict | None) -> None:
    for name in stated(exp, ITEM_FIELDS):
        want = normalise(name, getattr(exp, name))
        tally = score.fields.setdefault(name, FieldTally())
        tally.expected += 1
        got = normalise(name, act.get(name)) if act is not None else None
        if act is not None and got == want:
            tally.correct += 1
        elif act is not None:
            score.problems.append(Mismatch(score.name, name, str(want), str(got), exp.product_code))
    if act is None:
        score.problems.append(
            Mismatch(score.name, "line_item", exp.product_code, "missing", exp.product_code)
        )


def _score_whole(
    score: InvoiceScore, names: list[str], want_of: Any, got_of: dict, into: dict[str, bool], prefix: str = ""
) -> None:
    for name in names:
        want = normalise(name, getattr(want_of, name))
        got = normalise(name, got_of.get(name))
        ok = str(got) == str(want) if want is not None else got is None
        into[name] = ok
        if not ok:
            score.problems.append(Mismatch(score.name, prefix + name, str(want), str(got)))


def score_invoice(expected: ExpectedInvoice | dict, actual: dict | None, name: str = "") -> InvoiceScore:
    """Both sides in the `extract --format json` shape; `actual` None means the extraction failed."""
    if isinstance(expected, dict):
        expected = ExpectedInvoice.model_validate(expected)
    actual_items = list((actual or {}).get("line_items") or [])
    score = InvoiceScore(
        name=name,
        vendor=expected.vendor,
        items_expected=len(expected.line_items),
        items_extracted=len(actual_items),
    )
    pairs = _pair_items(expected.line_items, actual_items)
    for exp, act in pairs:
        _score_item(score, exp, act)
    score.items_matched = sum(act is not None for _, act in pairs)
    spurious = score.items_extracted - score.items_matched
    score.spurious_fields = spurious * len(ITEM_FIELDS)
    if spurious:
        matched_ids = {id(act) for _, act in pairs if act is not None}
        extra = [str(i.get("product_code")) for i in actual_items if id(i) not in matched_ids]
        score.problems.append(
            Mismatch(score.name, "line_item", "absent", f"{spurious} spurious: {', '.join(extra[:5])}")
        )
    _score_whole(score, stated(expected, INVOICE_FIELDS), expected, actual or {}, score.invoice_fields)
    if expected.totals is not None:
        _score_whole(
            score,
            stated(expected.totals, TOTAL_FIELDS),
            expected.totals,
            (actual or {}).get("totals") or {},
            score.total_fields,
            "totals.",
        )
    elif "totals" in expected.model_fields_set:  # explicitly null: the document prints no totals
        printed = [v for v in ((actual or {}).get("totals") or {}).values() if v is not None]
        score.total_fields["totals"] = not printed
        if printed:
            score.problems.append(Mismatch(score.name, "totals", "None", str(printed)))
    return score
