"""Line items from a PDF's positioned words: the table rebuilt from its columns.

Each page's column header row gives the columns' x positions. A row whose Product Code column
holds a code starts an item; rows below it with words only in the Description column continue its
description, including such rows at the top of the next page, after that page's header. Tariff
rows, page marks and everything above the header are skipped; the totals block ends the table.
The PDF's internal text order is never used: rows come from the words' vertical bands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...document import Document, Word
from ...document.pdf import group_rows
from ...models import LineItem
from .furniture import is_furniture
from .patterns import COLUMN_WORDS, COLUMNS, TARIFF_LINE, TOTALS_START, is_code, is_money, is_upc_shaped
from .rows import TAIL_LENGTH, build_item, find_tail, without_rt
from .text_table import items_from_tokens, table_lines, tokens_of

#: Cells may start a little left of their header (right-aligned numbers, loose glyph boxes).
MARGIN = 2.0


@dataclass(frozen=True)
class Columns:
    """Left edges of the columns that matter for reading a row."""

    upc: float
    description: float
    after_description: float  # RT, or the first quantity column when RT is not printed

    def of(self, word: Word) -> str:
        centre = (word.x0 + word.x1) / 2
        if centre < self.upc:
            return "code"
        if centre < self.description:
            return "upc"
        if centre < self.after_description:
            return "description"
        return "numbers"


@dataclass
class OpenItem:
    code: str
    upc: str | None
    page: int
    description: list[str]
    right: list[str]
    extra: list[str] = field(default_factory=list)

    def close(self) -> LineItem | None:
        tail = find_tail(self.right)
        if tail is None:
            return None
        description = [*self.description, *without_rt(self.right[:tail]), *self.extra]
        return build_item(self.code, self.upc, self.right[tail : tail + TAIL_LENGTH], description, self.page)


def _row_text(row: list[Word]) -> str:
    return " ".join(w.text for w in row)


def _is_header_row(row: list[Word]) -> bool:
    words = {w.text.lower() for w in row}
    return {"upc", "description"} <= words


def _header_words(rows: list[list[Word]], index: int) -> list[Word]:
    """The header row plus rows stacked right above or below it (`Qty` over `Ord`)."""
    row = rows[index]
    height = max(w.bottom - w.top for w in row)
    words = list(row)
    for other in (rows[index - 1] if index else None, rows[index + 1] if index + 1 < len(rows) else None):
        if other is None or not all(w.text.lower() in COLUMN_WORDS for w in other):
            continue
        if min(abs(o.top - w.top) for o in other for w in row) < 1.6 * height:
            words += other
    return words


def _phrase_edges(words: list[Word]) -> dict[str, float]:
    """Left edge of every column phrase found, matching the known phrases left to right."""
    ordered = sorted(words, key=lambda w: (round(w.x0 / 4), w.top))
    cells: list[list[Word]] = []
    for word in ordered:  # words whose spans overlap are one stacked cell
        if cells and word.x0 < max(w.x1 for w in cells[-1]) - 0.5 and word.top != cells[-1][-1].top:
            cells[-1].append(word)
        else:
            cells.append([word])
    flat = [w for cell in cells for w in sorted(cell, key=lambda w: w.top)]
    texts = [w.text.lower() for w in flat]
    edges: dict[str, float] = {}
    position = 0
    for phrase in COLUMNS:
        wanted = phrase.lower().split()
        for start in range(position, len(texts) - len(wanted) + 1):
            if texts[start : start + len(wanted)] == wanted:
                edges[phrase] = min(w.x0 for w in flat[start : start + len(wanted)])
                position = start + len(wanted)
                break
    return edges


def columns_from_header(words: list[Word]) -> Columns | None:
    edges = _phrase_edges(words)
    after = edges.get("RT", edges.get("Qty Ord"))
    if "UPC" not in edges or "Description" not in edges or after is None:
        return None
    return Columns(edges["UPC"] - MARGIN, edges["Description"] - MARGIN, after - MARGIN)


@dataclass
class _Reader:
    items: list[LineItem] = field(default_factory=list)
    current: OpenItem | None = None

    def finish(self) -> None:
        if self.current is not None and (item := self.current.close()) is not None:
            self.items.append(item)
        self.current = None

    def row(self, row: list[Word], columns: Columns, page: int) -> None:
        parts: dict[str, list[str]] = {"code": [], "upc": [], "description": [], "numbers": []}
        for word in row:
            parts[columns.of(word)].append(word.text)
        if parts["code"] and is_code(parts["code"][0]):
            self.finish()
            upc = next((t for t in parts["upc"] if is_upc_shaped(t)), None)
            self.current = OpenItem(parts["code"][0], upc, page, parts["description"], parts["numbers"])
        elif self.current is not None and parts["description"] and not (parts["code"] or parts["upc"]):
            if parts["numbers"]:
                return  # not a description line: something printed across the columns
            self.current.extra += parts["description"]


def _skip(text: str) -> bool:
    stripped = text.strip()
    return bool(is_furniture(stripped) or TARIFF_LINE.match(stripped) or is_money(stripped))


def items_from_positions(document: Document) -> tuple[list[LineItem], list[str]]:
    """Items and the totals block's lines; pages without a header reuse the last page's columns."""
    reader = _Reader()
    columns: Columns | None = None
    for page in document.pages:
        rows = group_rows(page.words)
        header = next((i for i, row in enumerate(rows) if _is_header_row(row)), None)
        if header is not None:
            columns = columns_from_header(_header_words(rows, header)) or columns
        if columns is None:
            return _items_from_lines(document)
        body = rows[header + 1 :] if header is not None else rows
        for n, row in enumerate(body):
            text = _row_text(row)
            if TOTALS_START.match(text):
                reader.finish()
                return reader.items, [_row_text(r) for r in body[n:]]
            if _skip(text) or all(w.text.lower() in COLUMN_WORDS for w in row):
                continue
            reader.row(row, columns, page.number)
    reader.finish()
    return reader.items, []


def _items_from_lines(document: Document) -> tuple[list[LineItem], list[str]]:
    """No column header anywhere: the position-built lines read as one row per line."""
    lines, totals = table_lines(document, set())
    return items_from_tokens(tokens_of(lines)), totals
