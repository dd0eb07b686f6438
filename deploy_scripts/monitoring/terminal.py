"""The terminal view: current figures, per-revision figures, alerts, and alert transitions."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .figures import WindowFigures
from .monitor import Snapshot
from .rules import describe_threshold, format_value
from .store import Transition
from .webhook import slack_payload

STATE_STYLE = {"firing": "bold red", "ok": "green", "no_data": "dim"}


def _pct(value: float | None) -> str:
    return format_value(value, "percent")


def _sec(value: float | None) -> str:
    return format_value(value, "seconds")


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def _synthetic(w: WindowFigures) -> str:
    s = w.synthetic
    return f"{s.events} ({s.failed} failed, {w.dry_runs} dry-run)" if s.events else "0"


def figure_rows(w: WindowFigures) -> list[tuple[str, str]]:
    f = w.figures
    return [
        ("invoices (real)", f"{f.events} ({f.processed} processed, {f.failed} failed)"),
        ("synthetic (not counted)", _synthetic(w)),
        ("error rate", _pct(f.error_rate)),
        ("processing time p50 / p95 / max", f"{_sec(f.median_seconds)} / {_sec(w.p95_seconds)} / {_sec(f.max_seconds)}"),
        ("average processing time", _sec(f.average_seconds)),
        ("peak memory", _mb(f.peak_memory_mb)),
        ("quality score (accuracy proxy)", _pct(f.accuracy_proxy)),
        ("invoice-number extraction", _pct(f.invoice_number_rate)),
        ("placeholder detections", str(f.placeholder_detections)),
        ("rows written", str(w.rows_written)),
    ]  # fmt: skip


def current_table(snapshot: Snapshot) -> Table:
    table = Table(
        title=f"{snapshot.function} ({snapshot.env}): {snapshot.current.label}", title_justify="left"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figure_rows(snapshot.current):
        table.add_row(name, value)
    return table


def revision_cells(w: WindowFigures) -> list[str]:
    """One revision's row: label, real invoices, synthetic ones, error rate, p50, p95, max, memory,
    quality, inv. no., placeholders, rows (every figure after `synthetic` over real invoices only)."""
    f = w.figures
    return [w.label, str(f.events), _synthetic(w), _pct(f.error_rate), _sec(f.median_seconds), _sec(w.p95_seconds),
            _sec(f.max_seconds), _mb(f.peak_memory_mb), _pct(f.accuracy_proxy), _pct(f.invoice_number_rate),
            str(f.placeholder_detections), str(w.rows_written)]  # fmt: skip


def revisions_table(snapshot: Snapshot) -> Table:
    table = Table(title=f"per revision (last {snapshot.history_hours:g} h)", title_justify="left")
    for column in ("revision", "real", "synthetic", "errors", "p50", "p95", "max", "memory", "quality", "inv. no.", "placeholders", "rows"):  # fmt: skip
        table.add_column(column, justify="left" if column == "revision" else "right")
    for w in snapshot.revisions:
        table.add_row(*revision_cells(w))
    return table


def alerts_table(snapshot: Snapshot) -> Table:
    table = Table(title="alerts", title_justify="left")
    for column in ("alert", "state", "value", "threshold"):
        table.add_column(column)
    for result in snapshot.alerts:
        limit = describe_threshold(result.breaches_when, result.threshold, result.unit)
        table.add_row(result.rule, f"[{STATE_STYLE[result.state]}]{result.state}[/]",
                      format_value(result.value, result.unit), f"fires when {limit}")  # fmt: skip
    return table


def print_snapshot(console: Console, snapshot: Snapshot) -> None:
    console.print(f"source: {snapshot.source}; at {snapshot.generated_at.isoformat(timespec='seconds')}")
    console.print(current_table(snapshot))
    if snapshot.revisions:
        console.print(revisions_table(snapshot))
    console.print(alerts_table(snapshot))
    if not snapshot.current.figures.has_traffic:
        console.print(
            f"No invoice events in the last {snapshot.window_minutes:g} minutes: alerts have no data."
        )


def print_transitions(console: Console, transitions: list[Transition], problems: list[str]) -> None:
    for transition in transitions:
        style = "bold red" if transition.kind == "fired" else "bold green"
        console.print(f"[{style}]{slack_payload(transition)['text']}[/]")
    for problem in problems:
        console.print(f"[yellow]warning: {problem}[/]")
