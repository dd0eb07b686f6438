"""Creative Co-op source data: the ground truth every rendering and every expected file comes from.

An invoice is its header, its items (in document order), its freight, its page furniture and where
its table breaks across pages. The table is a stream of printed lines (an item's row, its
description continuation lines, its tariff line or two); `page_breaks` cut that stream into pages,
so the PDF and every Document AI reading order show the same page-split descriptions.

Two document kinds (domain doc 2 and 2b): an order confirmation (`CS…`, four quantities,
`Your Extd Price` = Qty Ord x Your Price, 0.00 for a cancelled row) and an invoice (`CI…`, Qty
Shipped and Qty BkOrd, extended = Qty Shipped x Your Price, tariffs as `TRF-CCOI` rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .generic import money

WHOLESALE_SHARE = Decimal("0.80")
TARIFF_RATE = Decimal("0.15")
CANONICAL_VENDOR = "Creative Co-op"
TARIFF_CODE = "TRF-CCOI"

#: Printed table lines one page holds (the PDF's row pitch is derived from this).
ROWS_PER_PAGE = 54
#: Lines the totals block takes on the last page (a gap and four totals).
TOTALS_ROWS = 5

LineKind = Literal["row", "desc", "tariff", "tariff_label", "tariff_amount"]
LabelLayout = Literal["inline", "stacked", "scattered"]
DocumentKind = Literal["order_confirmation", "invoice"]
#: A price OCR lost: Document AI's text and the PDF both lack the cell.
DroppedPrice = Literal["", "list_price", "your_price"]


def fmt_money(value: Decimal) -> str:
    """As printed: two decimals, thousands separated (`1,440.00`)."""
    return f"{value:,.2f}"


@dataclass(frozen=True)
class Header:
    order_no: str
    order_date: dt.date
    customer_no: str
    po_no: str
    title: str = "ORDER CONFIRMATION"
    #: How the vendor spells itself on this document; the expected vendor is always canonical.
    vendor_name: str = CANONICAL_VENDOR
    #: inline: `ORDER NO: CS…`; stacked: all labels then all values; scattered: other lines between.
    label_layout: LabelLayout = "inline"
    kind: DocumentKind = "order_confirmation"
    #: On an invoice: `INVOICE NO:` (CI…) and `INVOICE DATE:`; `order_no` is then the order it bills.
    invoice_no: str = ""
    invoice_date: dt.date | None = None
    #: A line under the vendor's name (real: `Creative Co-Op Seasonal`).
    division: str = ""

    @property
    def order_date_text(self) -> str:
        return _date_text(self.order_date)

    @property
    def number(self) -> str:
        """The document's own number: the invoice number of the expected result."""
        return self.invoice_no if self.kind == "invoice" else self.order_no

    def labelled_values(self) -> list[tuple[str, str]]:
        """(label, value) as printed, top to bottom."""
        pairs = [("ORDER NO:", self.order_no), ("ORDER DATE:", self.order_date_text)]
        if self.kind == "invoice":
            assert self.invoice_date is not None
            pairs = [
                ("INVOICE NO:", self.invoice_no),
                ("INVOICE DATE:", _date_text(self.invoice_date)),
                *pairs,
            ]
        return [*pairs, ("CUSTOMER NO:", self.customer_no), ("PO NO:", self.po_no)]


def _date_text(date: dt.date) -> str:
    return f"{date.month}/{date.day}/{date.year}"


@dataclass(frozen=True)
class Item:
    product_code: str
    upc: str
    description_lines: tuple[str, ...]
    qty_ordered: int
    qty_allocated: int
    qty_shipped: int
    qty_backordered: int
    unit: str
    list_price: Decimal
    rt: str = ""
    has_tariff: bool = False
    tariff_two_lines: bool = False
    kind: DocumentKind = "order_confirmation"
    #: Your Price when it is not 80% of list (None: the usual 80%).
    your_price_printed: Decimal | None = None
    #: A price cell OCR lost (the truth then says what the row still determines).
    dropped: DroppedPrice = ""
    #: Zero quantities printed as blank cells (only where positions say which column is blank).
    blank_zeros: bool = False
    #: A stray OCR token in the RT column (`lo`): noise, not an RT value.
    rt_noise: str = ""

    @property
    def description(self) -> str:
        return " ".join(self.description_lines)

    @property
    def your_price(self) -> Decimal:
        if self.your_price_printed is not None:
            return self.your_price_printed
        return money(self.list_price * WHOLESALE_SHARE)

    @property
    def cancelled(self) -> bool:
        """A confirmation row ordered but with nothing allocated, shipped or back-ordered."""
        return (
            self.kind == "order_confirmation"
            and self.qty_ordered > 0
            and self.qty_allocated == self.qty_shipped == self.qty_backordered == 0
        )

    @property
    def billed_quantity(self) -> int:
        """The quantity the extended price multiplies: Qty Shipped on an invoice, else Qty Ord."""
        if self.kind == "invoice":
            return self.qty_shipped
        return 0 if self.cancelled else self.qty_ordered

    @property
    def extended(self) -> Decimal:
        return money(self.your_price * self.billed_quantity)

    @property
    def tariff(self) -> Decimal | None:
        return money(self.extended * TARIFF_RATE) if self.has_tariff else None

    def quantity_cells(self) -> list[tuple[str, int]]:
        """(column, value) of the quantity columns this kind prints, left to right."""
        if self.kind == "invoice":
            return [("qty_shipped", self.qty_shipped), ("qty_backordered", self.qty_backordered)]
        return [
            ("qty_ordered", self.qty_ordered),
            ("qty_allocated", self.qty_allocated),
            ("qty_shipped", self.qty_shipped),
            ("qty_backordered", self.qty_backordered),
        ]

    def printed_cells(self) -> list[tuple[str, str]]:
        """(column, text) of the row's cells after the description, as printed (blanks left out)."""
        cells = []
        if self.rt:
            cells.append(("rt", self.rt))
        if self.rt_noise:
            cells.append(("rt", self.rt_noise))
        for column, value in self.quantity_cells():
            if value or not self.blank_zeros:
                cells.append((column, str(value)))
        cells.append(("unit", self.unit))
        if self.dropped != "list_price":
            cells.append(("list_price", fmt_money(self.list_price)))
        if self.dropped != "your_price":
            cells.append(("your_price", fmt_money(self.your_price)))
        cells.append(("extended", fmt_money(self.extended)))
        return cells

    def table_lines(self, index: int) -> list[TableLine]:
        lines = [TableLine("row", index)]
        lines += [TableLine("desc", index, k) for k in range(1, len(self.description_lines))]
        if self.has_tariff and self.tariff_two_lines and self.kind == "order_confirmation":
            lines += [TableLine("tariff_label", index), TableLine("tariff_amount", index)]
        elif self.has_tariff:
            lines.append(TableLine("tariff", index))
        return lines


@dataclass(frozen=True)
class TableLine:
    """One printed line of the table: an item's row (with description line 0), a description
    continuation line `part`, or a tariff line (one line, or label and amount on two; on an
    invoice a `TRF-CCOI` row)."""

    kind: LineKind
    item: int
    part: int = 0


@dataclass(frozen=True)
class Furniture:
    """Text on the pages that belongs to no row; its wording is drawn at random."""

    #: Repeats at the foot of every page, aligned left, centred or right.
    footer: str = ""
    footer_align: Literal["left", "center", "right"] = "left"
    #: On every page but the last (`Continued`, in whatever wording).
    continued: str = ""
    #: page number -> a stamp's text.
    stamps: tuple[tuple[int, str], ...] = ()
    #: Stamps land on the row of a header value, in the free space left of it (wording with a
    #: number, so it has a value's shape): only positions tell it from the value.
    stamps_on_values: bool = False
    #: Printed after the totals on the last page.
    note: str = ""


@dataclass(frozen=True)
class Invoice:
    header: Header
    items: tuple[Item, ...]
    freight: Decimal = Decimal("0.00")
    #: Indices into `table_lines()` where pages 2..N start.
    page_breaks: tuple[int, ...] = field(default=())
    furniture: Furniture = field(default_factory=Furniture)

    @property
    def kind(self) -> DocumentKind:
        return self.header.kind

    @property
    def page_count(self) -> int:
        return len(self.page_breaks) + 1

    @property
    def subtotal(self) -> Decimal:
        return sum((item.extended for item in self.items), Decimal("0.00"))

    @property
    def tariff_total(self) -> Decimal:
        return sum((item.tariff or Decimal("0.00") for item in self.items), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tariff_total + self.freight

    def totals_lines(self) -> list[tuple[str, Decimal]]:
        last = "Invoice Total" if self.kind == "invoice" else "Total"
        return [
            ("Merchandise Subtotal", self.subtotal),
            ("Tariff Surcharge Total", self.tariff_total),
            ("Freight", self.freight),
            (last, self.total),
        ]

    def table_lines(self) -> list[TableLine]:
        return [line for index, item in enumerate(self.items) for line in item.table_lines(index)]

    def pages(self) -> list[list[TableLine]]:
        """The table lines printed on each page, first page first."""
        lines = self.table_lines()
        bounds = [0, *self.page_breaks, len(lines)]
        return [lines[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]

    def item_pages(self) -> list[int]:
        """The 1-based page each item's row is printed on."""
        found = [0] * len(self.items)
        for number, page in enumerate(self.pages(), start=1):
            for line in page:
                if line.kind == "row":
                    found[line.item] = number
        return found

    def stamp_on(self, number: int) -> str:
        return dict(self.furniture.stamps).get(number, "")


def check_layout(invoice: Invoice) -> None:
    """Raise ValueError when the page breaks cannot be printed: empty or overfull pages, or a
    two-line tariff cut in half."""
    lines = invoice.table_lines()
    breaks = list(invoice.page_breaks)
    if breaks != sorted(set(breaks)) or (breaks and (breaks[0] <= 0 or breaks[-1] >= len(lines))):
        raise ValueError(f"page breaks {breaks} do not cut {len(lines)} table lines into non-empty pages")
    pages = invoice.pages()
    for number, page in enumerate(pages, start=1):
        room = ROWS_PER_PAGE - (TOTALS_ROWS if number == len(pages) else 0)
        if len(page) > room:
            raise ValueError(f"page {number} holds {len(page)} table lines; at most {room} fit")
    for start in breaks:
        if lines[start].kind == "tariff_amount":
            raise ValueError(f"a page break at line {start} splits a two-line tariff surcharge")
