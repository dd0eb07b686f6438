"""Document AI `:process` stand-in: a PDF in, a REST `Document` (camelCase JSON) out."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, request

from invoice_processing.document import Document, is_pdf, parse_pdf
from invoice_processing.errors import InvoiceError
from invoice_processing.service.pdf_tools import page_count

from .errors import google_error

#: Document AI's synchronous limit (non-imageless mode).
SYNC_PAGE_LIMIT = 15


def _anchor(start: int, end: int) -> dict[str, Any]:
    return {"textAnchor": {"textSegments": [{"startIndex": str(start), "endIndex": str(end)}]}}


def document_json(document: Document) -> dict[str, Any]:
    """The Document as Document AI's REST API shapes it: one text, pages and lines pointing into it."""
    text, pages = "", []
    for page in document.pages:
        page_start, lines = len(text), []
        for line in page.lines:
            start = len(text)
            text += line + "\n"
            lines.append({"layout": _anchor(start, len(text))})
        pages.append(
            {
                "pageNumber": page.number,
                "dimension": {"width": page.width, "height": page.height, "unit": "points"},
                "layout": _anchor(page_start, len(text)),
                "lines": lines,
            }
        )
    return {"mimeType": "application/pdf", "text": text, "pages": pages}


def _raw_pdf(body: dict[str, Any]) -> bytes | None:
    raw = body.get("rawDocument") or body.get("raw_document") or {}
    content = raw.get("content") if isinstance(raw, dict) else None
    if not isinstance(content, str):
        return None
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return None


def documentai_blueprint() -> Blueprint:
    bp = Blueprint("documentai_standin", __name__)

    @bp.post("/v1/projects/<project>/locations/<location>/processors/<processor>:process")
    def process(project: str, location: str, processor: str):
        body = request.get_json(silent=True)
        data = _raw_pdf(body) if isinstance(body, dict) else None
        if data is None:
            return google_error(400, "Request must contain rawDocument.content (base64)")
        if not is_pdf(data):
            return google_error(400, "Unsupported input file format.")
        try:
            pages = page_count(data)
            if pages > SYNC_PAGE_LIMIT:
                return google_error(
                    400,
                    f"Document pages in non-imageless mode exceed the limit: {SYNC_PAGE_LIMIT} got {pages}.",
                )
            document = parse_pdf(data)
        except InvoiceError:
            return google_error(400, "Unable to process the document: it could not be read.")
        return {"document": document_json(document)}

    return bp
