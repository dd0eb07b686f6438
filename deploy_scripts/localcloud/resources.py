"""SQLite documents for the operations APIs localcloud stands in for: log-based metrics, alert
policies, notification channels, dashboards and scheduler jobs (`<state-dir>/operations.sqlite3`).

One table: (collection, resource name) -> the resource's JSON as the API answers it. Each request
opens its own connection; writes are single statements, so concurrent requests cannot interleave.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    collection TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (collection, name));
"""


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_id() -> str:
    """A numeric id such as Cloud Monitoring assigns to policies and channels."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)


class Resources:
    def __init__(self, root: Path):
        self.path = Path(root) / "operations.sqlite3"
        with self._connect() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, collection: str, name: str) -> dict | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT doc FROM resources WHERE collection = ? AND name = ?", (collection, name)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, collection: str, prefix: str) -> list[dict]:
        """Resources of `collection` whose name starts with `prefix` (a parent), by name."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT doc FROM resources WHERE collection = ? AND substr(name, 1, ?) = ? ORDER BY name",
                (collection, len(prefix), prefix),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def insert(self, collection: str, name: str, doc: dict) -> bool:
        """False when the name is taken (the caller answers 409)."""
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT INTO resources (collection, name, doc) VALUES (?, ?, ?)",
                    (collection, name, json.dumps(doc)),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def put(self, collection: str, name: str, doc: dict) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO resources (collection, name, doc) VALUES (?, ?, ?)",
                (collection, name, json.dumps(doc)),
            )

    def delete(self, collection: str, name: str) -> bool:
        with self._connect() as db:
            cursor = db.execute("DELETE FROM resources WHERE collection = ? AND name = ?", (collection, name))
        return cursor.rowcount > 0
