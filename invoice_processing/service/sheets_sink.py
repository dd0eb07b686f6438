"""Rows appended to the Google Sheet (columns B:G, USER_ENTERED) with an idempotency ledger.

The ledger is a tab (default `_invoice_ledger`) in the same spreadsheet, one row per event:
`invoice number | rows sha256 | state | row count | UTC time | attempt id`. Sheets has no
transactions, so a write goes in three appends:

1. claim: a `pending` ledger row carrying this attempt's id;
2. the invoice's rows in the data tab;
3. a `written` ledger row.

A retry that finds `written` adds nothing. One that finds only `pending` (an earlier attempt died
between 1 and 3) looks for the invoice's rows in the data tab (INV and Item columns) and adds them
only if they are absent, then records `written`. A `pending` claim younger than the lease
(180 s) without rows in the sheet is a request still working: the newcomer answers 503 (retry
later) and writes nothing. Two deliveries racing each other both append a claim; after claiming,
each re-reads the ledger and only the first new claim proceeds; the other answers "already present".

The windows that remain: (a) the loser of a race answers "already present" while the winner is
still writing; if the winner then fails, the rows land only on a retry; (b) after an instance dies
mid-write, retries within the lease get 503 until it expires; (c) rows edited or deleted by hand
between a crash and its retry are judged by the INV and Item columns only.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import uuid
from collections import Counter
from typing import Any

import httplib2
from googleapiclient.errors import HttpError

from .errors import InProgress, UpstreamFailed, UpstreamUnavailable
from .ledger import LedgerKey, Row, WriteResult
from .settings import Settings

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
HTTP_TIMEOUT_SECONDS = 30
PENDING, WRITTEN = "pending", "written"
_INV, _ITEM = 2, 3  # positions of INV and Item within B:G
#: A claim younger than this is a request still working (Zapier gives up after 160 s); an older
#: claim without rows in the sheet is an attempt that died, and a new attempt takes over.
CLAIM_LEASE_SECONDS = 180


def _age_seconds(ledger_row: list[str]) -> float:
    try:
        stamp = dt.datetime.fromisoformat(ledger_row[4])
    except (IndexError, ValueError):
        return float("inf")
    return (dt.datetime.now(dt.UTC) - stamp).total_seconds()


def a1_tab(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


_local = threading.local()


def _service(settings: Settings) -> Any:
    """One client per thread: httplib2 connections are not thread-safe and gunicorn runs threads."""
    cache = getattr(_local, "services", None)
    if cache is None:
        cache = _local.services = {}
    endpoint = settings.google_endpoint(settings.sheets_endpoint)
    if endpoint not in cache:
        cache[endpoint] = _build(endpoint)
    return cache[endpoint]


def _build(endpoint: str | None) -> Any:
    import google.auth
    from google.auth.credentials import AnonymousCredentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    if endpoint:  # localcloud's stand-in or an explicit override: no Google credentials involved
        credentials = AnonymousCredentials()
        options = {"api_endpoint": endpoint}
    else:
        credentials, _ = google.auth.default(scopes=SCOPES)
        options = None
    http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=HTTP_TIMEOUT_SECONDS))
    return build(
        "sheets", "v4", http=http, client_options=options, cache_discovery=False, static_discovery=True
    )


def _upstream(exc: Exception) -> Exception:
    if isinstance(exc, HttpError):
        status = int(getattr(exc.resp, "status", 0) or 0)
        if status == 429 or status >= 500:
            return UpstreamUnavailable("Google Sheets is unavailable right now: retry later")
        return UpstreamFailed(
            f"Google Sheets refused the request ({status}): check GOOGLE_SHEETS_SPREADSHEET_ID, "
            "GOOGLE_SHEETS_SHEET_NAME and that the sheet is shared with the function's service account"
        )
    return UpstreamUnavailable("Google Sheets could not be reached: retry later")


_TRANSPORT_ERRORS = (HttpError, httplib2.HttpLib2Error, OSError, socket.timeout)


def _as_text(cell: str | int) -> str | int:
    """USER_ENTERED turns '$1.60' into currency and '1/17/2025' into a date, as the business wants,
    but would also run a formula: text from a document never starts one."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "@"):
        return "'" + cell
    return cell


class SheetsSink:
    name = "sheets"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_range = f"{a1_tab(settings.sheet_name)}!B:G"
        self.ledger_range = f"{a1_tab(settings.ledger_sheet_name)}!A:F"

    # -- the three calls the sink makes --------------------------------------------------------
    def _values(self) -> Any:
        return _service(self.settings).spreadsheets().values()

    def _get(self, a1: str) -> list[list[str]]:
        response = self._values().get(spreadsheetId=self.settings.spreadsheet_id, range=a1).execute()
        return response.get("values", [])

    def _append(self, a1: str, rows: list[list[Any]], input_option: str = "USER_ENTERED") -> None:
        self._values().append(
            spreadsheetId=self.settings.spreadsheet_id,
            range=a1,
            valueInputOption=input_option,
            insertDataOption="INSERT_ROWS",
            body={"majorDimension": "ROWS", "values": rows},
        ).execute()

    def _create_ledger_tab(self) -> None:
        request = {"addSheet": {"properties": {"title": self.settings.ledger_sheet_name, "hidden": True}}}
        try:
            _service(self.settings).spreadsheets().batchUpdate(
                spreadsheetId=self.settings.spreadsheet_id, body={"requests": [request]}
            ).execute()
        except HttpError as exc:
            # 400 here means a concurrent request created the tab a moment ago: that is fine.
            if int(getattr(exc.resp, "status", 0) or 0) != 400:
                raise

    # -- the ledger ------------------------------------------------------------------------------
    def _ledger(self, key: LedgerKey) -> list[list[str]]:
        try:
            rows = self._get(self.ledger_range)
        except HttpError as exc:
            if int(getattr(exc.resp, "status", 0) or 0) != 400:
                raise
            self._create_ledger_tab()  # a first run on a new spreadsheet: the tab does not exist yet
            rows = []
        return [r for r in rows if len(r) >= 3 and r[0] == key.invoice_number and r[1] == key.rows_sha256]

    def _ledger_row(self, key: LedgerKey, state: str, count: int, attempt: str) -> list[str]:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return [key.invoice_number, key.rows_sha256, state, str(count), now, attempt]

    def _rows_already_in_sheet(self, rows: list[Row]) -> bool:
        present = Counter((r[_INV], r[_ITEM]) for r in self._get(self.data_range) if len(r) > _ITEM)
        wanted = Counter((str(r[_INV]), str(r[_ITEM])) for r in rows)
        return any(present[k] for k in wanted)

    # -- the write -------------------------------------------------------------------------------
    def write(self, key: LedgerKey, rows: list[Row]) -> WriteResult:
        try:
            return self._write(key, rows)
        except _TRANSPORT_ERRORS as exc:
            raise _upstream(exc) from None

    def _write(self, key: LedgerKey, rows: list[Row]) -> WriteResult:
        already = WriteResult(rows_added=0, rows_already_present=len(rows))
        attempt = uuid.uuid4().hex
        seen = self._ledger(key)
        if any(r[2] == WRITTEN for r in seen):
            return already
        if seen and self._rows_already_in_sheet(rows):
            # An earlier attempt wrote the rows and died before recording it: record it now.
            self._append(self.ledger_range, [self._ledger_row(key, WRITTEN, len(rows), attempt)], "RAW")
            return already
        if any(_age_seconds(r) < CLAIM_LEASE_SECONDS for r in seen):
            # Another delivery claimed this invoice moments ago and may still be writing.
            raise InProgress(
                "this invoice is being written by another request right now: retry in a few minutes",
                headers={"Retry-After": str(CLAIM_LEASE_SECONDS)},
            )
        self._append(self.ledger_range, [self._ledger_row(key, PENDING, len(rows), attempt)], "RAW")
        claims = self._ledger(key)[len(seen) :]
        if any(r[2] == WRITTEN for r in claims):
            return already
        first_claim = next((r for r in claims if r[2] == PENDING), None)
        if first_claim is not None and (len(first_claim) < 6 or first_claim[5] != attempt):
            return already  # a concurrent delivery of the same invoice claimed it first
        if rows:
            self._append(self.data_range, [[_as_text(cell) for cell in row] for row in rows])
        self._append(self.ledger_range, [self._ledger_row(key, WRITTEN, len(rows), attempt)], "RAW")
        return WriteResult(rows_added=len(rows), rows_already_present=0)
