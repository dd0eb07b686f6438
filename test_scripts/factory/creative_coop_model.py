"""Creative Co-op source data: the ground truth every rendering and every expected file comes from.

An invoice is its header, its items (in document order), its freight, and where its table breaks
across pages. The table is a stream of printed lines (an item's row, its description continuation
lines, its tariff line or two); `page_breaks` cut that stream into pages, so the PDF and every
Document AI reading order show the same page-split descriptions.
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

#: Printed table lines one page holds (the PDF's row pitch is derived from this).
ROWS_PER_PAGE = 54
#: Lines the totals block takes on the last page (a gap and four totals).
TOTALS_ROWS = 5

LineKind = Literal["row", "desc", "tariff", "tariff_label", "tariff_amount"]
LabelLayout = Literal["inline", "stacked", "scattered"]


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

    @property
    def order_date_text(self) -> str:
        return f"{self.order_date.month}/{self.order_date.day}/{self.order_date.year}"


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

    @property
    def description(self) -> str:
        return " ".join(self.description_lines)

    @property
    def your_price(self) -> Decimal:
        return money(self.list_price * WHOLESALE_SHARE)

    @property
    def extended(self) -> Decimal:
        return money(self.your_price * self.qty_ordered)

    @property
    def tariff(self) -> Decimal | None:
        return money(self.extended * TARIFF_RATE) if self.has_tariff else None

    def table_lines(self, index: int) -> list[TableLine]:
        lines = [TableLine("row", index)]
        lines += [TableLine("desc", index, k) for k in range(1, len(self.description_lines))]
        if self.has_tariff and self.tariff_two_lines:
            lines += [TableLine("tariff_label", index), TableLine("tariff_amount", index)]
        elif self.has_tariff:
            lines.append(TableLine("tariff", index))
        return lines


@dataclass(frozen=True)
class TableLine:
    """One printed line of the table: an item's row (with description line 0), a description
    continuation line `part`, or a tariff line (one line, or label and amount on two)."""

    kind: LineKind
    item: int
    part: int = 0


@dataclass(frozen=True)
class Invoice:
    header: Header
    items: tuple[Item, ...]
    freight: Decimal = Decimal("0.00")
    #: Indices into `table_lines()` where pages 2..N start.
    page_breaks: tuple[int, ...] = field(default=())

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
