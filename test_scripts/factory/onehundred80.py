"""One Hundred 80 Degrees invoices: `SKU UPC QTY UOM(EA/ST) Description Unit Price Extended`.

Source data: the purchase-order number (the business's invoice number for this vendor), a separate
vendor invoice number that must NOT be taken for it, the order date, and items whose SKUs look
like Creative Co-op product codes (`HO1234`, `SP2345A`) on purpose: detection must rest on the
vendor's name and layout, not on code shapes. Long descriptions wrap inside their column.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .generic import (
    BOLD,
    FONT,
    PAGE_HEIGHT,
    DocAIText,
    fmt_money,
    money,
    new_canvas,
    paginate,
    with_check_digit,
    wrap,
    write_golden,
)

VENDOR = "OneHundred80"
UPC_PREFIX = "810047"
DESC_WIDTH, DESC_SIZE = 190.0, 7.5
ROWS_PER_PAGE = 36
COLUMNS = ("SKU", "UPC", "QTY", "UOM(EA/ST)", "Description", "Unit Price", "Extended")


@dataclass(frozen=True)
class Item:
    sku: str
    upc: str | None
    qty: int
    uom: str
    description: str
    unit_price: Decimal

    @property
    def extended(self) -> Decimal:
        return money(self.qty * self.unit_price)


@dataclass
class Order:
    po: str
    invoice_no: str
    date: dt.date
    items: list[Item]
    freight: Decimal = Decimal("18.75")

    @property
    def subtotal(self) -> Decimal:
        return sum((i.extended for i in self.items), Decimal(0))


THINGS = (
    "Snowman Ornament",
    "Glitter Pumpkin Pick",
    "Gnome Shelf Sitter w/ Knit Hat",
    "Bunny Figurine",
    "Beaded Garland",
    "Felt Acorn Bowl Filler",
    "Wood Bead Tassel",
    "LED Lighted Tree",
    "Jute Bow",
    "Velvet Pumpkin",
    "Ceramic Mushroom",
    "Fabric Santa w/ Lantern",
    "Stocking Holder",
    "Egg Cup Set",
)
SIZES = ('5-5.75"', '3.25"', '8.5"H', '12"', '2" - 3.25"', '18"L', '6"', '10.5"H')
EXTRAS = (
    "3 Asst",
    "2 Styles",
    "Red/White",
    "Battery Operated w/ Timer",
    "Set of 4",
    "Gold Glitter",
    "Hand Painted, Each One Unique",
    "Natural",
)


def random_description(rng: random.Random) -> str:
    parts = [rng.choice(THINGS)]
    if rng.random() < 0.8:
        parts.append(rng.choice(SIZES))
    parts += rng.sample(EXTRAS, rng.randint(0, 2))
    return ", ".join(parts) if rng.random() < 0.5 else " ".join(parts)


def random_order(rng: random.Random, items: int | None = None) -> Order:
    count = items if items is not None else rng.randint(1, 50)
    skus: set[str] = set()
    products = []
    while len(products) < count:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTWXY") for _ in range(2))
        sku = f"{letters}{rng.randint(1000, 9999)}{rng.choice(('', '', 'A', 'B'))}"
        if sku in skus:
            continue
        skus.add(sku)
        upc = with_check_digit(UPC_PREFIX + f"{rng.randint(0, 99999):05d}") if rng.random() < 0.9 else None
        uom = "ST" if rng.random() < 0.25 else "EA"
        price = Decimal(rng.randint(150, 6000)) / 100
        products.append(
            Item(
                sku,
                upc,
                rng.choice((2, 3, 4, 6, 8, 12, 24, 36, 48, 120)),
                uom,
                random_description(rng),
                price,
            )
        )
    return Order(
        po=f"FH{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(24, 26)}",
        invoice_no=f"INV{rng.randint(10000, 99999)}",
        date=dt.date(rng.randint(2024, 2026), rng.randint(1, 12), rng.randint(1, 28)),
        items=products,
    )


def reference_order() -> Order:
    """Purchase order FH041725: 12 items, one of them 1,000+ extended, two wrapped descriptions."""
    rows = [
        ("HO1234", "81004712345", 12, "EA", 'Snowman Ornament 5-5.75"', "3.25"),
        ("HO1240A", "81004712346", 6, "ST", "Egg Cup Set, Set of 4, Red/White", "9.50"),
        ("SP2345", "81004712347", 24, "EA", 'Glitter Pumpkin Pick 12", 3 Asst', "2.75"),
        (
            "GN3310",
            "81004712348",
            4,
            "EA",
            'Gnome Shelf Sitter w/ Knit Hat 8.5"H, Hand Painted, Each One Unique',
            "14.00",
        ),
        ("BF0456", "81004712349", 8, "EA", 'Bunny Figurine 6", 2 Styles', "6.50"),
        ("GL7781", None, 36, "EA", 'Beaded Garland 18"L Natural', "4.25"),
        ("AC1102", "81004712350", 12, "ST", "Felt Acorn Bowl Filler, Set of 4", "5.00"),
        (
            "TR9020B",
            "81004712351",
            120,
            "EA",
            'LED Lighted Tree 10.5"H, Battery Operated w/ Timer, Gold Glitter',
            "8.75",
        ),
        ("JB0310", "81004712352", 48, "EA", "Jute Bow, Natural", "1.80"),
        ("VP5512", "81004712353", 6, "EA", 'Velvet Pumpkin 3.25"', "7.40"),
        ("CM2208", "81004712354", 12, "EA", 'Ceramic Mushroom 2" - 3.25", 3 Asst', "3.60"),
        ("SH4471", "81004712355", 3, "EA", "Stocking Holder", "12.00"),
    ]
    items = [Item(s, with_check_digit(u) if u else None, q, m, d, Decimal(p)) for s, u, q, m, d, p in rows]
    return Order(po="FH041725", invoice_no="INV48211", date=dt.date(2025, 4, 17), items=items)


# --- rendering ----------------------------------------------------------------------------------


def _header(order: Order) -> list[tuple[str, str]]:
    return [
        ("Invoice #:", order.invoice_no),
        ("Order Date:", order.date.strftime("%m/%d/%Y")),
        ("P.O. Number:", order.po),
        ("Terms:", "Net 30"),
    ]


def _item_rows(item: Item) -> int:
    return len(wrap(item.description, DESC_WIDTH, DESC_SIZE))


def _pages(order: Order) -> list[list[Item]]:
    return paginate(order.items, _item_rows, ROWS_PER_PAGE)


def _footer(order: Order) -> list[str]:
    return [
        f"Subtotal {fmt_money(order.subtotal)}",
        f"Freight {fmt_money(order.freight)}",
        f"Total {fmt_money(order.subtotal + order.freight)}",
    ]


def render_pdf(order: Order) -> bytes:
    buffer, pdf = new_canvas()
    pages = _pages(order)
    for number, items in enumerate(pages, 1):
        top = PAGE_HEIGHT - 48
        pdf.setFont(BOLD, 13)
        pdf.drawString(36, top, "One Hundred 80 Degrees")
        pdf.setFont(FONT, 8)
        pdf.drawString(36, top - 12, "onehundred80degrees.com")
        pdf.setFont(BOLD, 14)
        pdf.drawRightString(576, top, "INVOICE")
        pdf.setFont(FONT, 8.5)
        for n, (label, value) in enumerate(_header(order)):
            pdf.drawString(400, top - 20 - 11 * n, label)
            pdf.drawString(470, top - 20 - 11 * n, value)
        pdf.drawString(36, top - 40, "Bill To: The Freckled Hen")
        y = top - 80
        pdf.setFont(BOLD, 7.5)
        for title, x in (("SKU", 36), ("UPC", 86), ("QTY", 160), ("UOM(EA/ST)", 182), ("Description", 236)):
            pdf.drawString(x, y, title)
        pdf.drawRightString(506, y, "Unit Price")
        pdf.drawRightString(576, y, "Extended")
        pdf.setFont(FONT, DESC_SIZE)
        for item in items:
            y -= 12
            lines = wrap(item.description, DESC_WIDTH, DESC_SIZE)
            pdf.drawString(36, y, item.sku)
            if item.upc:
                pdf.drawString(86, y, item.upc)
            pdf.drawRightString(175, y, str(item.qty))
            pdf.drawString(190, y, item.uom)
            pdf.drawString(236, y, lines[0])
            pdf.drawRightString(506, y, fmt_money(item.unit_price))
            pdf.drawRightString(576, y, fmt_money(item.extended))
            for more in lines[1:]:
                y -= 10
                pdf.drawString(236, y, more)
        if number == len(pages):
            y -= 24
            for line in _footer(order):
                pdf.drawString(440, y, line)
                y -= 11
        pdf.drawString(36, 36, f"Page {number} of {len(pages)}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def render_docai(order: Order) -> dict[str, Any]:
    """One row per line, the description's wrapped rest below; header labels and values apart."""
    doc = DocAIText()
    pages = _pages(order)
    for number, items in enumerate(pages, 1):
        pairs = _header(order)
        lines = ["One Hundred 80 Degrees", "onehundred80degrees.com", "INVOICE"]
        lines += [label for label, _ in pairs] + [value for _, value in pairs]
        lines += ["Bill To: The Freckled Hen", " ".join(COLUMNS)]
        for item in items:
            wrapped = wrap(item.description, DESC_WIDTH, DESC_SIZE)
            cells = [
                item.sku,
                item.upc or "",
                str(item.qty),
                item.uom,
                wrapped[0],
                fmt_money(item.unit_price),
                fmt_money(item.extended),
            ]
            lines.append(" ".join(c for c in cells if c))
            lines += wrapped[1:]
        if number == len(pages):
            lines += _footer(order)
        lines.append(f"Page {number} of {len(pages)}")
        doc.add_page(lines)
    doc.add_entity("supplier_name", "One Hundred 80 Degrees")
    doc.add_entity("invoice_id", order.invoice_no)
    doc.add_entity("purchase_order", order.po)
    return doc.to_json()


def expected_json(order: Order) -> dict[str, Any]:
    page_of = {item.sku: n for n, items in enumerate(_pages(order), 1) for item in items}
    return {
        "vendor": VENDOR,
        "invoice_number": order.po,
        "order_date": order.date.isoformat(),
        "po_number": order.po,
        "line_items": [
            {
                "product_code": i.sku,
                "upc": i.upc,
                "description": i.description,
                "qty_ordered": i.qty,
                "unit": i.uom,
                "list_price": None,
                "unit_price": str(i.unit_price),
                "extended_price": str(i.extended),
                "page": page_of[i.sku],
            }
            for i in order.items
        ],
        "totals": {"merchandise_subtotal": str(order.subtotal)},
    }


def build_goldens(out: Path) -> list[Path]:
    order = reference_order()
    return write_golden(
        out, f"onehundred80-{order.po.lower()}", render_pdf(order), render_docai(order), expected_json(order)
    )
