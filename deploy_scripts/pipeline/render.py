"""Rich views of runs, status and history for people (the --json output is the data itself)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .records import RunRecord, StageResult

_MARK = {
    "passed": "[green]ok[/]",
    "failed": "[red]FAILED[/]",
    "skipped": "[yellow]skipped[/]",
    "running": "...",
}


class RichReporter:
    """Prints each stage as it finishes, with a spinner while it runs."""

    def __init__(self, console: Console):
        self.console = console
        self._status = None

    def stage_started(self, name: str) -> None:
        self._stop()
        self._status = self.console.status(f"{name} ...")
        self._status.start()

    def stage_finished(self, stage: StageResult) -> None:
        self._stop()
        extra = f"  {escape(stage.error)}" if stage.error else ""
        self.console.print(
            f"{_MARK[stage.status]:>14} {stage.name:<10} {stage.duration_s or 0:7.2f}s{extra}",
            highlight=False,
        )

    def note(self, text: str) -> None:
        self._stop()
        self.console.print(f"[yellow]note[/] {escape(text)}", highlight=False)

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def checks_table(record: RunRecord) -> Table:
    table = Table(title="checks", show_lines=False)
    for column in ("check", "measured", "threshold", "result", "detail"):
        table.add_column(column)
    for check in record.checks:
        table.add_row(
            escape(check.name),
            escape(str(check.measured)),
            escape(str(check.threshold)),
            "[yellow]skipped[/]" if check.skipped else ("pass" if check.passed else "[red]FAIL[/]"),
            escape(check.detail[:80]),
        )
    return table


def render_record(record: RunRecord, console: Console) -> None:
    if record.checks:
        console.print(checks_table(record))
    console.print(
        f"{record.kind} {record.id}: [bold]{record.status}[/] in {record.duration_s}s; "
        f"{record.revision_before or '-'} -> {record.revision_after or '-'}"
        + (f"; backup {record.backup_id}" if record.backup_id else ""),
        highlight=False,
    )
    if record.decision.reason:
        console.print(
            f"decision: {record.decision.outcome}: {escape(record.decision.reason)}", highlight=False
        )


def render_status(data: dict[str, Any], console: Console) -> None:
    live = data["live"]
    console.print(f"[bold]{data['function']}[/] ({data['env']})", highlight=False)
    if live.get("exists") is None:
        console.print("live: unknown", highlight=False)
    elif not live["exists"]:
        console.print("live: not deployed", highlight=False)
    else:
        console.print(f"state {live['state']}  serving {live['serving']}  url {live['url']}", highlight=False)
        tags_of: dict[str, list[str]] = {}
        for tag, revision in live.get("tags", {}).items():
            tags_of.setdefault(revision, []).append(tag)
        traffic = Table(title="traffic")
        for column in ("revision", "percent", "latest", "tags"):
            traffic.add_column(column)
        for entry in live["traffic"]:
            traffic.add_row(
                str(entry["revision"]), str(entry["percent"]), str(entry["latest"]),
                ", ".join(tags_of.get(entry["revision"] or "", [])),
            )  # fmt: skip
        console.print(traffic)
    known = data.get("known_good")
    console.print(
        f"last verified: {known['revision']} ({known['verified_at']})" if known else "last verified: none",
        highlight=False,
    )
    s = data["summary"]
    console.print(
        f"deploys {s['deploys']}, success rate {_pct(s['deploy_success_rate'])}, rollback rate "
        f"{_pct(s['deploy_rollback_rate'])}, median {s['median_deploy_seconds']}s, rollbacks {s['rollbacks']}, "
        f"interrupted {s['interrupted']}",
        highlight=False,
    )
    render_history(data["recent"], console)
    for warning in data.get("warnings", []):
        console.print(
            f"[red]warning[/] {escape(warning['problem'])}; run {escape(warning['run'])}", highlight=False
        )
    if data.get("verdict") == "ok":
        console.print("[green]ok[/]: what serves is verified", highlight=False)


def render_history(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="history")
    for column in ("run", "kind", "status", "actor", "seconds", "from -> to", "reason / trigger"):
        table.add_column(column)
    for row in rows:
        trigger = ", ".join(f"{k}={v}" for k, v in row["trigger"].items())
        table.add_row(
            row["id"], row["kind"], row["status"], row["actor"], str(row["duration_s"]),
            f"{row['from'] or '-'} -> {row['to'] or '-'}", escape(row["reason"][:70] + (f" [{trigger[:60]}]" if trigger else "")),
        )  # fmt: skip
    console.print(table)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
