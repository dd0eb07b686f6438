"""Rows kept in a local SQLite file: the sink when no Google Sheet is configured.

Rows and the ledger entry are written in one transaction, taken with BEGIN IMMEDIATE so two
concurrent deliveries of one invoice cannot both pass the ledger check.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from .errors import UpstreamUnavailable
from .ledger import LedgerKey, Row, WriteResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS sheet_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_date TEXT, vendor TEXT, inv TEXT, item TEXT, wholesale TEXT, qty INTEGER,
    rows_sha256 TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invoice_ledger (
    invoice_number TEXT NOT NULL,
    rows_sha256 TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    revision TEXT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (invoice_number, rows_sha256)
);
"""


class SqliteSink:
    name = "sqlite"

    def __init__(self, path: Path, revision: str = "") -> None:
        self.path = Path(path)
        self.revision = revision
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        if not self._ready:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            self._ready = True
        return connection

    def write(self, key: LedgerKey, rows: list[Row]) -> WriteResult:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            connection = self._connect()
        except sqlite3.Error:
            raise UpstreamUnavailable(
                "the local row store cannot be opened: check INVOICE_SQLITE_PATH is writable"
            ) from None
        try:
            connection.execute("BEGIN IMMEDIATE")
            seen = connection.execute(
                "SELECT row_count FROM invoice_ledger WHERE invoice_number = ? AND rows_sha256 = ?",
                (key.invoice_number, key.rows_sha256),
            ).fetchone()
            if seen:
                connection.execute("COMMIT")
                return WriteResult(rows_added=0, rows_already_present=len(rows))
            connection.executemany(
                "INSERT INTO sheet_rows (order_date, vendor, inv, item, wholesale, qty, rows_sha256, written_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row, key.rows_sha256, now) for row in rows],
            )
            connection.execute(
                "INSERT INTO invoice_ledger VALUES (?, ?, ?, ?, ?)",
                (key.invoice_number, key.rows_sha256, len(rows), self.revision, now),
            )
            connection.execute("COMMIT")
            return WriteResult(rows_added=len(rows), rows_already_present=0)
        except sqlite3.Error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise UpstreamUnavailable(
                "the local row store is busy or failing: retry; nothing was written"
            ) from None
        finally:
            connection.close()


def read_rows(path: Path) -> list[list[str | int]]:
    """Every stored row in order (columns B:G), for tests, benchmarks and people checking by hand."""
    connection = sqlite3.connect(path)
    try:
        return [
            list(r)
            for r in connection.execute(
                "SELECT order_date, vendor, inv, item, wholesale, qty FROM sheet_rows ORDER BY id"
            )
        ]
    finally:
        connection.close()
