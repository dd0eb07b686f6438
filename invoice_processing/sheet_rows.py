"""Invoice -> rows for columns B:G of the sheet (domain doc section 4). Column A stays the business's."""

from __future__ import annotations

from .models import Invoice, LineItem

SHEET_COLUMNS = ("Order Date", "Vendor", "INV", "Item", "Wholesale", "Qty")


def item_text(item: LineItem) -> str:
    parts = [item.product_code]
    if item.upc:
        parts.append(f"UPC: {item.upc}")
    if item.description:
        parts.append(item.description)
    return " - ".join(parts)


def sheet_rows(invoice: Invoice) -> list[list[str | int]]:
    """One row per item actually ordered; rows with Qty Ord 0 are cancelled items and left out."""
    order_date = (
        f"{invoice.order_date.month}/{invoice.order_date.day}/{invoice.order_date.year}"
        if invoice.order_date
        else ""
    )
    return [
        [
            order_date,
            invoice.vendor,
            invoice.invoice_number or "",
            item_text(item),
            f"${item.unit_price:,.2f}" if item.unit_price is not None else "",
            item.qty_ordered,
        ]
        for item in invoice.line_items
        if item.qty_ordered > 0
    ]
