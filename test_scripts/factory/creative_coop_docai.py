"""Creative Co-op invoice -> a Document AI `Document` (REST JSON) in one of four reading orders,
with or without `pages[].tokens[]` (every word with its position on the page).

Document AI reads these tables differently from one document to the next (domain doc 2 and 2b):
  1: one cell per line (code / UPC / description lines / RT / quantities / U/M / prices);
  2: one row per line with the first description line inline, the rest on the following lines;
  3: one row per line without the description, then the whole description on following lines;
  4: column blocks: the codes, UPCs and descriptions of a few rows, then their numbers row by row
     or column by column (tariff rows mixed in). Ambiguous as text; only tokens untangle it.
Page headers are repeated between pages, so a description cut by a page break resumes after the
next page's header. Header labels are separated from their values as the header's layout says.
Page furniture: the footer ends each page; without tokens a `Continued` mark and a stamp are read
in the header zone, with tokens they come where a reader meets them (after the last row, or in the
middle of the table text). Entities are as unreliable as the real processor's: rows dropped, rows
merged, `quantity` holding the back-ordered count, `unit_price` the list price, `invoice_id`
sometimes missing.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from typing import Any, Literal

from .creative_coop_layout import COLUMNS, PAGE_HEIGHT, PAGE_WIDTH, Cell, PageCells, page_cells
from .creative_coop_model import Header, Invoice, TableLine, fmt_money
from .generic import DocAIText

ReadingOrder = Literal[1, 2, 3, 4]
Line = list[Cell]
ASCENT, DESCENT = 0.72, 0.21  # of the font size, as a glyph box reaches above/below the baseline
IDENT_COLUMNS = ("code", "upc", "desc")


@dataclass(frozen=True)
class EntityNoise:
    """How unreliable the `line_item` entities are (probabilities per row)."""

    drop: float = 0.15
    merge: float = 0.1
    quantity_is_backordered: float = 0.25
    unit_price_is_list: float = 0.3
    invoice_id_missing: float = 0.5


def _header_lines(header: Header, page: PageCells, order: ReadingOrder, marks: list[Cell]) -> list[Line]:
    lines: list[Line] = [[c] for c in page.vendor] + [[page.title]] + [[m] for m in marks]
    labels, values = page.labels, page.values
    parties = [[c] for c in page.parties]
    if header.label_layout == "inline":
        lines += [[page.page_line], *([label, value] for label, value in zip(labels, values, strict=True))]
        lines += parties
    elif header.label_layout == "stacked":
        lines += [[page.page_line], *([c] for c in labels), *([c] for c in values), *parties]
    else:
        lines += [*([c] for c in labels), [page.page_line], *parties, *([c] for c in values)]
    lines.append(page.terms)
    pairs = [[top] + ([bottom] if bottom else []) for top, bottom in page.headings]
    lines += pairs if order == 1 else [[c for pair in pairs for c in pair]]
    return lines


def _units(page: PageCells) -> list[list[tuple[TableLine, list[tuple[str, Cell]]]]]:
    """The page's table lines grouped by item (a row with its description and tariff lines)."""
    units: list[list[tuple[TableLine, list[tuple[str, Cell]]]]] = []
    for entry in page.table:
        if units and units[-1][0][0].item == entry[0].item:
            units[-1].append(entry)
        else:
            units.append([entry])
    return units


def _row_order_lines(page: PageCells, order: ReadingOrder) -> list[Line]:
    out: list[Line] = []
    for unit in _units(page):
        first, cells = unit[0]
        if first.kind != "row":  # continued from the previous page: printed lines as they are
            for _, line_cells in unit:
                out += [[c] for _, c in line_cells] if order == 1 else [[c for _, c in line_cells]]
            continue
        by_column = cells
        ident = [c for column, c in by_column if column in IDENT_COLUMNS]
        numbers = [c for column, c in by_column if column not in IDENT_COLUMNS]
        rest = unit[1:]
        descs = [line_cells[0][1] for line, line_cells in rest if line.kind == "desc"]
        if order == 1:
            out += [[c] for c in ident] + [[d] for d in descs] + [[c] for c in numbers]
        elif order == 2:
            out += [ident + numbers] + [[d] for d in descs]
        else:
            out += [[ident[0], ident[1], *numbers], [ident[2]]] + [[d] for d in descs]
        for line, line_cells in rest:
            if line.kind != "desc":
                out += [[c] for _, c in line_cells] if order == 1 else [[c for _, c in line_cells]]
    return out


def _column_block_lines(page: PageCells, columns: list[str], rng: random.Random) -> list[Line]:
    out: list[Line] = []
    units = _units(page)
    start = 0
    while start < len(units):
        block = units[start : start + rng.randint(2, 5)]
        start += len(block)
        entries = [entry for unit in block for entry in unit]
        tariff_codes_with_numbers = rng.random() < 0.5
        ident: list[Cell] = []
        numbers: list[tuple[str, Cell]] = []
        for line, cells in entries:
            for column, c in cells:
                is_tariff_code = line.kind.startswith("tariff") and column == "code"
                if column in IDENT_COLUMNS and not (is_tariff_code and tariff_codes_with_numbers):
                    ident.append(c)
                else:
                    numbers.append((column, c))
        if rng.random() < 0.5:  # row by row
            ordered = [c for _, c in numbers]
        else:  # column by column, left to right
            ordered = [c for _, c in sorted(numbers, key=lambda pair: columns.index(pair[0]))]
        out += [[c] for c in ident] + [[c] for c in ordered]
    return out


def _totals_lines(page: PageCells, order: ReadingOrder) -> list[Line]:
    if order == 1:
        return [[c] for pair in page.totals for c in pair]
    return [list(pair) for pair in page.totals]


def page_lines(
    invoice: Invoice, page: PageCells, order: ReadingOrder, tokens: bool, rng: random.Random
) -> list[Line]:
    marks = [c for c in (page.continued, page.stamp) if c is not None]
    head = _header_lines(invoice.header, page, order, [] if tokens else marks)
    if order == 4:
        table = _column_block_lines(page, list(COLUMNS[invoice.kind]), rng)
    else:
        table = _row_order_lines(page, order)
    if tokens:
        if page.stamp is not None:
            table.insert(rng.randint(0, len(table)), [page.stamp])
        if page.continued is not None:
            table.append([page.continued])
    lines = head + table + _totals_lines(page, order)
    if page.note is not None:
        lines.append([page.note])
    return lines + [[c] for c in page.footer]


def _poly(x0: float, top: float, x1: float, bottom: float, skew: float = 0.0) -> dict[str, Any]:
    """A box's corners, normalized; turned by `skew` degrees about the page centre (a scan fed in
    a little crooked)."""
    points = [(x0, top), (x1, top), (x1, bottom), (x0, bottom)]
    if skew:
        cos, sin = math.cos(math.radians(skew)), math.sin(math.radians(skew))
        cx, cy = PAGE_WIDTH / 2, PAGE_HEIGHT / 2
        points = [
            (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in points
        ]
    return {
        "normalizedVertices": [
            {"x": round(x / PAGE_WIDTH, 5), "y": round(y / PAGE_HEIGHT, 5)} for x, y in points
        ]
    }


def _tokens(
    doc: DocAIText, lines: list[Line], spans: list[tuple[int, int]], rng: random.Random, skew: float = 0.0
) -> list[dict]:
    """Each word of each cell: its text (and the break after it) and its box, a little jittered."""
    tokens = []
    for line, (start, _) in zip(lines, spans, strict=True):
        offset = start
        for c in line:
            for word_offset, word, x0, x1 in c.words():
                begin = offset + word_offset
                end = begin + len(word) + 1  # the space or newline after the word, as Document AI does
                jitter = [rng.uniform(-0.25, 0.25) for _ in range(4)]
                layout = {
                    "textAnchor": doc.anchor(begin, end),
                    "confidence": round(rng.uniform(0.9, 1.0), 4),
                    "boundingPoly": _poly(
                        x0 + jitter[0],
                        c.y - ASCENT * c.size + jitter[1],
                        x1 + jitter[2],
                        c.y + DESCENT * c.size + jitter[3],
                        skew,
                    ),
                    "orientation": "PAGE_UP",
                }
                token: dict[str, Any] = {"layout": layout}
                if doc.text[end - 1] == " ":  # the API's break types: SPACE, WIDE_SPACE, HYPHEN
                    token["detectedBreak"] = {"type": "SPACE"}
                tokens.append(token)
            offset += len(c.text) + 1
    return tokens


def _line_boxes(page: dict[str, Any], lines: list[Line], skew: float = 0.0) -> None:
    for entry, line in zip(page["lines"], lines, strict=True):
        x0 = min(c.left for c in line)
        x1 = max(c.left + c.width for c in line)
        top = min(c.y - ASCENT * c.size for c in line)
        bottom = max(c.y + DESCENT * c.size for c in line)
        entry["layout"]["boundingPoly"] = _poly(x0, top, x1, bottom, skew)


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
    # Document AI's invoice parser dates the document: an invoice's INVOICE DATE, not its ORDER DATE.
    dated = header.invoice_date if header.kind == "invoice" and header.invoice_date else header.order_date
    entities: list[dict[str, Any]] = [
        {"type": "supplier_name", "mentionText": header.vendor_name, "confidence": 0.91},
        {
            "type": "invoice_date",
            "mentionText": f"{dated.month}/{dated.day}/{dated.year}",
            "normalizedValue": {"text": dated.isoformat()},
            "confidence": 0.88,
        },
        {"type": "purchase_order", "mentionText": header.po_no, "confidence": 0.62},
        {"type": "net_amount", "mentionText": fmt_money(invoice.subtotal), "confidence": 0.7},
        {"type": "total_amount", "mentionText": fmt_money(invoice.total), "confidence": 0.83},
    ]
    if rng.random() >= noise.invoice_id_missing:
        start = text.index(header.number)
        entities.insert(
            0,
            {
                "type": "invoice_id",
                "mentionText": header.number,
                "textAnchor": DocAIText.anchor(start, start + len(header.number)),
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
    tokens: bool = False,
    skew: float = 0.0,
) -> dict[str, Any]:
    """The invoice as Document AI would return it, in reading order `order` (1-4), with every
    word's position in `pages[].tokens[]` when `tokens` (turned by `skew` degrees, as a crooked
    scan's are). `seed` drives the entity noise, the
    column blocks' sizes and the boxes' jitter; the words are fully determined by the invoice."""
    if order not in (1, 2, 3, 4):
        raise ValueError(f"reading order must be 1, 2, 3 or 4, got {order!r}")
    rng = random.Random(seed)
    doc = DocAIText(PAGE_WIDTH, PAGE_HEIGHT, orientation="PAGE_UP")
    for page in page_cells(invoice):
        lines = page_lines(invoice, page, order, tokens, rng)
        spans = doc.add_page([" ".join(c.text for c in line) for line in lines])
        if tokens:
            doc.pages[-1]["tokens"] = _tokens(doc, lines, spans, rng, skew)
            _line_boxes(doc.pages[-1], lines, skew)
            # Real responses also group the text in paragraphs and blocks; here one per line and
            # one per page, with the same layout shape (readers must not count words twice).
            doc.pages[-1]["paragraphs"] = [dict(line) for line in doc.pages[-1]["lines"]]
            doc.pages[-1]["blocks"] = [{"layout": dict(doc.pages[-1]["layout"])}]
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
