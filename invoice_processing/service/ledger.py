"""The idempotency key shared by every sink: the invoice number plus a hash of its rows.

Zapier retries and people re-send PDFs: the same invoice with the same rows must add nothing the
second time. A corrected re-issue of an invoice (different rows) is a different key and is written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

Row = list[str | int]


@dataclass(frozen=True)
class LedgerKey:
    invoice_number: str
    rows_sha256: str


def ledger_key(invoice_number: str | None, rows: list[Row]) -> LedgerKey:
    canonical = json.dumps(rows, ensure_ascii=False, separators=(",", ":"), default=str)
    return LedgerKey(invoice_number or "", hashlib.sha256(canonical.encode("utf-8")).hexdigest())


@dataclass(frozen=True)
class WriteResult:
    rows_added: int
    rows_already_present: int
