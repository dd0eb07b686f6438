"""Ground truth in the `extract --format json` shape, written from the source data alone.

What a row determines when OCR lost a price (domain doc 2b, issue 11 contract): with a billed
quantity (Qty Shipped on an invoice, Qty Ord on a confirmation) and an extended price above zero,
Your Price is extended / quantity, and the other printed price is the list price; a lost List Price
is then simply unknown. A row whose extended is 0.00 determines neither price from one printed
figure: both are unknown (None).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .creative_coop_model import CANONICAL_VENDOR, Invoice, Item, money


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(money(value))


def known_prices(item: Item) -> tuple[Decimal | None, Decimal | None]:
    """(list price, your price) as far as the printed row determines them."""
    if not item.dropped:
        return item.list_price, item.your_price
    if item.extended <= 0:
        return None, None
    return (item.list_price if item.dropped == "your_price" else None), item.your_price


def item_truth(item: Item, page: int) -> dict[str, Any]:
    list_price, your_price = known_prices(item)
    invoice_kind = item.kind == "invoice"
    return {
        "product_code": item.product_code,
        "upc": item.upc,
        "description": item.description,
        "qty_ordered": item.qty_shipped + item.qty_backordered if invoice_kind else item.qty_ordered,
        "qty_allocated": None if invoice_kind else item.qty_allocated,
        "qty_shipped": item.qty_shipped,
        "qty_backordered": item.qty_backordered,
        "unit": item.unit,
        "list_price": _amount(list_price),
        "unit_price": _amount(your_price),
        "extended_price": _amount(item.extended),
        "page": page,
    }


def expected_json(invoice: Invoice) -> dict[str, Any]:
    """Vendor (canonical spelling), document kind, header fields, every item in document order with
    its full description (lines joined by single spaces) and the page its row is printed on, and
    totals. Money is a plain decimal string (`"1440.00"`), as pydantic writes Decimal."""
    header = invoice.header
    pages = invoice.item_pages()
    return {
        "vendor": CANONICAL_VENDOR,
        "document_kind": header.kind,
        "invoice_number": header.number,
        "order_number": header.order_no,
        "order_date": header.order_date.isoformat(),
        "customer_number": header.customer_no,
        "po_number": header.po_no,
        "line_items": [item_truth(item, page) for item, page in zip(invoice.items, pages, strict=True)],
        "totals": {
            "merchandise_subtotal": _amount(invoice.subtotal),
            "tariff_surcharge_total": _amount(invoice.tariff_total),
            "freight": _amount(invoice.freight),
            "total": _amount(invoice.total),
        },
        "page_count": invoice.page_count,
    }


def recovered_codes(invoice: Invoice) -> list[str]:
    """Product codes whose Your Price was lost but follows from the row (a `recovered_prices` check)."""
    return [i.product_code for i in invoice.items if i.dropped == "your_price" and i.extended > 0]
