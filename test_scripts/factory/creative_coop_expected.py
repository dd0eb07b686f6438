"""Ground truth in the `extract --format json` shape, written from the source data alone."""

from __future__ import annotations

from typing import Any

from .creative_coop_model import CANONICAL_VENDOR, Invoice, money


def _amount(value) -> str:
    return str(money(value))


def expected_json(invoice: Invoice) -> dict[str, Any]:
    """Vendor (canonical spelling), header fields, every item in document order with its full
    description (lines joined by single spaces) and the page its row is printed on, and totals.
    Money is a plain decimal string (`"1440.00"`), as pydantic writes Decimal."""
    header = invoice.header
    pages = invoice.item_pages()
    return {
        "vendor": CANONICAL_VENDOR,
        "invoice_number": header.order_no,
        "order_date": header.order_date.isoformat(),
        "customer_number": header.customer_no,
        "po_number": header.po_no,
        "line_items": [
            {
                "product_code": item.product_code,
                "upc": item.upc,
                "description": item.description,
                "qty_ordered": item.qty_ordered,
                "qty_allocated": item.qty_allocated,
                "qty_shipped": item.qty_shipped,
                "qty_backordered": item.qty_backordered,
                "unit": item.unit,
                "list_price": _amount(item.list_price),
                "unit_price": _amount(item.your_price),
                "extended_price": _amount(item.extended),
                "page": page,
            }
            for item, page in zip(invoice.items, pages, strict=True)
        ],
        "totals": {
            "merchandise_subtotal": _amount(invoice.subtotal),
            "tariff_surcharge_total": _amount(invoice.tariff_total),
            "freight": _amount(invoice.freight),
            "total": _amount(invoice.total),
        },
        "page_count": invoice.page_count,
    }
