"""Run records (one JSON object per deploy/rollback) and the known-good pointer, in the shared state.

A record is rewritten (whole, atomically) after every stage, so a killed run leaves a record saying
`status: running` and which stage it reached; the next run, from any checkout or machine that
shares the state, marks it `interrupted`.
"""

from __future__ import annotations

import json
import secrets
import socket
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ..state import as_backend
from ..state.lock import pid_alive

RunKind = Literal["deploy", "rollback", "emergency", "watch"]
RunStatus = Literal["running", "succeeded", "failed", "rolled_back", "interrupted", "inconclusive"]


def process_alive(record: RunRecord) -> bool:
    """Whether the run's process still exists (only knowable for runs started on this host)."""
    if record.actor.rsplit("@", 1)[-1] != socket.gethostname():
        return True  # another machine's run: assume alive, its lock will tell
    return pid_alive(record.pid)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    return f"{utc_now():%Y%m%dT%H%M%SZ}_{secrets.token_hex(3)}"


class Check(BaseModel):
    """One measured value against one threshold."""

    name: str
    passed: bool
    measured: Any = None
    threshold: Any = None
    detail: str = ""
    #: nothing to judge (e.g. shadow replay with an empty archive): recorded as skipped, with the
    #: reason in `detail`; `passed` says whether the run may go on without it
    skipped: bool = False


class StageResult(BaseModel):
    name: str
    status: Literal["running", "passed", "failed", "skipped"] = "running"
    started_at: str
    duration_s: float | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class Decision(BaseModel):
    outcome: Literal["keep", "rolled_back", "rollback_failed", "aborted", "none"] = "none"
    reason: str = ""
    failed_checks: list[Check] = Field(default_factory=list)


class RunRecord(BaseModel):
    id: str
    kind: RunKind
    env: str
    function: str
    actor: str
    pid: int
    started_at: str
    finished_at: str | None = None
    duration_s: float | None = None
    status: RunStatus = "running"
    current_stage: str | None = None
    reason: str | None = None
    skip_validation: bool = False
    source_dir: str | None = None
    revision_before: str | None = None
    revision_after: str | None = None
    backup_id: str | None = None
    command: list[str] = Field(default_factory=list)
    stages: list[StageResult] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    decision: Decision = Field(default_factory=Decision)
    error: str | None = None
    recovered: list[str] = Field(default_factory=list)
    #: set on an interrupted run once a later run has checked what it left serving
    recovered_by: str | None = None


class RecordStore:
    """`records/<run id>.json` in the state (a State, a backend, or a local directory)."""

    def __init__(self, state):
        self.backend = as_backend(state)

    def key_for(self, record: RunRecord) -> str:
        return f"records/{record.id}.json"

    def save(self, record: RunRecord) -> str:
        key = self.key_for(record)
        self.backend.write(key, record.model_dump_json(indent=2).encode())
        return key

    def all(self, function: str | None = None, env: str | None = None) -> list[RunRecord]:
        """Every readable record, oldest first (ids start with a UTC timestamp)."""
        records = []
        for key in self.backend.keys("records/"):
            if not key.endswith(".json"):
                continue
            stored = self.backend.read(key)
            try:
                record = RunRecord.model_validate_json(stored.data) if stored else None
            except ValidationError:
                continue  # a foreign or half-written file is not history
            if record is None:
                continue
            if (function is None or record.function == function) and (env is None or record.env == env):
                records.append(record)
        return records

    def running(self, function: str, env: str) -> list[RunRecord]:
        return [r for r in self.all(function, env) if r.status == "running"]

    def unrecovered(self, function: str, env: str) -> list[RunRecord]:
        """Runs that died (`running`, process gone) or were interrupted (Ctrl-C), not yet checked by a later run.

        A live `running` run (a watch, which holds no lock) is left alone."""
        return [
            r
            for r in self.all(function, env)
            if (r.status == "running" and not process_alive(r))
            or (r.status == "interrupted" and r.recovered_by is None)
        ]


class KnownGood(BaseModel):
    revision: str
    backup_id: str | None = None
    verified_at: str
    run_id: str


class KnownGoodStore:
    """Per env+function, the revisions that passed verification, newest last (`known_good.json`)."""

    KEY = "known_good.json"

    def __init__(self, state):
        self.backend = as_backend(state)

    def _load(self) -> dict[str, list[dict]]:
        stored = self.backend.read(self.KEY)
        try:
            return json.loads(stored.data) if stored else {}
        except ValueError:
            return {}

    def entries(self, key: str) -> list[KnownGood]:
        return [KnownGood.model_validate(item) for item in self._load().get(key, [])]

    def latest(self, key: str, excluding: str | None = None) -> KnownGood | None:
        for entry in reversed(self.entries(key)):
            if entry.revision != excluding:
                return entry
        return None

    def add(self, key: str, entry: KnownGood) -> None:
        data = self._load()
        items = [e for e in data.get(key, []) if e["revision"] != entry.revision]
        items.append(entry.model_dump())
        data[key] = items[-50:]
        self.backend.write(self.KEY, json.dumps(data, indent=2).encode())

    def remember(self, key: str, revision: str, backup_id: str | None, run_id: str) -> None:
        """Record `revision` as verified now (by run `run_id`)."""
        self.add(
            key,
            KnownGood(
                revision=revision,
                backup_id=backup_id,
                verified_at=utc_now().isoformat(timespec="seconds"),
                run_id=run_id,
            ),
        )

    def all_backup_ids(self) -> set[str]:
        """Every backup a known-good entry names: the verified backups."""
        return {
            item["backup_id"] for items in self._load().values() for item in items if item.get("backup_id")
        }

    def forget_backups(self, deleted: set[str]) -> None:
        """Entries never point at deleted backups: their backup_id becomes None."""
        data = self._load()
        if not any(item.get("backup_id") in deleted for items in data.values() for item in items):
            return
        for items in data.values():
            for item in items:
                if item.get("backup_id") in deleted:
                    item["backup_id"] = None
        self.backend.write(self.KEY, json.dumps(data, indent=2).encode())

    def latest_backup_ids(self) -> set[str]:
        """The newest known-good entry's backup of every function: never pruned."""
        return {
            items[-1]["backup_id"] for items in self._load().values() if items and items[-1].get("backup_id")
        }
