"""Vendor invoices (PDF or Document AI JSON) -> line items for the receiving sheet."""

from typing import Any

from .errors import InvoiceError, NoLineItems, UnreadableDocument, UnsupportedFormat
from .models import Invoice, LineItem, ParsedInvoice, QualityReport, Totals

__all__ = [
    "Invoice",
    "InvoiceError",
    "LineItem",
    "NoLineItems",
    "ParsedInvoice",
    "QualityReport",
    "Totals",
    "UnreadableDocument",
    "UnsupportedFormat",
    "extract_from_document",
    "extract_invoice",
]


def __getattr__(name: str) -> Any:
    # The extractor (pdfium, every vendor parser) loads on first use, so commands that only read
    # events or models (monitor, rollback) don't pay for it at start-up.
    if name in ("extract_invoice", "extract_from_document"):
        from . import extract

        return getattr(extract, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
