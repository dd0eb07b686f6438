"""Creative Co-op invoice -> PDF bytes (reportlab), laid out in the document's fixed columns.

Letter portrait. Every page repeats the header block (vendor, title, labelled fields, `Page N of
M`, two-line column headings); the table continues on the next page where the source data's page
breaks say, so a wrapped description can start at the bottom of one page and end under the next
page's header. Numbers are right-aligned in their columns; totals close the last page.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from .creative_coop_model import ROWS_PER_PAGE, Header, Invoice, Item, TableLine, fmt_money
from .creative_coop_text import TABLE_FONT, TABLE_FONT_SIZE

PAGE_WIDTH, PAGE_HEIGHT = letter
LEFT, RIGHT = 24.0, 576.0
VENDOR_ADDRESS = ("2525 Corporate Ave E", "Memphis, TN 38132", "Tel (901) 555-0148")
SOLD_TO = ("Freckled Hen Farmhouse", "Attn: Accounts Payable", "112 W Main St", "Columbia, MO 65201")
SHIP_TO = ("Freckled Hen Farmhouse", "Receiving Dock B", "118 W Main St", "Columbia, MO 65201")
LABELS = ("ORDER NO:", "ORDER DATE:", "CUSTOMER NO:", "PO NO:")

# Column anchors in points: (x, "left"|"right"). Headings are two lines, as the report prints them.
CODE, UPC, DESC, RT = (LEFT, "left"), (68.0, "left"), (124.0, "left"), (236.0, "left")
QTY_ORD, QTY_ALLOC, QTY_SHIPPED, QTY_BKORD = (
    (276.0, "right"),
    (306.0, "right"),
    (338.0, "right"),
    (366.0, "right"),
)
UNIT, LIST, YOUR, EXTD = (374.0, "left"), (440.0, "right"), (496.0, "right"), (RIGHT, "right")
HEADINGS = (
    (CODE, "Product", "Code"),
    (UPC, "UPC", ""),
    (DESC, "Description", ""),
    (RT, "RT", ""),
    (QTY_ORD, "Qty", "Ord"),
    (QTY_ALLOC, "Qty", "Alloc"),
    (QTY_SHIPPED, "Qty", "Shipped"),
    (QTY_BKORD, "Qty", "BkOrd"),
    (UNIT, "U/M", ""),
    (LIST, "List", "Price"),
    (YOUR, "Your", "Price"),
    (EXTD, "Your Extd", "Price"),
)

TABLE_TOP = 200.0  # baseline of the first table line, from the page top
TABLE_BOTTOM = PAGE_HEIGHT - 36.0
PITCH = (TABLE_BOTTOM - TABLE_TOP) / ROWS_PER_PAGE


class _Page:
    """Draws with the origin at the top-left, as the document model reads positions."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas

    def text(
        self,
        anchor: tuple[float, str],
        y: float,
        text: str,
        font: str = TABLE_FONT,
        size: float = TABLE_FONT_SIZE,
    ) -> None:
        if not text:
            return
        self.canvas.setFont(font, size)
        x, align = anchor
        draw = self.canvas.drawRightString if align == "right" else self.canvas.drawString
        draw(x, PAGE_HEIGHT - y, text)

    def rule(self, y: float) -> None:
        self.canvas.setLineWidth(0.5)
        self.canvas.line(LEFT, PAGE_HEIGHT - y, RIGHT, PAGE_HEIGHT - y)


def _draw_header(page: _Page, header: Header, number: int, count: int) -> None:
    page.text((LEFT, "left"), 40, header.vendor_name, "Helvetica-Bold", 12)
    for offset, line in enumerate(VENDOR_ADDRESS):
        page.text((LEFT, "left"), 52 + 9 * offset, line)
    page.text((RIGHT, "right"), 40, header.title, "Helvetica-Bold", 14)
    page.text((RIGHT, "right"), 54, f"Page {number} of {count}", size=8)
    values = (header.order_no, header.order_date_text, header.customer_no, header.po_no)
    for row, (label, value) in enumerate(zip(LABELS, values, strict=True)):
        page.text((400.0, "left"), 76 + 10 * row, label, "Helvetica-Bold", 7.5)
        if header.label_layout == "inline":
            page.text((470.0, "left"), 76 + 10 * row, value, size=8)
        elif header.label_layout == "stacked":
            page.text((400.0, "left"), 118 + 10 * row, value, size=8)
        else:  # scattered: a block of values well below and to the right of the labels
            page.text((RIGHT, "right"), 122 + 10 * row, value, size=8)
    for x, title, lines in ((LEFT, "SOLD TO:", SOLD_TO), (200.0, "SHIP TO:", SHIP_TO)):
        page.text((x, "left"), 84, title, "Helvetica-Bold", 7.5)
        for offset, line in enumerate(lines):
            page.text((x, "left"), 94 + 9 * offset, line)
    page.text((LEFT, "left"), 160, "TERMS: NET 30     SHIP VIA: UPS GROUND     SALESPERSON: HOUSE")
    page.rule(166)
    for anchor, top, bottom in HEADINGS:
        page.text(anchor, 176, top, "Helvetica-Bold", TABLE_FONT_SIZE)
        page.text(anchor, 185, bottom, "Helvetica-Bold", TABLE_FONT_SIZE)
    page.rule(189)


def _draw_line(page: _Page, line: TableLine, item: Item, y: float) -> None:
    if line.kind == "row":
        cells = (
            (CODE, item.product_code),
            (UPC, item.upc),
            (DESC, item.description_lines[0]),
            (RT, item.rt),
            (QTY_ORD, str(item.qty_ordered)),
            (QTY_ALLOC, str(item.qty_allocated)),
            (QTY_SHIPPED, str(item.qty_shipped)),
            (QTY_BKORD, str(item.qty_backordered)),
            (UNIT, item.unit),
            (LIST, fmt_money(item.list_price)),
            (YOUR, fmt_money(item.your_price)),
            (EXTD, fmt_money(item.extended)),
        )
        for anchor, text in cells:
            page.text(anchor, y, text)
    elif line.kind == "desc":
        page.text(DESC, y, item.description_lines[line.part])
    if line.kind in ("tariff", "tariff_label"):
        page.text(DESC, y, "Tariff Surcharge")
    if line.kind in ("tariff", "tariff_amount"):
        page.text(EXTD, y, fmt_money(item.tariff))


def _draw_totals(page: _Page, invoice: Invoice, first_row: int) -> None:
    totals = (
        ("Merchandise Subtotal", invoice.subtotal),
        ("Tariff Surcharge Total", invoice.tariff_total),
        ("Freight", invoice.freight),
        ("Total", invoice.total),
    )
    page.rule(TABLE_TOP + PITCH * first_row - PITCH / 2)
    for offset, (label, amount) in enumerate(totals):
        y = TABLE_TOP + PITCH * (first_row + 1 + offset)
        page.text(YOUR, y, label, "Helvetica-Bold", TABLE_FONT_SIZE)
        page.text(EXTD, y, fmt_money(amount))


def render_pdf(invoice: Invoice, *, compress: bool = True) -> bytes:
    """The invoice as a PDF; byte-identical for the same invoice (reportlab `invariant=1`).
    `compress=False` writes plain page streams: larger, newline-heavy files, as some systems send."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=1, pageCompression=1 if compress else 0)
    canvas.setTitle(f"{invoice.header.title.title()} {invoice.header.order_no}")
    canvas.setAuthor(invoice.header.vendor_name)
    pages = invoice.pages()
    for number, lines in enumerate(pages, start=1):
        page = _Page(canvas)
        _draw_header(page, invoice.header, number, len(pages))
        for row, line in enumerate(lines):
            _draw_line(page, line, invoice.items[line.item], TABLE_TOP + PITCH * row)
        if number == len(pages):
            _draw_totals(page, invoice, len(lines))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
