"""The Creative Co-op parser: header, line items and totals, from Document AI text or a PDF."""

from __future__ import annotations

from ...document import Document
from ...models import ParsedInvoice
from .detect import creative_coop_score
from .header import read_header
from .patterns import PAGE_TOTAL
from .pdf_table import items_from_positions
from .text_table import first_row_index, items_from_text
from .totals import parse_totals


class CreativeCoopParser:
    name = "Creative Co-op"

    def score(self, document: Document) -> float:
        return creative_coop_score(document)

    def parse(self, document: Document) -> ParsedInvoice:
        first_page = document.pages[0].lines if document.pages else []
        header = read_header(document, first_page[: first_row_index(first_page)])
        if document.origin == "pdf" and document.has_positions:
            items, totals_lines = items_from_positions(document)
        else:
            items, totals_lines = items_from_text(document, header.values())
        return ParsedInvoice(
            vendor=self.name,
            invoice_number=header.invoice_number,
            order_date=header.order_date,
            customer_number=header.customer_number,
            po_number=header.po_number,
            line_items=items,
            totals=parse_totals(totals_lines),
            page_count=max(len(document.pages), printed_page_count(document)),
        )


def printed_page_count(document: Document) -> int:
    """The M of `Page N of M`: a Document AI JSON without page boundaries still says it."""
    return max((int(m.group(1)) for m in PAGE_TOTAL.finditer(document.text)), default=0)
