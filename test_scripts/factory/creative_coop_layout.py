"""Where everything sits on a Creative Co-op page: one list of positioned text cells per page.

The PDF draws these cells and Document AI JSON reads them (its text in one of the reading orders,
its `tokens` at the cells' positions), so every rendering shows the same page. Positions are in
points from the page's top-left corner; `y` is the text's baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth

from .creative_coop_model import ROWS_PER_PAGE, TARIFF_CODE, Header, Invoice, Item, TableLine, fmt_money
from .creative_coop_text import TABLE_FONT, TABLE_FONT_SIZE
from .generic import wrap

PAGE_WIDTH, PAGE_HEIGHT = letter
LEFT, RIGHT = 24.0, 576.0
VENDOR_ADDRESS = ("2525 Corporate Ave E", "Memphis, TN 38132", "Tel (901) 555-0148")
SOLD_TO = ("Freckled Hen Farmhouse", "Attn: Accounts Payable", "112 W Main St", "Columbia, MO 65201")
SHIP_TO = ("Freckled Hen Farmhouse", "Receiving Dock B", "118 W Main St", "Columbia, MO 65201")
TERMS = ((LEFT, "TERMS: NET 30"), (130.0, "SHIP VIA: UPS GROUND"), (250.0, "SALESPERSON: HOUSE"))

Anchor = tuple[float, str]  # (x, "left" | "right")

#: Column anchors per document kind; headings are two lines, as the report prints them.
COLUMNS: dict[str, dict[str, Anchor]] = {
    "order_confirmation": {
        "code": (LEFT, "left"),
        "upc": (68.0, "left"),
        "desc": (124.0, "left"),
        "rt": (236.0, "left"),
        "qty_ordered": (276.0, "right"),
        "qty_allocated": (306.0, "right"),
        "qty_shipped": (338.0, "right"),
        "qty_backordered": (366.0, "right"),
        "unit": (374.0, "left"),
        "list_price": (440.0, "right"),
        "your_price": (496.0, "right"),
        "extended": (RIGHT, "right"),
    },
    "invoice": {
        "code": (LEFT, "left"),
        "upc": (68.0, "left"),
        "desc": (124.0, "left"),
        "rt": (322.0, "left"),
        "qty_shipped": (372.0, "right"),
        "qty_backordered": (404.0, "right"),
        "unit": (412.0, "left"),
        "list_price": (468.0, "right"),
        "your_price": (520.0, "right"),
        "extended": (RIGHT, "right"),
    },
}
HEADINGS = {
    "code": ("Product", "Code"),
    "upc": ("UPC", ""),
    "desc": ("Description", ""),
    "rt": ("RT", ""),
    "qty_ordered": ("Qty", "Ord"),
    "qty_allocated": ("Qty", "Alloc"),
    "qty_shipped": ("Qty", "Shipped"),
    "qty_backordered": ("Qty", "BkOrd"),
    "unit": ("U/M", ""),
    "list_price": ("List", "Price"),
    "your_price": ("Your", "Price"),
    "extended": ("Your Extd", "Price"),
}

TABLE_TOP = 200.0  # baseline of the first table line, from the page top
TABLE_BOTTOM = PAGE_HEIGHT - 36.0
PITCH = (TABLE_BOTTOM - TABLE_TOP) / ROWS_PER_PAGE
FOOTER_SIZE = 6.5
STAMP_FONT, STAMP_SIZE = "Helvetica-Bold", 10.0


@dataclass(frozen=True)
class Cell:
    text: str
    x: float
    y: float
    align: str = "left"
    font: str = TABLE_FONT
    size: float = TABLE_FONT_SIZE

    @property
    def left(self) -> float:
        if self.align == "center":
            return self.x - self.width / 2
        return self.x - self.width if self.align == "right" else self.x

    @property
    def width(self) -> float:
        return stringWidth(self.text, self.font, self.size)

    def words(self) -> list[tuple[int, str, float, float]]:
        """(offset in the cell's text, word, left x, right x) for each word."""
        found, offset = [], 0
        for word in self.text.split(" "):
            if word:
                x0 = self.left + stringWidth(self.text[:offset], self.font, self.size)
                found.append((offset, word, x0, x0 + stringWidth(word, self.font, self.size)))
            offset += len(word) + 1
        return found


def cell(anchor: Anchor, y: float, text: str, font: str = TABLE_FONT, size: float = TABLE_FONT_SIZE) -> Cell:
    return Cell(text, anchor[0], y, anchor[1], font, size)


@dataclass
class PageCells:
    """One page's text, grouped the way the reading orders need it."""

    number: int
    vendor: list[Cell]
    title: Cell
    page_line: Cell
    labels: list[Cell]
    values: list[Cell]
    parties: list[Cell]
    terms: list[Cell]
    headings: list[tuple[Cell, Cell | None]]
    #: Each printed table line with its cells as (column, cell), left to right.
    table: list[tuple[TableLine, list[tuple[str, Cell]]]]
    totals: list[tuple[Cell, Cell]] = field(default_factory=list)
    footer: list[Cell] = field(default_factory=list)
    continued: Cell | None = None
    stamp: Cell | None = None
    note: Cell | None = None

    def cells(self) -> list[Cell]:
        out = [*self.vendor, self.title, self.page_line, *self.labels, *self.values, *self.parties]
        out += self.terms
        out += [c for pair in self.headings for c in pair if c is not None]
        out += [c for _, cells in self.table for _, c in cells]
        out += [c for pair in self.totals for c in pair]
        out += self.footer
        out += [c for c in (self.continued, self.stamp, self.note) if c is not None]
        return out


def _header(header: Header, number: int, count: int) -> dict:
    vendor = [cell((LEFT, "left"), 40, header.vendor_name, "Helvetica-Bold", 12)]
    if header.division:
        vendor.append(cell((200.0, "left"), 40, header.division, "Helvetica-Bold", 9))
    vendor += [cell((LEFT, "left"), 52 + 9 * k, line) for k, line in enumerate(VENDOR_ADDRESS)]
    pairs = header.labelled_values()
    top, step = (76.0, 10.0) if len(pairs) == 4 else (62.0, 8.0)
    labels, values = [], []
    for row, (label, value) in enumerate(pairs):
        labels.append(cell((400.0, "left"), top + step * row, label, "Helvetica-Bold", 7.5))
        if header.label_layout == "inline":
            values.append(cell((470.0, "left"), top + step * row, value, size=8))
        elif header.label_layout == "stacked":
            values.append(cell((400.0, "left"), top + step * (len(pairs) + row) + 2, value, size=8))
        else:  # scattered: a block of values well below and to the right of the labels
            values.append(cell((RIGHT, "right"), top + step * (len(pairs) + row) + 6, value, size=8))
    parties = []
    for x, title, lines in ((LEFT, "SOLD TO:", SOLD_TO), (200.0, "SHIP TO:", SHIP_TO)):
        parties.append(cell((x, "left"), 84, title, "Helvetica-Bold", 7.5))
        parties += [cell((x, "left"), 94 + 9 * k, line) for k, line in enumerate(lines)]
    return {
        "vendor": vendor,
        "title": cell((RIGHT, "right"), 40, header.title, "Helvetica-Bold", 14),
        "page_line": cell((RIGHT, "right"), 54, f"Page {number} of {count}", size=8),
        "labels": labels,
        "values": values,
        "parties": parties,
        "terms": [cell((x, "left"), 160, text) for x, text in TERMS],
    }


def _headings(columns: dict[str, Anchor]) -> list[tuple[Cell, Cell | None]]:
    out = []
    for name, anchor in columns.items():
        top, bottom = HEADINGS[name]
        out.append(
            (
                cell(anchor, 176, top, "Helvetica-Bold"),
                cell(anchor, 185, bottom, "Helvetica-Bold") if bottom else None,
            )
        )
    return out


def _line_cells(line: TableLine, item: Item, y: float, columns: dict[str, Anchor]) -> list[tuple[str, Cell]]:
    if line.kind == "row":
        texts = [("code", item.product_code), ("upc", item.upc), ("desc", item.description_lines[0])]
        texts += item.printed_cells()
    elif line.kind == "desc":
        texts = [("desc", item.description_lines[line.part])]
    elif item.kind == "invoice":  # a tariff is a row of its own
        texts = [("code", TARIFF_CODE), ("extended", fmt_money(item.tariff))]
    else:
        texts = {
            "tariff": [("desc", "Tariff Surcharge"), ("extended", fmt_money(item.tariff))],
            "tariff_label": [("desc", "Tariff Surcharge")],
            "tariff_amount": [("extended", fmt_money(item.tariff))],
        }[line.kind]
    return [(column, cell(columns[column], y, text)) for column, text in texts]


def row_y(row: int) -> float:
    return TABLE_TOP + PITCH * row


def page_cells(invoice: Invoice) -> list[PageCells]:
    """Every page's cells: header, headings, table lines, totals on the last page, furniture."""
    columns = COLUMNS[invoice.kind]
    table_pages = invoice.pages()
    count = len(table_pages)
    furniture = invoice.furniture
    footer_lines = wrap(furniture.footer, RIGHT - LEFT, FOOTER_SIZE) if furniture.footer else []
    out = []
    for number, lines in enumerate(table_pages, start=1):
        page = PageCells(
            number=number,
            headings=_headings(columns),
            table=[
                (line, _line_cells(line, invoice.items[line.item], row_y(row), columns))
                for row, line in enumerate(lines)
            ],
            **_header(invoice.header, number, count),
        )
        last_y = row_y(len(lines) - 1)
        if number == count:
            for offset, (label, amount) in enumerate(invoice.totals_lines()):
                y = row_y(len(lines) + 1 + offset)
                page.totals.append(
                    (
                        cell(columns["your_price"], y, label, "Helvetica-Bold"),
                        cell(columns["extended"], y, fmt_money(amount)),
                    )
                )
            if furniture.note:
                note_y = page.totals[-1][0].y + 1.8 * PITCH
                page.note = cell((LEFT, "left"), note_y, furniture.note, "Helvetica-Oblique", FOOTER_SIZE)
        elif furniture.continued:
            page.continued = cell(
                (RIGHT, "right"), last_y + 1.6 * PITCH, furniture.continued, "Helvetica-Oblique"
            )
        footer_anchor = {
            "left": (LEFT, "left"),
            "center": (PAGE_WIDTH / 2, "center"),
            "right": (RIGHT, "right"),
        }
        page.footer = [
            cell(
                footer_anchor[furniture.footer_align],
                PAGE_HEIGHT - 12 - 8 * (len(footer_lines) - k),
                text,
                size=FOOTER_SIZE,
            )
            for k, text in enumerate(footer_lines)
        ]
        stamp = invoice.stamp_on(number)
        if stamp:
            # Never where a cell of a row could be: the header's free corner, the table's empty
            # space well below the last row, or left of the totals; which one varies with the page.
            spots = [cell((300.0, "left"), 146, stamp, STAMP_FONT, STAMP_SIZE)]
            if number < count and last_y + 4 * PITCH < TABLE_BOTTOM:
                spots.append(cell(columns["desc"], last_y + 3.5 * PITCH, stamp, STAMP_FONT, STAMP_SIZE))
            if page.totals:
                spots.append(cell((LEFT, "left"), page.totals[1][0].y, stamp, STAMP_FONT, STAMP_SIZE))
            page.stamp = spots[(number + len(stamp)) % len(spots)]
            if furniture.stamps_on_values:  # on a value's row, in the free space left of the header
                value = page.values[(number + len(stamp)) % len(page.values)]
                page.stamp = cell((300.0, "left"), value.y, stamp, STAMP_FONT, STAMP_SIZE)
        out.append(page)
    return out
