"""Invoice -> rows for columns B:G of the sheet (domain doc section 4). Column A stays the business's."""

from __future__ import annotations

from .models import Invoice, LineItem
from .quality import is_cancelled

SHEET_COLUMNS = ("Order Date", "Vendor", "INV", "Item", "Wholesale", "Qty")


def item_text(item: LineItem) -> str:
    """`XS9826A - UPC: 191009727774 - 6"H Metal Ballerina Ornament, Sage`; a part the document does
    not print is left out with its separator (no code: `UPC: … - Laptop`, or just `Laptop`)."""
    parts = [item.product_code, f"UPC: {item.upc}" if item.upc else "", item.description]
    return " - ".join(part for part in parts if part)


def sheet_quantity(invoice: Invoice, item: LineItem) -> int:
    """The Qty column: what shipped on an invoice, what was ordered otherwise; 0 means no row
    (nothing shipped, Qty Ord 0, or a cancelled confirmation row)."""
    if invoice.document_kind == "invoice":
        return item.qty_shipped or 0
    return 0 if is_cancelled(item) else item.qty_ordered


def sheet_rows(invoice: Invoice) -> list[list[str | int]]:
    """One row per item the business receives (domain doc section 4)."""
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
            quantity,
        ]
        for item in invoice.line_items
        if (quantity := sheet_quantity(invoice, item)) > 0
    ]
