"""The Creative Co-op parser: header, line items and totals, for confirmations and invoices.

Rows come from word positions whenever the document has them (a PDF, Document AI tokens) and a
column header to go by; from the text's reading order otherwise.
"""

from __future__ import annotations

from ...document import Document
from ...models import ParsedInvoice, QualityCheck
from .detect import creative_coop_score
from .header import read_header
from .kind import document_kind
from .patterns import PAGE_TOTAL
from .positions import items_from_positions
from .rows import INVOICE, Recovered, recover_your_price, to_item
from .text_table import first_row_index, items_from_text
from .totals import parse_totals


class CreativeCoopParser:
    name = "Creative Co-op"

    def score(self, document: Document) -> float:
        return creative_coop_score(document)

    def parse(self, document: Document) -> ParsedInvoice:
        first_page = document.pages[0].lines if document.pages else []
        header = read_header(document, first_page[: first_row_index(first_page)])
        kind = document_kind(document)
        read = items_from_positions(document, kind) if document.has_positions else None
        if read is None:
            read = items_from_text(document, header.values(), kind)
        rows, totals_lines, unread = read
        recovered = Recovered()
        for cells in rows:
            recover_your_price(cells, kind, recovered)
            if cells.your_price is None:  # which printed price is which, the row cannot say
                cells.list_price = None
        invoice_number = header.invoice_number if kind == INVOICE else header.order_number
        return ParsedInvoice(
            vendor=self.name,
            document_kind=kind,
            invoice_number=invoice_number or header.order_number,
            order_number=header.order_number if kind == INVOICE else invoice_number,
            order_date=header.order_date,
            customer_number=header.customer_number,
            po_number=header.po_number,
            line_items=[to_item(cells, kind) for cells in rows],
            totals=parse_totals(totals_lines),
            page_count=max(len(document.pages), printed_page_count(document)),
            parser_checks=_checks(recovered, unread),
        )


def _checks(recovered: Recovered, unread: list[str]) -> list[QualityCheck]:
    checks = []
    if recovered.codes:
        checks.append(
            QualityCheck(
                name="recovered_prices",
                passed=True,
                detail="Your Price not printed, recovered as extended / quantity for "
                + ", ".join(recovered.codes),
            )
        )
    if unread:
        checks.append(
            QualityCheck(
                name="rows_read",
                passed=False,
                detail=f"{len(unread)} rows whose numbers could not be read: " + ", ".join(unread[:10]),
            )
        )
    return checks


def printed_page_count(document: Document) -> int:
    """The M of `Page N of M`: a Document AI JSON without page boundaries still says it."""
    return max((int(m.group(1)) for m in PAGE_TOTAL.finditer(document.text)), default=0)
