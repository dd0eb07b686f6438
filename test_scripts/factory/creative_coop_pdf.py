"""Creative Co-op invoice -> PDF bytes (reportlab), laid out in the document's fixed columns.

Letter portrait. Every page repeats the header block (vendor, title, labelled fields, `Page N of
M`, two-line column headings); the table continues on the next page where the source data's page
breaks say, so a wrapped description can start at the bottom of one page and end under the next
page's header. Numbers are right-aligned in their columns; totals close the last page. Footers,
`Continued` marks, stamps and notes are drawn where `creative_coop_layout` puts them. The text is
real PDF text, so a reader gets every word with its position.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from .creative_coop_layout import LEFT, PAGE_HEIGHT, PITCH, RIGHT, Cell, page_cells
from .creative_coop_model import Invoice


def _draw(canvas: Canvas, text: Cell) -> None:
    canvas.setFont(text.font, text.size)
    draw = {"right": canvas.drawRightString, "center": canvas.drawCentredString}.get(
        text.align, canvas.drawString
    )
    draw(text.x, PAGE_HEIGHT - text.y, text.text)


def _rule(canvas: Canvas, y: float) -> None:
    canvas.setLineWidth(0.5)
    canvas.line(LEFT, PAGE_HEIGHT - y, RIGHT, PAGE_HEIGHT - y)


def render_pdf(invoice: Invoice, *, compress: bool = True) -> bytes:
    """The invoice as a PDF; byte-identical for the same invoice (reportlab `invariant=1`).
    `compress=False` writes plain page streams: larger, newline-heavy files, as some systems send."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=1, pageCompression=1 if compress else 0)
    canvas.setTitle(f"{invoice.header.title.title()} {invoice.header.number}")
    canvas.setAuthor(invoice.header.vendor_name)
    for page in page_cells(invoice):
        _rule(canvas, 166)
        _rule(canvas, 189)
        if page.totals:
            _rule(canvas, page.totals[0][0].y - 1.5 * PITCH)
        for text in page.cells():
            _draw(canvas, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
