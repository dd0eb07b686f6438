"""One Hundred 80 Degrees invoices and order confirmations.

The table reads `SKU UPC QTY UOM(EA/ST) Description Unit Price Extended`, one row per line, a long
description continuing on the lines below. The business files these under the purchase-order
number, so that is the invoice number. Documents whose text has no such rows (Document AI reading
the table cell by cell) fall back to the generic entity path, keeping the vendor's name.
"""

from __future__ import annotations

import re

from ..document import Document
from ..models import LineItem, ParsedInvoice, Totals
from ..quality import money
from .generic import items_from_entities, subtotal, with_pages
from .text_helpers import all_lines, clean_spaces, is_money, labelled_value, parse_date, parse_money

ROW = re.compile(
    r"^(?P<sku>[A-Z0-9][A-Z0-9./-]{2,24})\s+(?:(?P<upc>\d{12,14})\s+)?(?P<qty>\d{1,6})\s+(?P<uom>[A-Z]{2,3})\b"
    r"\s*(?P<desc>.*?)\s*(?P<price>\$?\d[\d,]*\.\d{2,4})\s+(?P<ext>\$?\d[\d,]*\.\d{2})$"
)
PO_LABEL = re.compile(r"\b(?:customer\s+)?(?:P\.?\s?O\.?|purchase\s+order)\s*(?:#|no\.?|number)?\s*:", re.I)
PO_VALUE = re.compile(r"\b((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,24})\b")
DATE_LABEL = re.compile(r"\b(?:order|invoice|ship)?\s*date\s*:", re.I)
DATE_VALUE = re.compile(r"(\d{1,2}/\d{1,2}/\d{2,4})")
VENDOR_NAMES = re.compile(r"one\s*hundred\s*80|onehundred80|\b180\s*degrees\b", re.I)
HEADER = re.compile(r"\bSKU\b.*\bUPC\b.*\bQTY\b", re.I)
STOP_LINE = re.compile(r"^(?:sub\s*-?\s*total|total|freight|shipping|tax|page|thank|notes?|terms)\b", re.I)


def _row_item(match: re.Match[str], page: int) -> LineItem:
    qty = int(match["qty"])
    price = parse_money(match["price"])
    extended = parse_money(match["ext"])
    return LineItem(
        product_code=match["sku"],
        upc=match["upc"],
        description=clean_spaces(match["desc"]),
        qty_ordered=qty,
        unit=match["uom"],
        unit_price=price,
        extended_price=extended,
        page=page,
    )


def table_items(document: Document) -> list[LineItem]:
    """Each row starts an item; the lines after it (same page, up to the next row or a totals
    line) continue its description."""
    items: list[LineItem] = []
    continuing = False
    current_page = 0
    for page, line in document.lines():
        if page != current_page:
            continuing, current_page = False, page
        match = ROW.match(line)
        if match:
            items.append(_row_item(match, page))
            continuing = True
        elif (
            HEADER.search(line)
            or STOP_LINE.search(line)
            or ":" in line
            or any(is_money(t) for t in line.split())
        ):
            continuing = False
        elif continuing:
            last = items[-1]
            items[-1] = last.model_copy(update={"description": clean_spaces(f"{last.description} {line}")})
    return items


class OneHundred80Parser:
    name = "OneHundred80"

    def score(self, document: Document) -> float:
        """Evidence: the vendor's name or web address, its column header (`UOM(EA/ST)`), its rows."""
        lines = all_lines(document)
        evidence = 0.6 if VENDOR_NAMES.search(document.text) else 0.0
        header = next((line for line in lines if HEADER.search(line)), None)
        evidence += 0.3 if header and "UOM" in header.upper() else 0.0
        evidence += 0.1 if any(ROW.match(line) for line in lines) else 0.0
        return round(min(evidence, 1.0), 3)

    def parse(self, document: Document) -> ParsedInvoice:
        lines = all_lines(document)
        items = table_items(document) or with_pages(document, items_from_entities(document.entities))
        po = labelled_value(lines, PO_LABEL, PO_VALUE) or next(
            (
                clean_spaces(e.mention_text)
                for e in document.entities_of("purchase_order")
                if e.mention_text.strip()
            ),
            None,
        )
        date_text = labelled_value(lines, DATE_LABEL, DATE_VALUE)
        order_date = parse_date(date_text) or next(
            (
                d
                for e in document.entities_of("invoice_date")
                if (d := parse_date(e.normalized or e.mention_text))
            ),
            None,
        )
        found_subtotal = subtotal(document)
        return ParsedInvoice(
            vendor=self.name,
            invoice_number=po,
            order_date=order_date,
            po_number=po,
            line_items=items,
            totals=Totals(merchandise_subtotal=money(found_subtotal)) if found_subtotal is not None else None,
            page_count=len(document.pages),
        )
