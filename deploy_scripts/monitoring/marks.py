"""Deployments and rollbacks for the timeline, from the orchestrator's run records."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from ..pipeline.records import RecordStore
from .observed import parse_time

#: `watch` runs are left out: a watch that trips starts a rollback run of its own, marked already.
MARKED_KINDS = {"deploy": "deploy", "rollback": "rollback", "emergency": "rollback"}


class Mark(BaseModel):
    at: datetime
    kind: str  # deploy | rollback
    status: str
    revision: str | None = None
    run_id: str
    label: str


def run_marks(state_dir: Path, function: str, env: str, since: datetime | None = None) -> list[Mark]:
    marks = []
    for record in RecordStore(state_dir).all(function=function, env=env):
        kind = MARKED_KINDS.get(record.kind)
        at = parse_time(record.finished_at or record.started_at)
        if kind is None or at is None or (since is not None and at < since):
            continue
        revision = record.revision_after or record.revision_before
        label = f"{record.kind} {record.status}" + (f" -> {revision}" if revision else "")
        marks.append(
            Mark(at=at, kind=kind, status=record.status, revision=revision, run_id=record.id, label=label)
        )
    return sorted(marks, key=lambda m: m.at)
