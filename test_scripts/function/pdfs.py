"""Small PDFs that are wrong in one specific way (reportlab)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas


def text_pdf(lines: list[str], encrypt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, encrypt=encrypt)
    y = 720
    for line in lines:
        canvas.drawString(72, y, line)
        y -= 14
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def image_only_pdf() -> bytes:
    """A page with a drawing and no text layer: what a scan looks like to a text parser."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    canvas.rect(72, 72, 300, 300, fill=1)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
