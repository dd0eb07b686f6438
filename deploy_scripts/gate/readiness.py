"""The readiness gate: extract every golden invoice in-process, score it, run the checks.

Each check is a measurement compared with its threshold from config (domain doc section 6).
Readiness score = checks passed / checks; the gate passes when the score reaches the configured
minimum, every check marked critical passes, and no check lacks data: a check with nothing to
judge is reported "skipped" and fails the gate (a gate must not pass on nothing).

The gate always judges with the orchestrator's own golden set (this repository's test_invoices/);
another directory (`validate --invoices`, a candidate's test_invoices/) only adds invoices to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from invoice_processing import Invoice, InvoiceError, extract_invoice
from invoice_processing.sheet_rows import sheet_rows

from ..config import DeployConfig, ReadinessThresholds
from ..errors import ConfigError
from .golden import GoldenCase, GoldenSet, golden_set
from .memory import PeakMemory, measure_peak
from .placeholder import placeholder_pattern
from .scoring import (
    INVOICE_FIELDS,
    ITEM_FIELDS,
    MONEY_FIELDS,
    TOTAL_FIELDS,
    InvoiceScore,
    Mismatch,
    score_invoice,
    stated,
)

#: None: the project's test_invoices/ (deploy_scripts/project.py, found from the working directory);
#: tests may point it elsewhere
DEFAULT_INVOICES_DIR: Path | None = None
CREATIVE_COOP = "Creative Co-op"
Extractor = Callable[[Path], Invoice]


@dataclass
class CaseResult:
    case: GoldenCase
    score: InvoiceScore
    seconds: float
    invoice: Invoice | None


@dataclass
class Check:
    name: str
    passed: bool
    value: float | None
    threshold: float | None
    comparison: str = ">="
    critical: bool = False
    #: nothing to judge: reported, never passed, and the gate fails
    skipped: bool = False
    detail: str = ""
    failures: list[Mismatch] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "value": None if self.value is None else round(self.value, 6),
            "threshold": self.threshold,
            "comparison": self.comparison,
            "critical": self.critical,
            "skipped": self.skipped,
            "detail": self.detail,
            "failures": [f.__dict__ for f in self.failures[:20]],
        }


@dataclass
class GateReport:
    invoices_dir: Path
    results: list[CaseResult]
    checks: list[Check]
    min_readiness_score: float
    added_from: list[Path] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def readiness_score(self) -> float:
        """Checks passed / checks; one without data counts as not passed."""
        return sum(c.passed for c in self.checks) / len(self.checks) if self.checks else 0.0

    @property
    def failed_critical(self) -> list[Check]:
        return [c for c in self.checks if c.critical and not c.passed]

    @property
    def without_data(self) -> list[Check]:
        return [c for c in self.checks if c.skipped]

    @property
    def passed(self) -> bool:
        return (
            bool(self.checks)
            and self.readiness_score >= self.min_readiness_score
            and not self.failed_critical
            and not self.without_data
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "readiness_score": round(self.readiness_score, 6),
            "min_readiness_score": self.min_readiness_score,
            "invoices_dir": str(self.invoices_dir),
            "added_from": [str(d) for d in self.added_from],
            "ignored": self.ignored,
            "checks": [c.to_json() for c in self.checks],
            "invoices": [r.score.to_json() | {"seconds": round(r.seconds, 4)} for r in self.results],
        }


def _measure(case: GoldenCase, extractor: Extractor) -> CaseResult:
    started = time.perf_counter()
    try:
        invoice: Invoice | None = extractor(case.source)
        actual = invoice.model_dump(mode="json")
        error = None
    except InvoiceError as exc:
        invoice, actual, error = None, None, f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    score = score_invoice(case.expected, actual, name=case.name)
    score.error = error
    return CaseResult(case, score, seconds, invoice)


# --- which check judges which field (together: every field the extraction reports) -------------


def item_group(name: str) -> str:
    """The pooled check a line-item field belongs to; a field no other check claims (product code,
    UPC, unit, one added later) belongs to code_upc_unit_accuracy, so none goes ungated."""
    if name in MONEY_FIELDS:
        return "price"
    if name.startswith("qty_"):
        return "quantity"
    if name == "description":
        return "description"
    return "item"


def _problem_group(problem: Mismatch) -> str | None:
    if problem.field.startswith("totals"):
        return "totals"
    if problem.field == "line_item":
        return None  # a missing or spurious row: counted in accuracy and recall, not per field
    return item_group(problem.field) if problem.item else "header"


CHECK_NAMES = (
    "every_field_has_truth",
    "reference_accuracy",
    "reference_item_count",
    "price_accuracy",
    "price_mismatches",
    "quantity_accuracy",
    "description_completeness",
    "code_upc_unit_accuracy",
    "header_accuracy",
    "totals_accuracy",
    "invoice_number_on_every_row",
    "pages_with_products_yield_items",
    "no_placeholder_pattern",
    "every_invoice_extracts",
    "other_vendor_accuracy",
    "seconds_per_invoice",
    "peak_memory_mb",
)


def _at_least(name: str, value: float, threshold: float, **kw: Any) -> Check:
    return Check(name, value >= threshold, value, threshold, ">=", **kw)


def _at_most(name: str, value: float, threshold: float, **kw: Any) -> Check:
    return Check(name, value <= threshold, value, threshold, "<=", **kw)


def _no_data(name: str, threshold: float, detail: str, comparison: str = ">=") -> Check:
    """Nothing to judge is not a pass: reported as skipped, and the gate fails on it."""
    return Check(name, False, None, threshold, comparison, skipped=True, detail=f"no data to judge: {detail}")


def _tally(score: InvoiceScore, group: str) -> tuple[int, int]:
    if group == "header":
        return sum(score.invoice_fields.values()), len(score.invoice_fields)
    if group == "totals":
        return sum(score.total_fields.values()), len(score.total_fields)
    tallies = [t for name, t in score.fields.items() if item_group(name) == group]
    return sum(t.correct for t in tallies), sum(t.expected for t in tallies)


def _failures(results: Iterable[CaseResult], group: str) -> list[Mismatch]:
    return [p for r in results for p in r.score.problems if _problem_group(p) == group]


def _pooled(name: str, results: list[CaseResult], group: str, threshold: float, what: str) -> Check:
    """Correct / expected over every golden invoice. The orchestrator's set and the invoices another
    directory added are pooled separately and the worse counts: adding easy invoices cannot dilute
    a failure on the orchestrator's own."""
    groups = {
        "the orchestrator's goldens": [r for r in results if not r.case.added],
        "added invoices": [r for r in results if r.case.added],
    }
    measured = []
    for label, members in groups.items():
        correct = expected = 0
        for result in members:
            c, e = _tally(result.score, group)
            correct, expected = correct + c, expected + e
        if expected:
            measured.append((correct / expected, label, correct, expected))
    if not measured:
        return _no_data(name, threshold, f"no golden invoice states {what}")
    value, label, correct, expected = min(measured)
    detail = f"{correct}/{expected} right" + (f" ({label}, the worse group)" if len(measured) > 1 else "")
    return _at_least(name, value, threshold, detail=detail, failures=_failures(results, group))


def _price_mismatches(results: list[CaseResult], t: ReadinessThresholds) -> Check:
    if not sum(_tally(r.score, "price")[1] for r in results):
        return _no_data("price_mismatches", t.max_price_mismatches, "no golden invoice states a price", "<=")
    failures = _failures(results, "price")
    return _at_most("price_mismatches", len(failures), t.max_price_mismatches, failures=failures)


def _field_coverage(results: list[CaseResult]) -> Check:
    """A field no ground truth states is not gated at all: every field the extraction reports
    must be stated by at least one golden invoice."""
    stated_fields: set[str] = set()
    for r in results:
        expected = r.case.expected
        stated_fields |= set(stated(expected, INVOICE_FIELDS))
        for item in expected.line_items:
            stated_fields |= set(stated(item, ITEM_FIELDS))
        if expected.totals is not None:
            stated_fields |= set(stated(expected.totals, TOTAL_FIELDS))
    every = (*ITEM_FIELDS, *INVOICE_FIELDS, *TOTAL_FIELDS)
    unjudged = [f for f in every if f not in stated_fields]
    return Check(
        "every_field_has_truth",
        not unjudged,
        (len(every) - len(unjudged)) / len(every),
        1.0,
        detail=f"no golden invoice states: {', '.join(unjudged)}" if unjudged else f"all {len(every)} fields",
        failures=[
            Mismatch("golden set", f, "a value or null in some expected file", "never stated")
            for f in unjudged
        ],
    )


def _reference_checks(results: list[CaseResult], t: ReadinessThresholds, base: Path) -> list[Check]:
    """Every configured reference invoice, from the orchestrator's own set, in every format it has."""
    found: dict[str, list[CaseResult]] = {}
    missing: list[Mismatch] = []
    for number in t.reference_invoices:
        truth_file = base / f"{number.lower()}.expected.json"
        cases = [r for r in results if not r.case.added and r.case.expected_path.name == truth_file.name]
        if not cases:
            missing.append(Mismatch(number, "reference golden", str(truth_file), "missing"))
            continue
        stated_number = cases[0].case.expected.invoice_number
        if stated_number != number:
            missing.append(
                Mismatch(number, "reference golden", f"invoice_number {number}", str(stated_number))
            )
            continue
        found[number] = cases
    if missing:
        detail = "; ".join(
            f"reference golden {m.expected} is missing (add it, or remove {m.invoice} from reference_invoices)"
            if m.actual == "missing"
            else f"{m.invoice}: its golden states invoice number {m.actual}"
            for m in missing
        )
        return [
            Check(
                "reference_accuracy", False, 0.0, t.min_reference_accuracy, detail=detail, failures=missing
            ),
            Check("reference_item_count", False, 0, 0, detail=detail, failures=missing),
        ]
    every = [r for cases in found.values() for r in cases]
    worst = min(every, key=lambda r: r.score.accuracy)
    shortfalls = []
    for number, cases in found.items():
        fewest = min(cases, key=lambda r: r.score.items_extracted)
        need = t.min_reference_items[number]
        shortfalls.append((fewest.score.items_extracted / need, fewest, need))
    ratio, fewest, need = min(shortfalls, key=lambda s: s[0])
    counts = ", ".join(f"{f.case.name} {f.score.items_extracted} (>= {n})" for _, f, n in shortfalls)
    return [
        _at_least(
            "reference_accuracy",
            worst.score.accuracy,
            t.min_reference_accuracy,
            detail=f"worst of {len(every)} reference cases: {worst.case.name}",
            failures=worst.score.problems,
        ),
        _at_least(
            "reference_item_count",
            fewest.score.items_extracted,
            need,
            detail=f"fewest per reference: {counts}",
        ),
    ]


def expected_sheet_rows(expected: Any) -> int:
    """Sheet rows ground truth calls for (domain doc section 4): confirmations one per item with Qty
    Ord > 0 that was not cancelled; invoices one per item with Qty Shipped > 0."""
    if getattr(expected, "document_kind", None) == "invoice":
        return sum(1 for i in expected.line_items if (i.qty_shipped or 0) > 0)

    def cancelled(i: Any) -> bool:
        nothing = (i.qty_allocated, i.qty_shipped, i.qty_backordered)
        return all(q == 0 for q in nothing) and i.extended_price is not None and i.extended_price == 0

    return sum(1 for i in expected.line_items if (i.qty_ordered or 0) > 0 and not cancelled(i))


def _invoice_number_rows(results: list[CaseResult], t: ReadinessThresholds) -> Check:
    good = total = 0
    failures = []
    for r in results:
        want = r.case.expected.invoice_number
        if want is None:
            continue
        rows = sheet_rows(r.invoice) if r.invoice else []
        ok = sum(1 for row in rows if row[2] == want)
        judged = max(len(rows), expected_sheet_rows(r.case.expected))
        total += judged
        good += ok
        if ok < judged:
            got = rows[0][2] if rows else "no rows"
            failures.append(Mismatch(r.case.name, "invoice_number", want, f"{got} ({ok}/{judged} rows)"))
    if not total:
        return _no_data(
            "invoice_number_on_every_row",
            t.min_invoice_number_rate,
            "no golden invoice calls for a sheet row",
        )
    return _at_least(
        "invoice_number_on_every_row", good / total, t.min_invoice_number_rate, failures=failures
    )


def _pages_check(results: list[CaseResult]) -> Check:
    failures, checked = [], 0
    for r in results:
        pages = {i.page for i in r.case.expected.line_items if i.page is not None}
        if not pages:
            continue
        checked += 1
        got = {i.page for i in r.invoice.line_items} if r.invoice else set()
        missing = sorted(pages - got)
        if missing:
            failures.append(
                Mismatch(
                    r.case.name, "pages_with_items", str(sorted(pages)), f"no items from pages {missing}"
                )
            )
    if not checked:
        return _no_data("pages_with_products_yield_items", 1.0, "no expected file records item pages")
    return _at_least(
        "pages_with_products_yield_items", (checked - len(failures)) / checked, 1.0, failures=failures
    )


def _placeholder_check(results: list[CaseResult]) -> Check:
    """Judged by the orchestrator from the items; the extractor's own check can only add a finding."""
    judged, failures = 0, []
    for r in results:
        if not r.invoice or not r.invoice.line_items:
            continue
        judged += 1
        own = next(
            (c for c in r.invoice.quality.checks if c.name == "no_placeholder_pattern" and not c.skipped),
            None,
        )
        found = placeholder_pattern(r.invoice.model_dump(mode="json")["line_items"])
        if found or (own is not None and not own.passed):
            failures.append(
                Mismatch(r.case.name, "line_items", "distinct prices/quantities", found or own.detail)
            )
    if not judged:
        return _no_data("no_placeholder_pattern", 0, "no invoice extracted any items", "<=")
    return _at_most(
        "no_placeholder_pattern", len(failures), 0, failures=failures, detail=f"{judged} invoices judged"
    )


def _errors_check(results: list[CaseResult]) -> Check:
    if not results:
        return _no_data("every_invoice_extracts", 0, "no golden invoices", "<=")
    failed = [r for r in results if r.score.error]
    failures = [Mismatch(r.case.name, "extraction", "an invoice", r.score.error or "") for r in failed]
    return _at_most("every_invoice_extracts", len(failed), 0, failures=failures)


def _other_vendor_check(results: list[CaseResult], t: ReadinessThresholds) -> Check:
    others = [r for r in results if r.case.expected.vendor != CREATIVE_COOP]
    if not others:
        return _no_data("other_vendor_accuracy", t.min_other_vendor_accuracy, "no other vendors in the set")
    worst = min(others, key=lambda r: r.score.accuracy)
    return _at_least(
        "other_vendor_accuracy",
        worst.score.accuracy,
        t.min_other_vendor_accuracy,
        detail=f"worst: {worst.case.name}",
        failures=worst.score.problems,
    )


def _speed_and_memory(results: list[CaseResult], t: ReadinessThresholds, memory: PeakMemory) -> list[Check]:
    if results:
        slowest = max(results, key=lambda r: r.seconds)
        speed = _at_most(
            "seconds_per_invoice",
            slowest.seconds,
            t.max_seconds_per_invoice,
            detail=f"slowest: {slowest.case.name}",
        )
    else:
        speed = _no_data("seconds_per_invoice", t.max_seconds_per_invoice, "no invoice was extracted", "<=")
    if memory.method:
        peak = _at_most(
            "peak_memory_mb",
            memory.megabytes,
            t.max_peak_memory_mb,
            detail=f"{memory.method} while extracting",
        )
    else:
        peak = _no_data("peak_memory_mb", t.max_peak_memory_mb, "memory was not measured", "<=")
    return [speed, peak]


def run_checks(
    results: list[CaseResult], t: ReadinessThresholds, base: Path, memory: PeakMemory
) -> list[Check]:
    checks = [
        _field_coverage(results),
        *_reference_checks(results, t, base),
        _pooled("price_accuracy", results, "price", t.min_price_accuracy, "a price"),
        _price_mismatches(results, t),
        _pooled("quantity_accuracy", results, "quantity", t.min_quantity_accuracy, "a quantity"),
        _pooled(
            "description_completeness",
            results,
            "description",
            t.min_description_accuracy,
            "a description",
        ),
        _pooled(
            "code_upc_unit_accuracy",
            results,
            "item",
            t.min_item_field_accuracy,
            "a code, UPC or unit",
        ),
        _pooled("header_accuracy", results, "header", t.min_header_accuracy, "a header field"),
        _pooled("totals_accuracy", results, "totals", t.min_totals_accuracy, "the totals"),
        _invoice_number_rows(results, t),
        _pages_check(results),
        _placeholder_check(results),
        _errors_check(results),
        _other_vendor_check(results, t),
        *_speed_and_memory(results, t, memory),
    ]
    for check in checks:
        check.critical = check.name in t.critical
    return checks


def _known_critical(t: ReadinessThresholds) -> None:
    unknown = [name for name in t.critical if name not in CHECK_NAMES]
    if unknown:
        raise ConfigError(
            f"thresholds.readiness.critical: unknown check(s) {', '.join(unknown)}; the checks are: "
            + ", ".join(CHECK_NAMES)
        )


def run_gate(
    config: DeployConfig,
    invoices_dir: Path | None = None,
    extractor: Extractor | None = None,
    *,
    candidate_dirs: Iterable[Path] = (),
) -> GateReport:
    """Score the orchestrator's golden invoices (this repository's test_invoices/) plus those
    `invoices_dir` and `candidate_dirs` (a candidate checkout's test_invoices/, which may be absent or
    empty) add. Neither can replace or remove one of the orchestrator's invoices."""
    thresholds = config.thresholds.readiness
    _known_critical(thresholds)
    candidate_dirs = list(candidate_dirs)
    goldens: GoldenSet = golden_set(
        DEFAULT_INVOICES_DIR or config.project.invoices_dir,
        [*([Path(invoices_dir)] if invoices_dir else []), *candidate_dirs],
        quiet_if_empty=candidate_dirs,
    )
    with measure_peak() as memory:
        results = [_measure(case, extractor or extract_invoice) for case in goldens.cases]
    checks = run_checks(results, thresholds, goldens.base, memory)
    return GateReport(
        goldens.base, results, checks, thresholds.min_readiness_score, goldens.added_from, goldens.ignored
    )
