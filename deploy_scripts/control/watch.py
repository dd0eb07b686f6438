"""`deploy --action status --watch`: the rollout live, like `kubectl argo rollouts get rollout --watch`.

Each frame is read afresh: the rollout's progress from the state, the weights and tags from the
service (the API). A frame is a dict (one JSON line each with --json), drawn with rich otherwise.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..config import DeployConfig
from .status import status

SETTLED = ("promoted", "aborted")


def rollout_frame(data: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """What one frame shows, from a `status()` answer: the rollout, its step and time left, the weights."""
    rollout = data.get("rollout")
    live = data["live"]
    frame: dict[str, Any] = {
        "at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "verdict": data["verdict"],
        "warnings": data["warnings"],
        "traffic": live.get("traffic", []) if live.get("exists") else [],
        "tags": live.get("tags", {}) if live.get("exists") else {},
        "rollout": None,
    }
    if rollout is None:
        return frame
    left = None
    if rollout.get("step_ends_at") and rollout["status"] == "running":
        ends = datetime.fromisoformat(rollout["step_ends_at"])
        left = max(0.0, round((ends - (now or datetime.now(UTC))).total_seconds(), 1))
    step = rollout["current_step"]
    frame["rollout"] = {
        "run_id": rollout["run_id"],
        "status": rollout["status"],
        "strategy": rollout.get("strategy"),
        "candidate": rollout.get("candidate"),
        "stable": rollout.get("stable"),
        "step": "verification" if step < 0 else f"{step + 1}/{len(rollout['steps'])}",
        "steps": rollout["steps"],
        "candidate_weight": rollout["steps"][step] if 0 <= step < len(rollout["steps"]) else 0,
        "seconds_left_in_step": left,
        "analysis": rollout.get("analysis", {}),
        "reason": rollout.get("reason"),
    }
    return frame


def render_frame(frame: dict[str, Any]) -> Group:
    parts: list[Any] = []
    rollout = frame["rollout"]
    if rollout is None:
        parts.append(Text(f"no rollout in progress ({frame['at']})"))
    else:
        left = rollout["seconds_left_in_step"]
        parts.append(
            Text.from_markup(
                f"[bold]rollout {rollout['run_id']}[/]  status [bold]{rollout['status']}[/]  "
                f"strategy {rollout['strategy']}  step {rollout['step']} (steps {rollout['steps']})  "
                f"candidate weight {rollout['candidate_weight']}%  "
                f"time left in step {'-' if left is None else f'{left:.0f}s'}  ({frame['at']})"
            )
        )
    revisions = Table(title="revisions")
    for column in ("revision", "tags", "weight %"):
        revisions.add_column(column)
    analysis = (rollout or {}).get("analysis", {})
    figures = sorted({k for values in analysis.values() if isinstance(values, dict) for k in values})
    for column in figures:
        revisions.add_column(column)
    tags_of: dict[str, list[str]] = {}
    for tag, revision in frame["tags"].items():
        tags_of.setdefault(revision, []).append(tag)
    weights = {e["revision"]: e["percent"] for e in frame["traffic"] if e["percent"]}
    per_revision = [k for k, v in analysis.items() if isinstance(v, dict)]
    shown = list(dict.fromkeys([*weights, *tags_of, *per_revision]))
    for revision in shown:
        values = analysis.get(revision, {}) if isinstance(analysis.get(revision), dict) else {}
        revisions.add_row(
            escape(str(revision)), ", ".join(tags_of.get(revision, [])), str(weights.get(revision, 0)),
            *(escape(str(values.get(k, "-"))) for k in figures),
        )  # fmt: skip
    parts.append(revisions)
    verdict = {k: v for k, v in analysis.items() if not isinstance(v, dict)}
    if verdict:
        parts.append(Text("analysis: " + ", ".join(f"{k} {v}" for k, v in verdict.items())))
    if rollout and rollout.get("reason"):
        parts.append(Text(f"reason: {rollout['reason']}"))
    for warning in frame["warnings"]:
        parts.append(
            Text.from_markup(f"[red]warning[/] {escape(warning['problem'])}; run {escape(warning['run'])}")
        )
    return Group(*parts)


def watch(
    config: DeployConfig,
    env_name: str | None,
    seconds: float | None,
    interval: float,
    console: Console,
    as_json: bool,
) -> int:
    """Frames every `interval` seconds until the rollout settles, `seconds` pass, or Ctrl-C (which the
    CLI turns into exit 130: a watch changes nothing). The exit code is the last frame's verdict."""
    deadline = None if seconds is None else time.monotonic() + seconds

    def frames():
        while True:
            frame = rollout_frame(status(config, env_name))
            yield frame
            settled = frame["rollout"] is None or frame["rollout"]["status"] in SETTLED
            if settled or (deadline is not None and time.monotonic() + interval > deadline):
                return
            time.sleep(interval)

    frame: dict[str, Any] = {}
    if as_json:
        for frame in frames():
            click.echo(json.dumps(frame, default=str))
    else:
        with Live(console=console, auto_refresh=False, transient=False) as live:
            for frame in frames():
                live.update(render_frame(frame), refresh=True)
    return 0 if frame.get("verdict") == "ok" else 1
