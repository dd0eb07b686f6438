"""Render a GateReport: a rich table for people, JSON and JUnit XML for machines."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .readiness import Check, GateReport
from .scoring import ITEM_FIELDS

MAX_FAILURES_SHOWN = 10


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _figure(check: Check, value: float | None) -> str:
    if value is None:
        return "-"
    if check.name.endswith(("accuracy", "completeness", "_row", "yield_items")):
        return _pct(value)
    return f"{value:g}" if isinstance(value, int) or float(value).is_integer() else f"{value:.3f}"


def _invoice_table(report: GateReport) -> Table:
    table = Table(title=f"Golden invoices ({report.invoices_dir})")
    table.add_column("invoice", no_wrap=True)
    table.add_column("vendor", no_wrap=True)
    for column in ("items exp/got/matched", "precision", "recall", "accuracy", *ITEM_FIELDS[1:], "seconds"):
        table.add_column(column.replace("_", " "), justify="right")
    for r in report.results:
        s = r.score
        fields = [_pct(s.fields[f].accuracy) if f in s.fields else "-" for f in ITEM_FIELDS[1:]]
        accuracy = f"[red]{_pct(s.accuracy)}[/red]" if s.error else _pct(s.accuracy)
        table.add_row(
            r.case.name,
            s.vendor,
            f"{s.items_expected}/{s.items_extracted}/{s.items_matched}",
            _pct(s.precision),
            _pct(s.recall),
            accuracy,
            *fields,
            f"{r.seconds:.3f}",
        )
    return table


def _check_table(report: GateReport) -> Table:
    table = Table(title="Readiness checks")
    for column in ("check", "result", "value", "threshold", "critical", "detail"):
        table.add_column(column)
    for c in report.checks:
        result = (
            "[red]NO DATA[/red]" if c.skipped else ("[green]pass[/green]" if c.passed else "[red]FAIL[/red]")
        )
        threshold = f"{c.comparison} {_figure(c, c.threshold)}" if c.threshold is not None else "-"
        table.add_row(c.name, result, _figure(c, c.value), threshold, "yes" if c.critical else "", c.detail)
    return table


def render_report(report: GateReport, console: Console) -> None:
    console.print(_invoice_table(report))
    console.print(_check_table(report))
    for directory in report.added_from:
        console.print(
            f"added to the orchestrator's golden invoices: {directory}", markup=False, highlight=False
        )
    for ignored in report.ignored:
        console.print(f"ignored {ignored}", markup=False, highlight=False)
    for check in report.checks:
        if check.skipped:
            console.print(f"NO DATA {check.name}: {check.detail}", markup=False, highlight=False)
            continue
        if check.passed:
            continue
        console.print(
            f"[red]FAILED {check.name}[/red] ({_figure(check, check.value)} {check.comparison} "
            f"{_figure(check, check.threshold)} required)"
            + (f": {escape(check.detail)}" if check.detail else "")
        )
        for failure in check.failures[:MAX_FAILURES_SHOWN]:
            console.print(f"  {failure.describe()}", markup=False, highlight=False)
        if len(check.failures) > MAX_FAILURES_SHOWN:
            console.print(f"  ... and {len(check.failures) - MAX_FAILURES_SHOWN} more (use --format json)")
    verdict = "[green]PASSED[/green]" if report.passed else "[red]FAILED[/red]"
    critical = ", ".join(c.name for c in report.failed_critical)
    empty = ", ".join(c.name for c in report.without_data)
    console.print(
        f"Gate {verdict}: readiness {report.readiness_score:.1%} "
        f"(needs {report.min_readiness_score:.0%})"
        + (f"; critical checks failed: {critical}" if critical else "")
        + (f"; no data to judge: {empty}" if empty else "")
    )


def report_json(report: GateReport) -> str:
    return json.dumps(report.to_json(), indent=2)


def report_junit(report: GateReport) -> str:
    suite = ET.Element(
        "testsuite",
        name="validate",
        tests=str(len(report.checks) + len(report.results)),
        failures=str(
            sum(not c.passed for c in report.checks) + sum(bool(r.score.error) for r in report.results)
        ),
        skipped="0",  # a check without data is a failure here, never a skip
    )
    for c in report.checks:
        case = ET.SubElement(suite, "testcase", classname="validate.checks", name=c.name)
        if c.skipped:
            ET.SubElement(case, "failure", message=f"{c.name}: {c.detail}")
        elif not c.passed:
            failure = ET.SubElement(
                case, "failure", message=f"{c.name}: {c.value} {c.comparison} {c.threshold} required"
            )
            failure.text = "\n".join(f.describe() for f in c.failures[:50])
    for r in report.results:
        case = ET.SubElement(
            suite, "testcase", classname="validate.invoices", name=r.case.name, time=f"{r.seconds:.4f}"
        )
        if r.score.error:
            ET.SubElement(case, "failure", message=r.score.error)
        ET.SubElement(
            case, "system-out"
        ).text = (
            f"accuracy={r.score.accuracy:.4f} precision={r.score.precision:.4f} recall={r.score.recall:.4f}"
        )
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
