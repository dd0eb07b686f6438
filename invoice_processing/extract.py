"""The extractor's one entry point: source -> Document -> vendor parser -> Invoice with quality."""

from __future__ import annotations

from pathlib import Path

from .document import Document, load_document
from .errors import NoLineItems
from .models import Invoice
from .quality import run_quality_checks
from .vendors import detect_vendor


def extract_from_document(document: Document) -> Invoice:
    parser = detect_vendor(document)
    parsed = parser.parse(document)
    if not parsed.line_items:
        raise NoLineItems(f"no line items found in this {parser.name} document")
    # the parser's validated fields as they are (a dump would copy and validate every item again)
    return Invoice(**dict(parsed), origin=document.origin, quality=run_quality_checks(parsed))


def extract_invoice(source: str | Path | bytes) -> Invoice:
    """Extract an invoice from a path or bytes holding a PDF or a Document AI JSON document."""
    return extract_from_document(load_document(source))
