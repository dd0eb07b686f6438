"""HarperCollins purchase orders, distributed by Anne McGilvray & Company.

Each item is a book: an ISBN-13, its title (wrapped over a few lines when long), a quantity and
the list price. The discount (`Discount: 50.00% OFF`) is printed once in the header or under an
item, which then overrides the header's; the wholesale price the business pays is list x (1 -
discount), rounded to cents. The numeric columns are read in the order the column header row
names them, so a title ending in a number (`1984`) is never mistaken for a quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..document import Document
from ..models import LineItem, ParsedInvoice
from ..quality import gtin_check_digit_ok, money
from .text_helpers import (
    INT_TOKEN,
    all_lines,
    clean_spaces,
    is_money,
    labelled_value,
    parse_date,
    parse_money,
)

ISBN = re.compile(r"(?<![\d-])(97[89](?:-?\d){10})(?![\d-])")
DISCOUNT = re.compile(r"\bDiscount\s*:?\s*(\d{1,2}(?:\.\d+)?)\s*%", re.I)
DISCOUNT_LABEL = re.compile(r"\bDiscount\s*:?", re.I)
DISCOUNT_VALUE = re.compile(r"(\d{1,2}(?:\.\d+)?)\s*%")
BARE_DISCOUNT = re.compile(r"^(\d{1,2}(?:\.\d+)?)\s*%\s*OFF$", re.I)
PERCENT_TOKEN = re.compile(r"^(\d{1,2}(?:\.\d+)?)%$")
ORDER_LABEL = re.compile(r"\b(?:P\.?\s?O\.?|Purchase\s+Order|Order)\s*(?:#|No\.?|Number)\s*:?", re.I)
ORDER_VALUE = re.compile(r"\b([A-Z]{2}\d{6,9})\b")
DATE_LABEL = re.compile(r"\b(?:Order|PO|P\.O\.)\s*Date\s*:?", re.I)
DATE_VALUE = re.compile(r"\b(\d{1,2}/\d{1,2}/\d{4})\b")
# Lines that end an item's title: labels with a value, totals, page markers.
STOP_LINE = re.compile(
    r"^(?:total|sub\s*-?\s*total|page|notes?|comments?|ship\s*(?:to|via|date)|bill\s*to|terms|buyer|"
    r"order|p\.?\s?o\.?|purchase|mfr|discount|date)\b.*(?::|\d)|^thank\b",
    re.I,
)
VENDOR_NAMES = re.compile(r"harper\s*collins", re.I)
DISTRIBUTOR = re.compile(r"anne\s+mc\s*gilvray", re.I)

#: Header words -> the numeric column they name.
COLUMN_WORDS = {
    "qty": "qty",
    "quantity": "qty",
    "ordered": "qty",
    "list": "list",
    "retail": "list",
    "msrp": "list",
    "srp": "list",
    "disc": "discount",
    "disc%": "discount",
    "discount": "discount",
    "net": "net",
    "cost": "net",
    "ext": "extended",
    "ext.": "extended",
    "extended": "extended",
    "amount": "extended",
    "total": "extended",
}
DEFAULT_COLUMNS = ("qty", "list")


def numeric_columns(header: str) -> tuple[str, ...]:
    """`ISBN Title Qty List Price Disc Extended` -> ("qty", "list", "discount", "extended")."""
    columns: list[str] = []
    words = header.lower().replace("/", " ").split()
    for index, word in enumerate(words):
        column = COLUMN_WORDS.get(word)
        if word == "price":
            previous = words[index - 1] if index else ""
            column = "net" if previous in ("your", "net", "unit") else "list"
        if column and (not columns or columns[-1] != column) and column not in columns:
            columns.append(column)
    return tuple(columns) if "qty" in columns and ("list" in columns or "net" in columns) else DEFAULT_COLUMNS


def _is_header(line: str) -> bool:
    lowered = line.lower()
    return "isbn" in lowered and ("qty" in lowered or "quantity" in lowered)


def _is_numeric(token: str) -> bool:
    return bool(is_money(token) or INT_TOKEN.match(token) or PERCENT_TOKEN.match(token))


@dataclass
class _Record:
    isbn: str
    page: int
    title: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    discount: Decimal | None = None


def _to_item(record: _Record, columns: tuple[str, ...], default_discount: Decimal | None) -> LineItem | None:
    if len(record.numbers) < len(columns):
        return None
    values = dict(zip(columns, record.numbers[-len(columns) :], strict=True))
    # Numbers before the numeric columns are the title's own (`1984`, `101 Dalmatians`).
    title = [*record.title, *record.numbers[: -len(columns)]]
    if not INT_TOKEN.match(values["qty"]):
        return None
    qty = int(values["qty"])
    list_price = parse_money(values.get("list"))
    percent = PERCENT_TOKEN.match(values.get("discount", ""))
    discount = Decimal(percent.group(1)) / 100 if percent else record.discount
    discount = discount if discount is not None else default_discount
    unit_price = parse_money(values.get("net"))
    if unit_price is None and list_price is not None and discount is not None:
        unit_price = money(list_price * (1 - discount))
    extended = parse_money(values.get("extended"))
    if extended is None and unit_price is not None:
        # The purchase order prints no extended value: it is qty x wholesale by definition.
        extended = money(qty * unit_price)
    return LineItem(
        product_code=record.isbn,
        upc=record.isbn,
        description=clean_spaces(" ".join(title)),
        qty_ordered=qty,
        list_price=list_price,
        unit_price=unit_price,
        extended_price=extended,
        page=record.page,
    )


def _records(document: Document, columns: tuple[str, ...]) -> list[_Record]:
    """Group lines into one record per ISBN: its row, title continuations, numbers, discount.

    Handles one row per line (`ISBN title qty price`, the title's rest on the next lines) and one
    cell per line (`ISBN` / title lines / `qty` / `price`). A record never crosses a page.
    """
    records: list[_Record] = []
    current: _Record | None = None
    for page, line in document.lines():
        if current is not None and current.page != page:
            current = None
        found = ISBN.search(line)
        if found and gtin_check_digit_ok(found.group(1).replace("-", "")):
            current = _Record(found.group(1).replace("-", ""), page)
            records.append(current)
            rest = line[found.end() :].split()
            tail = 0
            while tail < min(len(rest), len(columns)) and _is_numeric(rest[len(rest) - 1 - tail]):
                tail += 1
            current.title.extend(rest[: len(rest) - tail])
            current.numbers.extend(rest[len(rest) - tail :])
            continue
        if current is None:
            continue
        discount = DISCOUNT.search(line) or BARE_DISCOUNT.search(line)
        tokens = line.split()
        if discount:
            current.discount = Decimal(discount.group(1)) / 100
        elif tokens and all(_is_numeric(t) for t in tokens):
            current.numbers.extend(tokens)
        elif _is_header(line) or STOP_LINE.search(line) or any(is_money(t) for t in tokens):
            current = None
        elif not current.numbers or len(current.title) < 40:
            current.title.append(line)
    return records


def _header_discount(lines: list[str]) -> Decimal | None:
    """The header's discount; its label and value may be lines apart (`Discount:` ... `50.00% OFF`)."""
    value = labelled_value(lines, DISCOUNT_LABEL, DISCOUNT_VALUE)
    return Decimal(value) / 100 if value else None


class HarperCollinsParser:
    name = "HarperCollins"

    def score(self, document: Document) -> float:
        """Evidence: the publisher's or distributor's name, the discount line, ISBN-13 rows."""
        text = document.text
        isbn_rows = sum(1 for _, line in document.lines() if ISBN.search(line))
        evidence = 0.0
        evidence += 0.5 if VENDOR_NAMES.search(text) else 0.0
        evidence += 0.4 if DISTRIBUTOR.search(text) else 0.0
        evidence += 0.15 if DISCOUNT.search(text) else 0.0
        evidence += 0.25 if isbn_rows >= 3 else 0.15 if isbn_rows else 0.0
        return round(min(evidence, 1.0), 3)

    def parse(self, document: Document) -> ParsedInvoice:
        lines = all_lines(document)
        header = next((line for line in lines if _is_header(line)), "")
        columns = numeric_columns(header) if header else DEFAULT_COLUMNS
        records = _records(document, columns)
        first_item_line = next((i for i, line in enumerate(lines) if ISBN.search(line)), len(lines))
        default_discount = _header_discount(lines[:first_item_line]) or _header_discount(lines)
        items = [item for r in records if (item := _to_item(r, columns, default_discount))]
        number = labelled_value(lines, ORDER_LABEL, ORDER_VALUE) or next(
            (m.group(1) for line in lines if (m := ORDER_VALUE.search(line))), None
        )
        if number is None:
            number = next(
                (clean_spaces(e.mention_text) for e in document.entities_of("purchase_order")), None
            )
        date_text = labelled_value(lines, DATE_LABEL, DATE_VALUE) or next(
            (m.group(1) for line in lines if (m := DATE_VALUE.search(line))), None
        )
        return ParsedInvoice(
            vendor=self.name,
            invoice_number=number,
            order_date=parse_date(date_text),
            po_number=number,
            line_items=items,
            page_count=len(document.pages),
        )
