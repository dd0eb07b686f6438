"""Sheets v4 stand-in: `values.get`, `values.append`, `batchUpdate` addSheet; rows in SQLite.

Rows are stored cell by cell with absolute column numbers, so a get of `B:G` returns exactly what
an append to `B:G` put there. One difference from real Sheets, on purpose: an append to a tab that
does not exist creates it (a fresh localcloud has no spreadsheet to set up by hand); a get of a
missing tab answers 400 as Sheets does, which is how the function learns to create its ledger tab.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from flask import Blueprint, request

from .errors import google_error

_RANGE = re.compile(r"^(?P<tab>'(?:[^']|'')+'|[^!]+?)(?:!(?P<cells>[A-Za-z0-9:]+))?$")
_CELL = re.compile(r"^(?P<col>[A-Za-z]*)(?P<row>\d*)$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tabs (spreadsheet TEXT, title TEXT, PRIMARY KEY (spreadsheet, title));
CREATE TABLE IF NOT EXISTS cells (
    spreadsheet TEXT, title TEXT, row_number INTEGER, col INTEGER, value TEXT,
    PRIMARY KEY (spreadsheet, title, row_number, col)
);
"""


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_a1(a1: str) -> tuple[str, int, int]:
    """`'Tab'!B:G` -> (tab, first column, last column); whole rows when no columns are given."""
    match = _RANGE.match(a1.strip())
    if not match:
        raise ValueError(a1)
    tab = match["tab"]
    if tab.startswith("'"):
        tab = tab[1:-1].replace("''", "'")
    first, last = 1, 18278  # A..ZZZ
    if match["cells"]:
        ends = match["cells"].split(":")
        cols = [column_number(_CELL.match(e)["col"]) if _CELL.match(e) else 0 for e in ends]
        if cols[0]:
            first = cols[0]
        last = cols[-1] or (first if len(ends) == 1 else last)
    return tab, first, last


class SheetStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        with self._connect() as connection:
            connection.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def has_tab(self, spreadsheet: str, title: str) -> bool:
        with self._connect() as c:
            return (
                c.execute(
                    "SELECT 1 FROM tabs WHERE spreadsheet=? AND title=?", (spreadsheet, title)
                ).fetchone()
                is not None
            )

    def add_tab(self, spreadsheet: str, title: str) -> bool:
        with self._lock, self._connect() as c:
            cursor = c.execute("INSERT OR IGNORE INTO tabs VALUES (?, ?)", (spreadsheet, title))
            return cursor.rowcount == 1

    def get(self, spreadsheet: str, title: str, first: int, last: int) -> list[list[str]]:
        with self._connect() as c:
            cells = c.execute(
                "SELECT row_number, col, value FROM cells WHERE spreadsheet=? AND title=? AND col BETWEEN ? AND ?"
                " ORDER BY row_number, col",
                (spreadsheet, title, first, last),
            ).fetchall()
        if not cells:
            return []
        rows: list[list[str]] = [[] for _ in range(cells[-1][0])]
        for row_number, col, value in cells:
            row = rows[row_number - 1]
            row.extend([""] * (col - first + 1 - len(row)))
            row[col - first] = value
        return rows

    def append(self, spreadsheet: str, title: str, first: int, values: list[list[Any]]) -> tuple[int, int]:
        """Rows after the tab's last used row; returns (first row written, last row written)."""
        with self._lock, self._connect() as c:
            c.execute("INSERT OR IGNORE INTO tabs VALUES (?, ?)", (spreadsheet, title))
            last_row = c.execute(
                "SELECT COALESCE(MAX(row_number), 0) FROM cells WHERE spreadsheet=? AND title=?",
                (spreadsheet, title),
            ).fetchone()[0]
            start = last_row + 1
            c.executemany(
                "INSERT INTO cells VALUES (?, ?, ?, ?, ?)",
                [
                    (spreadsheet, title, start + r, first + i, _cell_text(value))
                    for r, row in enumerate(values)
                    for i, value in enumerate(row)
                ],
            )
            return start, start + len(values) - 1

    def rows(self, spreadsheet: str, title: str, a1_columns: str = "A:ZZZ") -> list[list[str]]:
        first, last = (column_number(x) for x in a1_columns.split(":"))
        return self.get(spreadsheet, title, first, last)


def _cell_text(value: Any) -> str:
    # Values come back as strings (FORMATTED_VALUE), as Sheets answers a default values.get.
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def sheets_blueprint(store: SheetStore) -> Blueprint:
    bp = Blueprint("sheets_standin", __name__)

    def _range_or_error(a1: str):
        try:
            return parse_a1(a1), None
        except (ValueError, TypeError):
            return None, google_error(400, f"Unable to parse range: {a1}")

    @bp.get("/v4/spreadsheets/<spreadsheet>/values/<path:a1>")
    def values_get(spreadsheet: str, a1: str):
        parsed, error = _range_or_error(a1)
        if error:
            return error
        tab, first, last = parsed
        if not store.has_tab(spreadsheet, tab):
            return google_error(400, f"Unable to parse range: {a1}")
        body: dict[str, Any] = {"range": a1, "majorDimension": "ROWS"}
        values = store.get(spreadsheet, tab, first, last)
        if values:
            body["values"] = values
        return body

    @bp.post("/v4/spreadsheets/<spreadsheet>/values/<path:a1>:append")
    def values_append(spreadsheet: str, a1: str):
        parsed, error = _range_or_error(a1)
        if error:
            return error
        if request.args.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            return google_error(400, "Invalid valueInputOption: use RAW or USER_ENTERED")
        body = request.get_json(silent=True)
        values = body.get("values") if isinstance(body, dict) else None
        if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
            return google_error(400, "Invalid values: expected a list of rows")
        tab, first, _ = parsed
        start, end = store.append(spreadsheet, tab, first, values)
        width = max((len(row) for row in values), default=0)
        updated = f"'{tab}'!{column_letters(first)}{start}:{column_letters(first + max(width, 1) - 1)}{end}"
        return {
            "spreadsheetId": spreadsheet,
            "updates": {
                "spreadsheetId": spreadsheet,
                "updatedRange": updated,
                "updatedRows": len(values),
                "updatedColumns": width,
                "updatedCells": sum(len(row) for row in values),
            },
        }

    @bp.post("/v4/spreadsheets/<spreadsheet>:batchUpdate")
    def batch_update(spreadsheet: str):
        body = request.get_json(silent=True)
        requests_ = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests_, list):
            return google_error(400, "Invalid requests")
        replies = []
        for item in requests_:
            title = ((item or {}).get("addSheet") or {}).get("properties", {}).get("title")
            if not isinstance(title, str) or not title:
                return google_error(400, "only addSheet with a title is supported by the localcloud stand-in")
            if not store.add_tab(spreadsheet, title):
                return google_error(
                    400, f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists.'
                )
            replies.append({"addSheet": {"properties": {"title": title}}})
        return {"spreadsheetId": spreadsheet, "replies": replies}

    return bp
