"""Vendor invoices (PDF or Document AI JSON) -> line items for the receiving sheet."""

from .errors import InvoiceError, NoLineItems, UnreadableDocument, UnsupportedFormat
from .extract import extract_from_document, extract_invoice
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
