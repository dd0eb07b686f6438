"""PDF helpers for the function: page counts and splitting for Document AI's page limit.

pdfium is not thread-safe; every call holds `invoice_processing.document.pdf.PDFIUM_LOCK`."""

from __future__ import annotations

import io

import pypdfium2 as pdfium

from ..document.pdf import PDFIUM_LOCK, open_pdf


def page_count(data: bytes) -> int:
    with PDFIUM_LOCK:
        pdf = open_pdf(data)
        try:
            return len(pdf)
        finally:
            pdf.close()


def split_pdf(data: bytes, pages_per_chunk: int) -> list[bytes]:
    """The PDF as consecutive chunks of at most `pages_per_chunk` pages, in order."""
    with PDFIUM_LOCK:
        source = open_pdf(data)
        try:
            total = len(source)
            if total <= pages_per_chunk:
                return [data]
            chunks = []
            for start in range(0, total, pages_per_chunk):
                part = pdfium.PdfDocument.new()
                try:
                    part.import_pages(source, list(range(start, min(start + pages_per_chunk, total))))
                    buffer = io.BytesIO()
                    part.save(buffer)
                    chunks.append(buffer.getvalue())
                finally:
                    part.close()
            return chunks
        finally:
            source.close()
