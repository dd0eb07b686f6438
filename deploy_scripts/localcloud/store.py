"""SQLite state: one JSON document per function, revision, operation and upload.

Documents rather than columns because the API shapes are nested JSON; the few fields used to find
rows (function of a revision, revision number) are columns.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS functions (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revisions (
    name TEXT PRIMARY KEY, function TEXT NOT NULL, number INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS revisions_by_function ON revisions (function, number);
CREATE TABLE IF NOT EXISTS operations (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (object TEXT PRIMARY KEY, path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS policies (resource TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""


class Store:
    """Thread-safe access to the localcloud database (one connection, one lock: traffic is tiny)."""

    def __init__(self, path: Path):
        # SQLite gives the -wal and -shm files the database's mode: owner-only from the start
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        path.chmod(0o600)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock across read-modify-write sequences so two requests cannot interleave."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _one(self, sql: str, args: tuple) -> dict | None:
        with self._lock:
            row = self._conn.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def _all(self, sql: str, args: tuple = ()) -> list[dict]:
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [json.loads(row[0]) for row in rows]

    def _write(self, sql: str, args: tuple) -> None:
        with self._lock:
            self._conn.execute(sql, args)

    # functions
    def get_function(self, name: str) -> dict | None:
        return self._one("SELECT doc FROM functions WHERE name = ?", (name,))

    def list_functions(self) -> list[dict]:
        return self._all("SELECT doc FROM functions ORDER BY name")

    def put_function(self, doc: dict) -> None:
        self._write(
            "INSERT OR REPLACE INTO functions (name, doc) VALUES (?, ?)", (doc["name"], json.dumps(doc))
        )

    def delete_function(self, name: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM functions WHERE name = ?", (name,))
            self._conn.execute("DELETE FROM revisions WHERE function = ?", (name,))

    # revisions
    def get_revision(self, name: str) -> dict | None:
        return self._one("SELECT doc FROM revisions WHERE name = ?", (name,))

    def list_revisions(self, function: str) -> list[dict]:
        return self._all("SELECT doc FROM revisions WHERE function = ? ORDER BY number DESC", (function,))

    def next_revision_number(self, function: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT MAX(number) FROM revisions WHERE function = ?", (function,)
            ).fetchone()
        return (row[0] or 0) + 1

    def put_revision(self, doc: dict) -> None:
        self._write(
            "INSERT OR REPLACE INTO revisions (name, function, number, doc) VALUES (?, ?, ?, ?)",
            (doc["name"], doc["function"], doc["number"], json.dumps(doc)),
        )

    def delete_revision(self, name: str) -> None:
        self._write("DELETE FROM revisions WHERE name = ?", (name,))

    # operations
    def get_operation(self, name: str) -> dict | None:
        return self._one("SELECT doc FROM operations WHERE name = ?", (name,))

    def list_operations(self) -> list[dict]:
        return self._all("SELECT doc FROM operations ORDER BY name")

    def put_operation(self, doc: dict) -> None:
        self._write(
            "INSERT OR REPLACE INTO operations (name, doc) VALUES (?, ?)", (doc["name"], json.dumps(doc))
        )

    # uploads
    def put_upload(self, obj: str, path: Path) -> None:
        self._write("INSERT OR REPLACE INTO uploads (object, path) VALUES (?, ?)", (obj, str(path)))

    def upload_path(self, obj: str) -> Path | None:
        with self._lock:
            row = self._conn.execute("SELECT path FROM uploads WHERE object = ?", (obj,)).fetchone()
        return Path(row[0]) if row else None

    # IAM policies, keyed by resource path
    def get_policy(self, resource: str) -> dict | None:
        return self._one("SELECT doc FROM policies WHERE resource = ?", (resource,))

    def put_policy(self, resource: str, doc: dict) -> None:
        self._write(
            "INSERT OR REPLACE INTO policies (resource, doc) VALUES (?, ?)", (resource, json.dumps(doc))
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
