"""The readiness gate: extract every golden invoice in-process, score it, run the checks.

Each check is a measurement compared with its threshold from config (domain doc section 6).
Readiness score = checks passed / checks run; the gate passes when the score reaches the
configured minimum and every check marked critical passes.
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
from .golden import GoldenCase, discover_goldens
from .memory import PeakMemory, measure_peak
from .scoring import InvoiceScore, Mismatch, score_invoice

DEFAULT_INVOICES_DIR = Path(__file__).resolve().parents[2] / "test_invoices"
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

    @property
    def readiness_score(self) -> float:
        ran = [c for c in self.checks if not c.skipped]
        return sum(c.passed for c in ran) / len(ran) if ran else 0.0

    @property
    def failed_critical(self) -> list[Check]:
        return [c for c in self.checks if c.critical and not c.skipped and not c.passed]

    @property
    def passed(self) -> bool:
        return self.readiness_score >= self.min_readiness_score and not self.failed_critical

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "readiness_score": round(self.readiness_score, 6),
            "min_readiness_score": self.min_readiness_score,
            "invoices_dir": str(self.invoices_dir),
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


def _pooled(results: Iterable[CaseResult], *names: str) -> tuple[float, list[Mismatch]]:
    correct = expected = 0
    failures: list[Mismatch] = []
    for result in results:
        for name in names:
            tally = result.score.fields.get(name)
            if tally:
                correct += tally.correct
                expected += tally.expected
        failures += [p for p in result.score.problems if p.field in names]
    return (correct / expected if expected else 1.0), failures


def _at_least(name: str, value: float, threshold: float, **kw: Any) -> Check:
    return Check(name, value >= threshold, value, threshold, ">=", **kw)


def _at_most(name: str, value: float, threshold: float, **kw: Any) -> Check:
    return Check(name, value <= threshold, value, threshold, "<=", **kw)


def _skipped(name: str, threshold: float, detail: str) -> Check:
    return Check(name, True, None, threshold, skipped=True, detail=detail)


def _reference_checks(
    refs: list[CaseResult], t: ReadinessThresholds, required: bool, where: Path
) -> list[Check]:
    if not refs:
        detail = f"{t.reference_invoice} not found among the golden invoices in {where}"
        if required:
            missing = [Mismatch(t.reference_invoice, "invoice", "present", "missing")]
            return [
                Check(
                    "reference_accuracy",
                    False,
                    0.0,
                    t.min_reference_accuracy,
                    detail=detail,
                    failures=missing,
                ),
                Check(
                    "reference_item_count", False, 0, t.min_reference_items, detail=detail, failures=missing
                ),
            ]
        return [
            _skipped("reference_accuracy", t.min_reference_accuracy, detail),
            _skipped("reference_item_count", t.min_reference_items, detail),
        ]
    worst = min(refs, key=lambda r: r.score.accuracy)
    fewest = min(refs, key=lambda r: r.score.items_extracted)
    return [
        _at_least(
            "reference_accuracy",
            worst.score.accuracy,
            t.min_reference_accuracy,
            detail=f"worst of {len(refs)} formats: {worst.case.name}",
            failures=worst.score.problems,
        ),
        _at_least(
            "reference_item_count",
            fewest.score.items_extracted,
            t.min_reference_items,
            detail=f"fewest items: {fewest.case.name}",
        ),
    ]


def _invoice_number_rows(results: list[CaseResult], t: ReadinessThresholds) -> Check:
    good = total = 0
    failures = []
    for r in results:
        want = r.case.expected.invoice_number
        if want is None:
            continue
        expected_rows = sum(1 for i in r.case.expected.line_items if (i.qty_ordered or 0) > 0)
        rows = sheet_rows(r.invoice) if r.invoice else []
        ok = sum(1 for row in rows if row[2] == want)
        total += max(len(rows), expected_rows)
        good += ok
        if ok < max(len(rows), expected_rows):
            got = rows[0][2] if rows else "no rows"
            failures.append(
                Mismatch(
                    r.case.name, "invoice_number", want, f"{got} ({ok}/{max(len(rows), expected_rows)} rows)"
                )
            )
    return _at_least(
        "invoice_number_on_every_row",
        good / total if total else 1.0,
        t.min_invoice_number_rate,
        failures=failures,
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
        return _skipped("pages_with_products_yield_items", 1.0, "no expected file records item pages")
    return _at_least(
        "pages_with_products_yield_items", (checked - len(failures)) / checked, 1.0, failures=failures
    )


def _placeholder_check(results: list[CaseResult]) -> Check:
    flagged = [
        r
        for r in results
        if r.invoice and not r.invoice.quality.by_name().get("no_placeholder_pattern", True)
    ]
    failures = [
        Mismatch(
            r.case.name,
            "line_items",
            "distinct prices/quantities",
            next(c.detail for c in r.invoice.quality.checks if c.name == "no_placeholder_pattern"),
        )
        for r in flagged
    ]
    return _at_most("no_placeholder_pattern", len(flagged), 0, failures=failures)


def _errors_check(results: list[CaseResult]) -> Check:
    failed = [r for r in results if r.score.error]
    failures = [Mismatch(r.case.name, "extraction", "an invoice", r.score.error or "") for r in failed]
    return _at_most("every_invoice_extracts", len(failed), 0, failures=failures)


def _other_vendor_check(results: list[CaseResult], t: ReadinessThresholds) -> Check:
    others = [r for r in results if r.case.expected.vendor != CREATIVE_COOP]
    if not others:
        return _skipped("other_vendor_accuracy", t.min_other_vendor_accuracy, "no other vendors in the set")
    worst = min(others, key=lambda r: r.score.accuracy)
    return _at_least(
        "other_vendor_accuracy",
        worst.score.accuracy,
        t.min_other_vendor_accuracy,
        detail=f"worst: {worst.case.name}",
        failures=worst.score.problems,
    )


def run_checks(
    results: list[CaseResult],
    t: ReadinessThresholds,
    reference_required: bool,
    where: Path,
    memory: PeakMemory,
) -> list[Check]:
    refs = [r for r in results if r.case.expected.invoice_number == t.reference_invoice]
    price, price_failures = _pooled(results, "unit_price", "extended_price")
    qty, qty_failures = _pooled(results, "qty_ordered")
    desc, desc_failures = _pooled(results, "description")
    slowest = max(results, key=lambda r: r.seconds)
    checks = [
        *_reference_checks(refs, t, reference_required, where),
        _at_least("price_accuracy", price, t.min_price_accuracy, failures=price_failures),
        _at_most("price_mismatches", len(price_failures), t.max_price_mismatches, failures=price_failures),
        _at_least("quantity_accuracy", qty, t.min_quantity_accuracy, failures=qty_failures),
        _at_least("description_completeness", desc, t.min_description_accuracy, failures=desc_failures),
        _invoice_number_rows(results, t),
        _pages_check(results),
        _placeholder_check(results),
        _errors_check(results),
        _other_vendor_check(results, t),
        _at_most(
            "seconds_per_invoice",
            slowest.seconds,
            t.max_seconds_per_invoice,
            detail=f"slowest: {slowest.case.name}",
        ),
        _at_most(
            "peak_memory_mb",
            memory.megabytes,
            t.max_peak_memory_mb,
            detail=f"{memory.method} while extracting",
        ),
    ]
    for check in checks:
        check.critical = check.name in t.critical
    return checks


def run_gate(
    config: DeployConfig,
    invoices_dir: Path | None = None,
    extractor: Extractor | None = None,
) -> GateReport:
    """Score every golden invoice in `invoices_dir` (default: the repo's test_invoices/).

    The reference invoice must be present in the default set; in a user's own directory its
    checks are skipped when it is absent."""
    thresholds = config.thresholds.readiness
    directory = Path(invoices_dir) if invoices_dir else DEFAULT_INVOICES_DIR
    cases = discover_goldens(directory)
    with measure_peak() as memory:
        results = [_measure(case, extractor or extract_invoice) for case in cases]
    checks = run_checks(
        results, thresholds, reference_required=invoices_dir is None, where=directory, memory=memory
    )
    return GateReport(directory, results, checks, thresholds.min_readiness_score)
