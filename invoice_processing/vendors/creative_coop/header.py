"""Header fields: ORDER NO, ORDER DATE, CUSTOMER NO, PO NO, wherever labels and values fall.

Document AI may print `ORDER NO: CS003837319` on one line, or all labels first and all values
later, or put other lines between them. Labels without an inline value wait in a queue in reading
order; a later line is given to a waiting label by pattern: the order number and the date have
unmistakable shapes and may be claimed in any order, the looser customer and PO numbers are
given in label order to the first label still waiting.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ...document import Document
from .furniture import LABEL, is_furniture
from .patterns import DATE, ORDER_NUMBER, is_column_header

CUSTOMER_VALUE = re.compile(r"^(?=[A-Z0-9-]*\d)[A-Z0-9-]{3,15}$")
PO_VALUE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9 #/_.&-]{0,24}$")
STRONG = ("invoice_number", "order_date")


@dataclass
class Header:
    invoice_number: str | None = None
    order_date: dt.date | None = None
    customer_number: str | None = None
    po_number: str | None = None

    def values(self) -> set[str]:
        found = {self.invoice_number, self.customer_number, self.po_number}
        if self.order_date:
            found.add(f"{self.order_date.month}/{self.order_date.day}/{self.order_date.year}")
        return {v for v in found if v}


def _field_of(label: str) -> str:
    words = re.sub(r"[^A-Z]", "", label.upper())
    if words.startswith("ORDERNO"):
        return "invoice_number"
    if words.startswith("ORDERDATE"):
        return "order_date"
    if words.startswith("CUSTOMER"):
        return "customer_number"
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
    if field == "invoice_number":
        match = ORDER_NUMBER.search(text)
        return match.group(1) if match else None
    if field == "order_date":
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
        for field in STRONG:
            if field in self.waiting and (value := _value_for(field, text, inline=False)) is not None:
                self._assign(field, value)
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


def read_header(document: Document, header_lines: list[str]) -> Header:
    """Pair labels on the first page's header; fall back to shapes anywhere, then to entities."""
    header = pair_labels(header_lines)
    if header.invoice_number is None or header.order_date is None:
        whole = pair_labels([line for _, line in document.lines()])
        header.invoice_number = header.invoice_number or whole.invoice_number
        header.order_date = header.order_date or whole.order_date
        header.customer_number = header.customer_number or whole.customer_number
        header.po_number = header.po_number or whole.po_number
    if header.invoice_number is None:
        header.invoice_number = _invoice_number_hint(document)
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
