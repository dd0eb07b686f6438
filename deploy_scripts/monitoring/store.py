"""Alert incidents in SQLite (`<state_dir>/monitor.sqlite3`): one open incident per scope and rule.

"Fires once per incident" must hold across runs and across two monitors running at once, so the
open/close decision is taken inside one `BEGIN IMMEDIATE` transaction per evaluation, and a partial
unique index forbids a second open incident for the same rule. Webhook notifications are queued in
the same database and marked delivered only when the receiver accepted them, so a webhook that is
down gets the message on a later run instead of losing it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from .rules import RuleResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    rule TEXT NOT NULL,
    title TEXT NOT NULL,
    unit TEXT NOT NULL,
    breaches_when TEXT NOT NULL,
    threshold REAL NOT NULL,
    fired_at TEXT NOT NULL,
    fired_value REAL,
    resolved_at TEXT,
    resolved_value REAL,
    revisions TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_incident ON incidents(scope, rule) WHERE resolved_at IS NULL;
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    delivered_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"""

#: A notification that failed this many times is given up (it stays in the table, undelivered).
MAX_ATTEMPTS = 20


class Incident(BaseModel):
    id: int
    scope: str
    rule: str
    title: str
    unit: str
    breaches_when: str
    threshold: float
    fired_at: datetime
    fired_value: float | None
    resolved_at: datetime | None = None
    resolved_value: float | None = None
    revisions: str = ""

    @property
    def open(self) -> bool:
        return self.resolved_at is None


class Transition(BaseModel):
    kind: Literal["fired", "resolved"]
    incident: Incident


class Pending(BaseModel):
    id: int
    payload: dict


class AlertStore:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> AlertStore:
        return cls(state_dir / "monitor.sqlite3")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # serialises concurrent monitors: one decides, the next sees it
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def apply(
        self,
        scope: str,
        results: list[RuleResult],
        now: datetime,
        revisions: list[str],
        channels: list[str] = (),
    ) -> list[Transition]:
        """Open an incident for each newly firing rule, close each open one that is now ok."""
        transitions: list[Transition] = []
        with self._transaction() as db:
            for result in results:
                row = db.execute(
                    "SELECT * FROM incidents WHERE scope = ? AND rule = ? AND resolved_at IS NULL",
                    (scope, result.rule),
                ).fetchone()
                if result.state == "firing" and row is None:
                    cursor = db.execute(
                        "INSERT INTO incidents (scope, rule, title, unit, breaches_when, threshold, fired_at,"
                        " fired_value, revisions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (scope, result.rule, result.title, result.unit, result.breaches_when, result.threshold,
                         now.isoformat(), result.value, ",".join(revisions)),
                    )  # fmt: skip
                    transitions.append(Transition(kind="fired", incident=self._get(db, cursor.lastrowid)))
                elif result.state == "ok" and row is not None:
                    db.execute(
                        "UPDATE incidents SET resolved_at = ?, resolved_value = ? WHERE id = ?",
                        (now.isoformat(), result.value, row["id"]),
                    )
                    transitions.append(Transition(kind="resolved", incident=self._get(db, row["id"])))
            for transition in transitions:
                for channel in channels:
                    self._queue(db, transition, channel, now)
        return transitions

    @staticmethod
    def _get(db: sqlite3.Connection, incident_id: int | None) -> Incident:
        row = db.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return Incident.model_validate(dict(row))

    @staticmethod
    def _queue(db: sqlite3.Connection, transition: Transition, channel: str, now: datetime) -> None:
        db.execute(
            "INSERT INTO notifications (incident_id, kind, channel, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            (transition.incident.id, transition.kind, channel, transition.model_dump_json(), now.isoformat()),
        )

    def open_incidents(self, scope: str) -> list[Incident]:
        return self._incidents("WHERE scope = ? AND resolved_at IS NULL ORDER BY id", (scope,))

    def recent_incidents(self, scope: str, limit: int = 20) -> list[Incident]:
        return self._incidents("WHERE scope = ? ORDER BY id DESC LIMIT ?", (scope, limit))

    def _incidents(self, where: str, params: tuple) -> list[Incident]:
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM incidents {where}", params).fetchall()
        return [Incident.model_validate(dict(row)) for row in rows]

    def pending(self, channel: str) -> list[Pending]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, payload FROM notifications"
                " WHERE channel = ? AND delivered_at IS NULL AND attempts < ? ORDER BY id",
                (channel, MAX_ATTEMPTS),
            ).fetchall()
        return [Pending(id=r["id"], payload=json.loads(r["payload"])) for r in rows]

    def mark(self, notification_id: int, now: datetime, error: str | None) -> None:
        with self._connect() as db:
            if error is None:
                db.execute(
                    "UPDATE notifications SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                    (now.isoformat(), notification_id),
                )
            else:
                db.execute(
                    "UPDATE notifications SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                    (error, notification_id),
                )
