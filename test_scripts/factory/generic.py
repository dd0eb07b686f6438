"""Generic-vendor invoices (Rifle Paper Co. style) and the rendering helpers the other-vendor
generators share (Document AI REST JSON, a reportlab page, money formatting).

A Rifle Paper invoice reaches the extractor as Document AI JSON with `line_item` entities, some of
which merge two products into one entity (`NPU001 842967188700 7.00 4 28.00 CAL094 ...`), or as a
PDF with no entities at all. The text also carries a stray code-like token (`AB1234`) that must
not make it look like Creative Co-op. Ground truth comes from the source data below, never from
the extractor.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

CENT = Decimal("0.01")
PAGE_WIDTH, PAGE_HEIGHT = letter
FONT, BOLD = "Helvetica", "Helvetica-Bold"
T = TypeVar("T")


# --- shared helpers -----------------------------------------------------------------------------


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    return f"{money(value):,.2f}"


def gtin_check_digit(payload: str) -> int:
    """Check digit for a GTIN payload (UPC-A 11 digits, EAN-13 12 digits): weights 3,1 from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def with_check_digit(payload: str) -> str:
    return payload + str(gtin_check_digit(payload))


def wrap(text: str, width: float, size: float, font: str = FONT) -> list[str]:
    """Greedy word wrap by the font's glyph widths, as the PDF renderer draws it."""
    lines: list[str] = []
    for word in text.split():
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def paginate(items: Sequence[T], height_of: Callable[[T], int], rows_per_page: int) -> list[list[T]]:
    """Fill pages in order; an item that would overflow the page starts the next one (a page never
    starts empty, so an item taller than a page gets one to itself)."""
    pages: list[list[T]] = [[]]
    used = 0
    for item in items:
        height = height_of(item)
        if used + height > rows_per_page and pages[-1]:
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += height
    return pages


def new_canvas() -> tuple[io.BytesIO, canvas.Canvas]:
    buffer = io.BytesIO()
    # invariant=1: no timestamps or random ids, so a rebuild is byte-identical.
    return buffer, canvas.Canvas(buffer, pagesize=letter, invariant=1)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_golden(
    out: Path, stem: str, pdf: bytes, docai: dict[str, Any], expected: dict[str, Any]
) -> list[Path]:
    """Write `<stem>.pdf`, `<stem>.docai.json` and `<stem>.expected.json` under `out`."""
    paths = [out / f"{stem}.pdf", out / f"{stem}.docai.json", out / f"{stem}.expected.json"]
    paths[0].write_bytes(pdf)
    write_json(paths[1], docai)
    write_json(paths[2], expected)
    return paths


class DocAIText:
    """Builds a Document AI `Document` in REST JSON: text, pages with lines, entities.

    Indices are strings (int64 in REST JSON) and `startIndex` is omitted when it is 0, as the
    real API writes them. `orientation` (e.g. `PAGE_UP`), when given, is added to every page and
    line layout.
    """

    def __init__(
        self, width: float = PAGE_WIDTH, height: float = PAGE_HEIGHT, orientation: str | None = None
    ) -> None:
        self.text = ""
        self.pages: list[dict[str, Any]] = []
        self.entities: list[dict[str, Any]] = []
        self.width, self.height = width, height
        self.orientation = orientation

    @staticmethod
    def anchor(start: int, end: int) -> dict[str, Any]:
        segment: dict[str, str] = {"endIndex": str(end)}
        if start:
            segment = {"startIndex": str(start), **segment}
        return {"textSegments": [segment]}

    def _layout(self, start: int, end: int) -> dict[str, Any]:
        layout: dict[str, Any] = {"textAnchor": self.anchor(start, end)}
        if self.orientation is not None:
            layout["orientation"] = self.orientation
        return layout

    def add_page(self, lines: list[str]) -> list[tuple[int, int]]:
        """Append a page of lines; returns each line's (start, end) in the document text."""
        page_start = len(self.text)
        spans, layouts = [], []
        for line in lines:
            start = len(self.text)
            self.text += line + "\n"
            spans.append((start, start + len(line)))
            layouts.append({"layout": self._layout(start, start + len(line) + 1)})
        self.pages.append(
            {
                "pageNumber": len(self.pages) + 1,
                "dimension": {"width": self.width, "height": self.height, "unit": "points"},
                "layout": self._layout(page_start, len(self.text)),
                "lines": layouts,
            }
        )
        return spans

    def entity(
        self,
        type_: str,
        start: int,
        end: int,
        properties: list[dict[str, Any]] | None = None,
        normalized: str | None = None,
        confidence: float = 0.9,
    ) -> dict[str, Any]:
        entity: dict[str, Any] = {
            "type": type_,
            "mentionText": self.text[start:end],
            "confidence": confidence,
            "textAnchor": self.anchor(start, end),
        }
        if normalized is not None:
            entity["normalizedValue"] = {"text": normalized}
        if properties:
            entity["properties"] = properties
        return entity

    def find(self, needle: str, start: int = 0, end: int | None = None) -> tuple[int, int]:
        at = self.text.index(needle, start, len(self.text) if end is None else end)
        return at, at + len(needle)

    def add_entity(self, type_: str, needle: str, after: int = 0, **kwargs: Any) -> None:
        start, end = self.find(needle, after)
        self.entities.append(self.entity(type_, start, end, **kwargs))

    def to_json(self) -> dict[str, Any]:
        return {
            "mimeType": "application/pdf",
            "text": self.text,
            "pages": self.pages,
            "entities": self.entities,
        }


# --- Rifle Paper source data --------------------------------------------------------------------

SUPPLIER = "Rifle Paper Co."
UPC_PREFIX = "842967"
CODE_PREFIXES = ("NPU", "CAL", "GCM", "PLN", "JOU", "STK", "CRD", "GFT", "PZL", "WRP", "BKM", "PCS")
SUBJECTS = (
    "Herb Garden",
    "Peonies",
    "Wildwood",
    "Botanical",
    "Strawberry Fields",
    "Le Jardin",
    "Garden Party",
    "Fiesta",
    "Citrus Grove",
    "Menagerie",
    "Hydrangea",
    "English Rose",
    "Lively Floral",
    "Camont",
)
PRODUCTS = (
    "Notepad",
    "Wall Calendar",
    "Greeting Card, Boxed Set of 8",
    "Spiral Notebook",
    "Memo Pad",
    "Sticker Sheet",
    "Wrapping Sheet, Roll of 3",
    "1000pc Jigsaw Puzzle",
    "Planner 17-Month",
    "Pencil Set of 12",
    "Desk Calendar",
    "Gift Tags w/ String (Pack of 8)",
    "Bookmark & Card",
    "Postcard Set of 10",
    'Journal 5" x 8"',
)


@dataclass(frozen=True)
class RifleItem:
    code: str
    upc: str
    description: str
    unit_price: Decimal
    qty: int

    @property
    def amount(self) -> Decimal:
        return money(self.qty * self.unit_price)


@dataclass
class RifleInvoice:
    number: str
    date: dt.date
    po: str
    items: list[RifleItem]
    stray_token: str = "AB1234"
    shipping: Decimal = Decimal("12.50")
    #: Pairs of item indexes Document AI merged into one entity (the first index of each pair).
    merged: tuple[int, ...] = ()
    #: Entities whose `quantity` property Document AI left out (the row's text still has it).
    no_quantity: tuple[int, ...] = ()
    #: Entities whose `product_code` property holds the UPC instead of the item code.
    upc_as_code: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def subtotal(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal(0))


def random_rifle_invoice(
    rng: random.Random, items: int | None = None, merge_probability: float = 0.2
) -> RifleInvoice:
    count = items if items is not None else rng.randint(3, 18)
    codes: set[str] = set()
    products = []
    while len(products) < count:
        code = f"{rng.choice(CODE_PREFIXES)}{rng.randint(1, 199):03d}"
        if code in codes:
            continue
        codes.add(code)
        subject, product = rng.choice(SUBJECTS), rng.choice(PRODUCTS)
        description = (
            f"{rng.choice(('2025', '2026'))} {subject} {product}"
            if "Calendar" in product
            else f"{subject} {product}"
        )
        price = Decimal(
            rng.choice(("4.00", "5.50", "7.00", "9.00", "12.00", "16.00", "18.00", "24.00", "32.00", "38.00"))
        )
        products.append(
            RifleItem(
                code,
                with_check_digit(UPC_PREFIX + f"{rng.randint(0, 99999):05d}"),
                description,
                price,
                rng.choice((1, 2, 3, 4, 6, 8, 12, 24)),
            )
        )
    merged, index = [], 0
    while index < count - 1:
        if rng.random() < merge_probability:
            merged.append(index)
            index += 2
        else:
            index += 1
    singles = [i for i in range(count) if i not in merged and i - 1 not in merged]
    return RifleInvoice(
        number=str(rng.randint(3_000_000, 3_999_999)),
        date=dt.date(2025, rng.randint(1, 12), rng.randint(1, 28)),
        po=f"FH-{rng.randint(100, 9999)}",
        items=products,
        merged=tuple(merged),
        no_quantity=tuple(i for i in singles if rng.random() < 0.15),
        upc_as_code=tuple(i for i in singles if rng.random() < 0.15),
    )


def reference_rifle_invoice() -> RifleInvoice:
    """The golden Rifle Paper invoice: 9 products, two merged entities, the stray `AB1234`."""
    rows = [
        ("NPU001", "84296718870", "Herb Garden Notepad", "7.00", 4),
        ("CAL094", "84296718871", "2026 Botanical Wall Calendar", "16.00", 2),
        ("GCM005", "84296718872", "Peonies Greeting Card, Boxed Set of 8", "12.00", 3),
        ("JOU012", "84296718873", 'Wildwood Journal 5" x 8"', "18.00", 2),
        ("STK031", "84296718874", "Strawberry Fields Sticker Sheet", "4.00", 12),
        ("PZL007", "84296718875", "Le Jardin 1000pc Jigsaw Puzzle", "24.00", 1),
        ("PLN019", "84296718876", "Garden Party Planner 17-Month", "32.00", 2),
        ("WRP044", "84296718877", "Citrus Grove Wrapping Sheet, Roll of 3", "9.00", 6),
        ("PCS010", "84296718878", "Menagerie Postcard Set of 10", "5.50", 8),
    ]
    items = [RifleItem(c, with_check_digit(u), d, Decimal(p), q) for c, u, d, p, q in rows]
    return RifleInvoice(
        number="3104577",
        date=dt.date(2025, 5, 14),
        po="FH-0514",
        items=items,
        merged=(0, 5),
        no_quantity=(3,),
        upc_as_code=(7,),
    )


def _rifle_header(invoice: RifleInvoice) -> list[str]:
    # Labels listed before their values, as Document AI often reads a two-column header block.
    return [
        SUPPLIER,
        "558 Fern Avenue, Winter Park, FL 32789",
        "INVOICE",
        "Invoice Number:",
        "Invoice Date:",
        "Customer PO:",
        invoice.number,
        invoice.date.strftime("%m/%d/%Y"),
        invoice.po,
        "Sold To: The Freckled Hen",
        f"Store code {invoice.stray_token} - wholesale account",
        "Item UPC Price Qty Amount",
    ]


def _rifle_footer(invoice: RifleInvoice) -> list[str]:
    total = invoice.subtotal + invoice.shipping
    return [
        f"Subtotal {fmt_money(invoice.subtotal)}",
        f"Shipping {fmt_money(invoice.shipping)}",
        f"Total {fmt_money(total)}",
        "Thank you for your order!",
    ]


def _item_properties(doc: DocAIText, invoice: RifleInvoice, index: int, start: int) -> list[dict[str, Any]]:
    item = invoice.items[index]
    row_end = doc.text.index("\n", start)
    desc_start = row_end + 1
    props = []
    code_text = item.upc if index in invoice.upc_as_code else item.code
    props.append(doc.entity("line_item/product_code", *doc.find(code_text, start, row_end)))
    props.append(doc.entity("line_item/description", *doc.find(item.description, desc_start)))
    numbers = doc.text[start:row_end].split()
    # Row: CODE UPC PRICE QTY AMOUNT; locate each number by its position in the row.
    offsets, cursor = [], start
    for token in numbers:
        at = doc.text.index(token, cursor, row_end)
        offsets.append((at, at + len(token)))
        cursor = at + len(token)
    props.append(doc.entity("line_item/unit_price", *offsets[2], normalized=str(item.unit_price)))
    if index not in invoice.no_quantity:
        props.append(doc.entity("line_item/quantity", *offsets[3]))
    props.append(doc.entity("line_item/amount", *offsets[4], normalized=str(item.amount)))
    return props


def render_rifle_docai(invoice: RifleInvoice) -> dict[str, Any]:
    doc = DocAIText()
    body = []
    for item in invoice.items:
        body.append(
            f"{item.code} {item.upc} {fmt_money(item.unit_price)} {item.qty} {fmt_money(item.amount)}"
        )
        body.append(item.description)
    spans = doc.add_page(_rifle_header(invoice) + body + _rifle_footer(invoice))
    first_row = len(_rifle_header(invoice))
    doc.add_entity("supplier_name", SUPPLIER)
    doc.add_entity("invoice_id", invoice.number)
    doc.add_entity("invoice_date", invoice.date.strftime("%m/%d/%Y"), normalized=invoice.date.isoformat())
    doc.add_entity("purchase_order", invoice.po)
    index = 0
    while index < len(invoice.items):
        start = spans[first_row + 2 * index][0]
        width = 2 if index in invoice.merged else 1
        end = spans[first_row + 2 * (index + width) - 1][1]
        # A merged entity spans two products but carries only the first one's properties.
        doc.entities.append(
            doc.entity("line_item", start, end, properties=_item_properties(doc, invoice, index, start))
        )
        index += width
    doc.add_entity("total_amount", fmt_money(invoice.subtotal + invoice.shipping), after=spans[-3][0])
    return doc.to_json()


def render_rifle_pdf(invoice: RifleInvoice) -> bytes:
    """A one-page PDF with the table in fixed columns and no entities (the best-effort path)."""
    buffer, pdf = new_canvas()
    y = PAGE_HEIGHT - 54
    pdf.setFont(BOLD, 14)
    pdf.drawString(40, y, SUPPLIER)
    pdf.setFont(FONT, 9)
    pdf.drawString(40, y - 14, "558 Fern Avenue, Winter Park, FL 32789")
    pdf.setFont(BOLD, 16)
    pdf.drawRightString(572, y, "INVOICE")
    pdf.setFont(FONT, 9)
    for n, (label, value) in enumerate(
        (
            ("Invoice Number:", invoice.number),
            ("Invoice Date:", invoice.date.strftime("%m/%d/%Y")),
            ("Customer PO:", invoice.po),
        )
    ):
        pdf.drawString(400, y - 20 - 12 * n, label)
        pdf.drawString(480, y - 20 - 12 * n, value)
    pdf.drawString(40, y - 50, "Sold To: The Freckled Hen")
    pdf.drawString(40, y - 62, f"Store code {invoice.stray_token} - wholesale account")
    columns = {"Item": 40, "UPC": 95, "Description": 175}
    y -= 96
    pdf.setFont(BOLD, 8)
    for title, x in columns.items():
        pdf.drawString(x, y, title)
    for title, x in (("Price", 470), ("Qty", 510), ("Amount", 572)):
        pdf.drawRightString(x, y, title)
    pdf.setFont(FONT, 8)
    for item in invoice.items:
        y -= 14
        pdf.drawString(40, y, item.code)
        pdf.drawString(95, y, item.upc)
        pdf.drawString(175, y, item.description)
        pdf.drawRightString(470, y, fmt_money(item.unit_price))
        pdf.drawRightString(510, y, str(item.qty))
        pdf.drawRightString(572, y, fmt_money(item.amount))
    y -= 24
    for line in _rifle_footer(invoice):
        pdf.drawString(400, y, line)
        y -= 12
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def rifle_expected(invoice: RifleInvoice) -> dict[str, Any]:
    return {
        "vendor": SUPPLIER,
        "invoice_number": invoice.number,
        "order_date": invoice.date.isoformat(),
        "po_number": invoice.po,
        "line_items": [
            {
                "product_code": i.code,
                "upc": i.upc,
                "description": i.description,
                "qty_ordered": i.qty,
                "unit_price": str(i.unit_price),
                "extended_price": str(i.amount),
                "list_price": None,
                "page": 1,
            }
            for i in invoice.items
        ],
        "totals": {"merchandise_subtotal": str(invoice.subtotal)},
    }


def build_goldens(out: Path) -> list[Path]:
    invoice = reference_rifle_invoice()
    return write_golden(
        out,
        f"rifle-paper-{invoice.number}",
        render_rifle_pdf(invoice),
        render_rifle_docai(invoice),
        rifle_expected(invoice),
    )
