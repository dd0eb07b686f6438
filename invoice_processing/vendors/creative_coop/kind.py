"""Which Creative Co-op document this is: an order confirmation or an invoice (domain doc 2b).

Decided by what the document prints, never by its title alone: the quantity columns first
(`Qty Ord`/`Qty Alloc` only on confirmations, `Qty Shipped` with `Qty BkOrd` alone on invoices),
then the `INVOICE NO:` label, then `TRF-CCOI` tariff rows, which only invoices have.
"""

from __future__ import annotations

from ...document import Document
from .patterns import CONFIRMATION_COLUMNS, INVOICE_COLUMNS, INVOICE_NO_LABEL
from .rows import CONFIRMATION, INVOICE

TARIFF_ROW_CODE = "TRF-"


def document_kind(document: Document) -> str:
    text = document.text
    if CONFIRMATION_COLUMNS.search(text):
        return CONFIRMATION
    if INVOICE_COLUMNS.search(text) or INVOICE_NO_LABEL.search(text):
        return INVOICE
    if any(word.startswith(TARIFF_ROW_CODE) for word in text.split()):
        return INVOICE
    return CONFIRMATION
