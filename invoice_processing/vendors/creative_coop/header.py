"""Header fields: INVOICE NO, INVOICE DATE, ORDER NO, ORDER DATE, CUSTOMER NO, PO NO.

With positions (a PDF, Document AI tokens) a label's value is the one beside or under it on the
page. From text alone, Document AI may print `ORDER NO: CS003837319` on one line, or all labels
first and all values later, or put other lines between them. Labels without an inline value wait
in a queue in reading order; a later line is given to a waiting label by pattern: numbers and
dates have unmistakable shapes and go to the first waiting label of that shape (an invoice's
`CI…` number to INVOICE NO and a `CS…` order to ORDER NO when both wait), the looser customer
and PO numbers are given in label order to the first label still waiting.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ...document import Document
from ...layout import find_columns, row_cells, value_block, value_near
from .furniture import LABEL, is_furniture
from .patterns import COLUMNS, DATE, ORDER_NUMBER, is_column_header

CUSTOMER_VALUE = re.compile(r"^(?=[A-Z0-9-]*\d)[A-Z0-9-]{3,15}$")
PO_VALUE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9 #/_.&-]{0,24}$")
NUMBERS = ("invoice_number", "order_number")
DATES = ("invoice_date", "order_date")
STRONG = NUMBERS + DATES
#: A number's prefix says which label it answers when both wait (domain doc 2b).
PREFERRED_PREFIX = {"invoice_number": "CI", "order_number": "CS"}
#: Each field's label as it appears on the page, for pairing by position.
POSITION_LABELS = {
    "invoice_number": re.compile(r"\bINVOICE\s*NO\.?\s*:", re.I),
    "invoice_date": re.compile(r"\bINVOICE\s*DATE\s*:", re.I),
    "order_number": re.compile(r"\bORDER\s*NO\.?\s*:", re.I),
    "order_date": re.compile(r"\bORDER\s*DATE\s*:", re.I),
    "customer_number": re.compile(r"\bCUSTOMER\s*NO\.?\s*:", re.I),
    "po_number": re.compile(r"\bP\.?\s?O\.?\s*NO\.?\s*:", re.I),
}
LABEL_TEXT = {
    "invoice_number": "INVOICE NO:",
    "invoice_date": "INVOICE DATE:",
    "order_number": "ORDER NO:",
    "order_date": "ORDER DATE:",
    "customer_number": "CUSTOMER NO:",
    "po_number": "PO NO:",
}
POSITION_VALUES = {
    "invoice_number": ORDER_NUMBER,
    "order_number": ORDER_NUMBER,
    "invoice_date": DATE,
    "order_date": DATE,
    "customer_number": CUSTOMER_VALUE,
    "po_number": re.compile(r"(?=.*\d)[A-Z0-9][A-Z0-9#/_.&-]{0,24}"),
}


@dataclass
class Header:
    invoice_number: str | None = None  # INVOICE NO (invoices only)
    invoice_date: dt.date | None = None
    order_number: str | None = None  # ORDER NO
    order_date: dt.date | None = None
    customer_number: str | None = None
    po_number: str | None = None

    def values(self) -> set[str]:
        found = {self.invoice_number, self.order_number, self.customer_number, self.po_number}
        for date in (self.order_date, self.invoice_date):
            if date:
                found.add(f"{date.month}/{date.day}/{date.year}")
        return {v for v in found if v}

    def missing(self) -> bool:
        return any(getattr(self, name) is None for name in (*NUMBERS, *DATES, "customer_number", "po_number"))


def _field_of(label: str) -> str:
    words = re.sub(r"[^A-Z]", "", label.upper())
    for prefix, field in (
        ("INVOICENO", "invoice_number"),
        ("INVOICEDATE", "invoice_date"),
        ("ORDERNO", "order_number"),
        ("ORDERDATE", "order_date"),
        ("CUSTOMER", "customer_number"),
    ):
        if words.startswith(prefix):
            return field
    return "po_number"


def _date(text: str) -> dt.date | None:
    match = DATE.search(text)
    if not match:
        return None
    month, day, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _value_for(field: str, text: str, inline: bool) -> str | dt.date | None:
    """The field's value in `text`, or None when the text does not have its shape."""
    text = text.strip()
    if field in NUMBERS:
        match = ORDER_NUMBER.search(text)
        return match.group(1) if match else None
    if field in DATES:
        return _date(text)
    if inline:  # `PO NO: spring order` beside its label needs no shape
        return text or None
    pattern = CUSTOMER_VALUE if field == "customer_number" else PO_VALUE
    return text if pattern.match(text) else None


class _Pairing:
    def __init__(self) -> None:
        self.header = Header()
        self.waiting: list[str] = []

    def label(self, field: str, inline_text: str) -> None:
        if getattr(self.header, field) is not None:
            return
        value = _value_for(field, inline_text, inline=True) if inline_text.strip() else None
        if value is not None:
            setattr(self.header, field, value)
        elif field not in self.waiting:
            self.waiting.append(field)

    def candidate(self, text: str) -> None:
        fitting = [
            (field, value)
            for field in self.waiting
            if field in STRONG and (value := _value_for(field, text, inline=False)) is not None
        ]
        if fitting:
            preferred = [
                (f, v)
                for f, v in fitting
                if isinstance(v, str) and v.startswith(PREFERRED_PREFIX.get(f, "~"))
            ]
            self._assign(*(preferred or fitting)[0])
            return
        weak = [f for f in self.waiting if f not in STRONG]
        if weak and (value := _value_for(weak[0], text, inline=False)) is not None:
            self._assign(weak[0], value)

    def _assign(self, field: str, value: str | dt.date) -> None:
        setattr(self.header, field, value)
        self.waiting.remove(field)


def pair_labels(lines: list[str]) -> Header:
    pairing = _Pairing()
    for line in lines:
        labels = list(LABEL.finditer(line))
        if not labels:
            if pairing.waiting and not is_furniture(line) and not is_column_header(line):
                pairing.candidate(line)
            continue
        for n, found in enumerate(labels):
            end = labels[n + 1].start() if n + 1 < len(labels) else len(line)
            pairing.label(_field_of(found.group(1)), line[found.end() : end])
    return pairing.header


def pair_by_position(document: Document) -> tuple[Header, list[str]]:
    """Labels and values of the first page's header paired by where they sit; and the header's
    cells (rows cut where words stand apart), for pairing the rest by reading order."""
    header = Header()
    if not document.pages or not document.pages[0].words:
        return header, []
    rows = document.pages[0].word_rows()
    table = find_columns(rows, COLUMNS, ("upc", "description"))
    above = rows[: table[0]] if table else rows
    for field, label in POSITION_LABELS.items():
        found = value_near(above, label, POSITION_VALUES[field])
        if found is not None:
            setattr(header, field, _date(found) if field in DATES else found)
    fields = list(POSITION_LABELS)
    order, values = value_block(above, list(POSITION_LABELS.values()))
    if values:  # a stack of labels and its block of values, paired as printed
        _fill(header, pair_labels([LABEL_TEXT[fields[which]] for which in order] + values))
    return header, [cell for row in above for cell in row_cells(row)]


def _fill(header: Header, other: Header) -> None:
    for name in Header.__dataclass_fields__:
        if getattr(header, name) is None:
            setattr(header, name, getattr(other, name))


def read_header(document: Document, header_lines: list[str]) -> Header:
    """Pair labels by position when the page has them, else on the first page's header text;
    fall back to the text of the whole document, then to shapes and entities."""
    header, cells = pair_by_position(document)
    if header.missing():
        _fill(header, pair_labels(cells or header_lines))
    if header.order_number is None or header.order_date is None:
        _fill(header, pair_labels([line for _, line in document.lines()]))
    if header.order_number is None and header.invoice_number is None:
        header.order_number = _invoice_number_hint(document)
    if header.order_date is None:  # no `ORDER DATE:` label read: the header's only date
        header.order_date = next((d for line in header_lines if (d := _date(line))), None)
    return header


def _invoice_number_hint(document: Document) -> str | None:
    """Last resort: the number's unmistakable shape on the first page, then Document AI's guess."""
    first_page = "\n".join(document.pages[0].lines) if document.pages else document.text
    match = ORDER_NUMBER.search(first_page)
    if match:
        return match.group(1)
    for entity in document.entities_of("invoice_id"):
        found = ORDER_NUMBER.search(entity.normalized or entity.mention_text or "")
        if found:
            return found.group(1)
    return None
