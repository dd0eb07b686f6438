"""Creative Co-op invoice -> a Document AI `Document` (REST JSON) in one of three reading orders.

Document AI reads these tables differently from one invoice to the next (domain doc section 2):
  1: one cell per line (code / UPC / description lines / RT / four quantities / U/M / three prices);
  2: one row per line with the first description line inline, the rest on the following lines;
  3: one row per line without the description, then the whole description on following lines.
Page headers are repeated between pages, so a description cut by a page break resumes after the
next page's header. Header labels are separated from their values as the header's layout says.
Entities are as unreliable as the real processor's: rows dropped, rows merged, `quantity` holding
the back-ordered count, `unit_price` the list price, `invoice_id` sometimes missing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Literal

from .creative_coop_model import Header, Invoice, Item, TableLine, fmt_money
from .creative_coop_pdf import LABELS, PAGE_HEIGHT, PAGE_WIDTH, SHIP_TO, SOLD_TO, VENDOR_ADDRESS
from .generic import DocAIText

ReadingOrder = Literal[1, 2, 3]
HEADINGS = (
    "Product Code",
    "UPC",
    "Description",
    "RT",
    "Qty Ord",
    "Qty Alloc",
    "Qty Shipped",
    "Qty BkOrd",
    "U/M",
    "List Price",
    "Your Price",
    "Your Extd Price",
)


@dataclass(frozen=True)
class EntityNoise:
    """How unreliable the `line_item` entities are (probabilities per row)."""

    drop: float = 0.15
    merge: float = 0.1
    quantity_is_backordered: float = 0.25
    unit_price_is_list: float = 0.3
    invoice_id_missing: float = 0.5


def _header_values(header: Header) -> tuple[str, ...]:
    return header.order_no, header.order_date_text, header.customer_no, header.po_no


def header_lines(header: Header, number: int, count: int, order: ReadingOrder) -> list[str]:
    """One page's header as Document AI reads it, labels and values apart unless `inline`."""
    lines = [header.vendor_name, *VENDOR_ADDRESS, header.title]
    page_line = f"Page {number} of {count}"
    parties = ["SOLD TO:", *SOLD_TO, "SHIP TO:", *SHIP_TO]
    values = _header_values(header)
    if header.label_layout == "inline":
        lines += [
            page_line,
            *(f"{label} {value}" for label, value in zip(LABELS, values, strict=True)),
            *parties,
        ]
    elif header.label_layout == "stacked":
        lines += [page_line, *LABELS, *values, *parties]
    else:
        lines += [*LABELS, page_line, *parties, *values]
    lines.append("TERMS: NET 30 SHIP VIA: UPS GROUND SALESPERSON: HOUSE")
    lines += list(HEADINGS) if order == 1 else [" ".join(HEADINGS)]
    return lines


def _numbers(item: Item) -> list[str]:
    return [
        *([item.rt] if item.rt else []),
        str(item.qty_ordered),
        str(item.qty_allocated),
        str(item.qty_shipped),
        str(item.qty_backordered),
        item.unit,
        fmt_money(item.list_price),
        fmt_money(item.your_price),
        fmt_money(item.extended),
    ]


def _same_page_description(page: list[TableLine], position: int, item: Item) -> list[str]:
    """Description lines of the row at `position` that are printed on the same page, in order."""
    following = page[position + 1 : position + len(item.description_lines)]
    parts = [line.part for line in following if line.kind == "desc" and line.item == page[position].item]
    return [item.description_lines[part] for part in parts]


def table_text_lines(invoice: Invoice, page: list[TableLine], order: ReadingOrder) -> list[str]:
    out: list[str] = []
    consumed: set[int] = set()  # continuation lines already read together with their row
    for position, line in enumerate(page):
        item = invoice.items[line.item]
        if line.kind == "row":
            same_page = _same_page_description(page, position, item)
            consumed.update(range(position + 1, position + 1 + len(same_page)))
            first = item.description_lines[0]
            if order == 1:
                out += [item.product_code, item.upc, first, *same_page, *_numbers(item)]
            elif order == 2:
                out += [" ".join([item.product_code, item.upc, first, *_numbers(item)]), *same_page]
            else:
                out += [" ".join([item.product_code, item.upc, *_numbers(item)]), first, *same_page]
        elif line.kind == "desc" and position not in consumed:
            out.append(item.description_lines[line.part])
        elif line.kind == "tariff":
            out.append(f"Tariff Surcharge {fmt_money(item.tariff)}")
        elif line.kind == "tariff_label":
            out.append("Tariff Surcharge")
        elif line.kind == "tariff_amount":
            out.append(fmt_money(item.tariff))
    return out


def totals_lines(invoice: Invoice, order: ReadingOrder) -> list[str]:
    totals = (
        ("Merchandise Subtotal", invoice.subtotal),
        ("Tariff Surcharge Total", invoice.tariff_total),
        ("Freight", invoice.freight),
        ("Total", invoice.total),
    )
    if order == 1:
        return [text for label, amount in totals for text in (label, fmt_money(amount))]
    return [f"{label} {fmt_money(amount)}" for label, amount in totals]


def _line_item_entities(invoice: Invoice, rng: random.Random, noise: EntityNoise) -> list[dict[str, Any]]:
    entities = []
    index = 0
    while index < len(invoice.items):
        item = invoice.items[index]
        merged = index + 1 < len(invoice.items) and rng.random() < noise.merge
        if rng.random() < noise.drop and not merged:
            index += 1
            continue
        quantity = item.qty_backordered if rng.random() < noise.quantity_is_backordered else item.qty_ordered
        price = item.list_price if rng.random() < noise.unit_price_is_list else item.your_price
        mention = f"{item.product_code} {item.upc} {item.description} {fmt_money(item.extended)}"
        if merged:
            other = invoice.items[index + 1]
            mention += f" {other.product_code} {other.upc} {other.description} {fmt_money(other.extended)}"
        props = [
            ("line_item/product_code", item.product_code),
            ("line_item/description", item.description_lines[0]),
            ("line_item/quantity", str(quantity)),
            ("line_item/unit_price", fmt_money(price)),
            ("line_item/amount", fmt_money(item.extended)),
        ]
        entities.append(
            {
                "type": "line_item",
                "mentionText": mention,
                "confidence": round(rng.uniform(0.35, 0.95), 4),
                "properties": [
                    {"type": t, "mentionText": v, "confidence": round(rng.uniform(0.3, 0.99), 4)}
                    for t, v in props
                ],
            }
        )
        index += 2 if merged else 1
    return entities


def _header_entities(
    invoice: Invoice, rng: random.Random, noise: EntityNoise, text: str
) -> list[dict[str, Any]]:
    header = invoice.header
    entities: list[dict[str, Any]] = [
        {"type": "supplier_name", "mentionText": header.vendor_name, "confidence": 0.91},
        {
            "type": "invoice_date",
            "mentionText": header.order_date_text,
            "normalizedValue": {"text": header.order_date.isoformat()},
            "confidence": 0.88,
        },
        {"type": "purchase_order", "mentionText": header.po_no, "confidence": 0.62},
        {"type": "net_amount", "mentionText": fmt_money(invoice.subtotal), "confidence": 0.7},
        {"type": "total_amount", "mentionText": fmt_money(invoice.total), "confidence": 0.83},
    ]
    if rng.random() >= noise.invoice_id_missing:
        start = text.index(header.order_no)
        entities.insert(
            0,
            {
                "type": "invoice_id",
                "mentionText": header.order_no,
                "textAnchor": DocAIText.anchor(start, start + len(header.order_no)),
                "confidence": 0.79,
            },
        )
    return entities


def render_docai(
    invoice: Invoice,
    order: ReadingOrder,
    *,
    seed: int = 0,
    noise: EntityNoise | None = None,
    snake_case: bool = False,
) -> dict[str, Any]:
    """The invoice as Document AI would return it, in reading order `order` (1, 2 or 3).
    `seed` drives the entity noise only; the text is fully determined by the invoice."""
    if order not in (1, 2, 3):
        raise ValueError(f"reading order must be 1, 2 or 3, got {order!r}")
    rng = random.Random(seed)
    doc = DocAIText(PAGE_WIDTH, PAGE_HEIGHT, orientation="PAGE_UP")
    table_pages = invoice.pages()
    for number, table in enumerate(table_pages, start=1):
        page_lines = header_lines(invoice.header, number, len(table_pages), order)
        page_lines += table_text_lines(invoice, table, order)
        if number == len(table_pages):
            page_lines += totals_lines(invoice, order)
        doc.add_page(page_lines)
    noise = noise or EntityNoise()
    doc.entities = _header_entities(invoice, rng, noise, doc.text) + _line_item_entities(invoice, rng, noise)
    document = doc.to_json()
    return to_snake_case(document) if snake_case else document


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def to_snake_case(value: Any) -> Any:
    """The same document with snake_case keys (`text_anchor`, `start_index`, ...)."""
    if isinstance(value, dict):
        return {_snake(k): to_snake_case(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_snake_case(v) for v in value]
    return value
