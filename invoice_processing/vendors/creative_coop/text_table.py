"""Line items from Document AI text without positions, whatever its reading order.

All three orders of the domain doc reduce to one token stream once page furniture and tariff
lines are gone: a row starts where a product code begins a line and a 12-digit UPC follows it
(a `TRF-…` tariff row starts a row of its own, which is no item); its numeric tail is the first
tail shape after the UPC (rows.find_tail); the other words up to the next row are description,
whether they came before the tail (one cell per line, or inline) or after it (wrapped lines, or
the whole description printed below the numbers). So the order is decided per row by where the
words are, never assumed for the document.

Page furniture whose wording is unknown (footers, notes, stamps) is told apart by where it is,
not by what it says: a line that repeats at the same place page after page is furniture; when a
row was printed one cell per line, its description is complete before its numbers, so nothing
after them on that page joins it (only the rest of a description cut by a page break does). A row whose numbers cannot be told apart from another row's (Document AI's
column blocks) is reported unread, never given someone else's numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from ...document import Document
from .furniture import header_end, is_furniture, trailing_text_run
from .patterns import (
    CODE_WORD,
    DATE,
    MONEY_WORD,
    ORDER_NUMBER_LINE,
    PAGE_NUMBER,
    QTY_WORD,
    TARIFF_CODE,
    TARIFF_LINE,
    TARIFF_WORD,
    TOTALS_START,
    UNIT,
    UNIT_WORD,
    UPC_WORD,
    is_code,
    is_column_header,
    is_money,
    is_quantity,
    is_upc_shaped,
    word_class,
    word_classes_cache,
)
from .rows import Cells, Tail, cells_from_tail, find_tail, is_rt


class Token(NamedTuple):  # a NamedTuple: documents have tens of thousands of words
    text: str
    page: int
    starts_line: bool
    classes: int  # patterns.word_class


def _starts_row(lines: list[str], index: int) -> bool:
    """Does this line start an item row: a code, then a UPC (on the same line or the next)?"""
    line = lines[index]
    if not (line[2:6].isdigit() or line[:1].isspace()):  # a code's 3rd to 6th characters are digits
        return False
    words = line.split(None, 2)
    if not words or not is_code(words[0]):
        return False
    if len(words) > 1:
        return is_upc_shaped(words[1])
    following = lines[index + 1].split(None, 1) if index + 1 < len(lines) else None
    return bool(following) and is_upc_shaped(following[0])


def first_row_index(lines: list[str]) -> int:
    """Index of the first line that starts an item row (a code, then a UPC), or len(lines)."""
    return next((index for index in range(len(lines)) if _starts_row(lines, index)), len(lines))


def _header_value_line(text: str, header_values: set[str]) -> bool:
    return text in header_values or bool(ORDER_NUMBER_LINE.match(text)) or bool(DATE.fullmatch(text))


def page_table_lines(
    lines: list[str], header_values: set[str], continues: bool, repeated: set[str] = frozenset()
) -> list[str]:
    """The lines of one page that belong to the table, furniture removed.

    `continues` says an item may be open from the previous page, so text before this page's first
    row can be the rest of its description."""
    first_row = first_row_index(lines)
    start = header_end(lines, first_row)
    if start == 0 and continues:
        before = trailing_text_run(lines[:first_row])
        body = before + lines[first_row:]
    else:
        body = lines[start:] if continues else lines[first_row:]
    zone = len(body) - (len(lines) - first_row)  # lines of `body` before the first row
    kept = []
    for index, line in enumerate(body):
        if (
            is_furniture(line)
            or line in repeated
            or (index < zone and _header_value_line(line, header_values))
        ):
            continue
        kept.append(line)
    return kept


def without_tariffs(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop `Tariff Surcharge 5.76`, and `Tariff Surcharge` with its amount on the next line."""
    kept: list[tuple[int, str]] = []
    awaiting_amount = False
    for page, line in lines:
        match = TARIFF_LINE.match(line) if line[:1] in ("T", "t") else None
        if match:
            awaiting_amount = match.group(1) is None
            continue
        if awaiting_amount and is_money(line):
            awaiting_amount = False
            continue
        awaiting_amount = False
        kept.append((page, line))
    return kept


def _page_mark_number(lines: list[str], default: int) -> int:
    for line in lines:
        if match := PAGE_NUMBER.search(line):
            return int(match.group(1))
    return default


def virtual_pages(document: Document) -> list[tuple[int, list[str]]]:
    """The document's pages, with any page that holds a second header block (pages merged by
    the OCR, or a document without page boundaries) split where that header block starts."""
    pages: list[tuple[int, list[str]]] = []
    for page in document.pages:
        lines = [stripped for line in page.lines if (stripped := line.strip())]
        start = 0
        for cut in repeated_header_starts(lines):
            pages.append((_page_mark_number(lines[start:cut], page.number), lines[start:cut]))
            start = cut
        pages.append((_page_mark_number(lines[start:], page.number) if start else page.number, lines[start:]))
    return pages


def repeated_header_starts(lines: list[str]) -> list[int]:
    """Where a header block repeats after item rows: the first furniture line after the last row
    start that precedes a later column-header line."""
    cuts, last_row = [], None
    for index, line in enumerate(lines):
        if _starts_row(lines, index):
            last_row = index
        elif last_row is not None and is_column_header(line) and len(line.split()) > 1:
            block = next((i for i in range(last_row + 1, index) if is_furniture(lines[i])), None)
            if block is not None:
                cuts.append(block)
            last_row = None
    return cuts


#: Characters a description line may exceed the widest one seen (glyph widths vary: `W` vs `i`).
WIDTH_SLACK = 6
#: Wrapped lines known to be description needed before a width is trusted.
MIN_WIDTH_SAMPLES = 3
#: A line of this many words or more is a sentence rather than the end of a wrapped description.
SENTENCE_WORDS = 3


def _row_like(line: str) -> bool:
    words = line.split()
    if not words:
        return False
    first = word_class(words[0])
    return bool(
        first & (CODE_WORD | TARIFF_WORD)
        or (line[:1] in ("T", "t") and TARIFF_LINE.match(line))
        or all(word_class(w) & (QTY_WORD | MONEY_WORD) for w in words)
        or (len(words) == 1 and first & UNIT_WORD and words[0].islower())
    )


def _inside_rows(lines: list[str]) -> set[int]:
    """Lines printed one cell per line between a row's code and its unit word: its description,
    whatever repeats elsewhere; and every unit word between a quantity and a price, whatever its
    case (`Pair` closing the last row of several pages is a cell, not furniture)."""
    inside: set[int] = set()
    start = None
    for index, text in enumerate(lines):
        if " " in text:
            continue
        if is_code(text) and index + 1 < len(lines) and is_upc_shaped(lines[index + 1]):
            start = index
        elif UNIT.match(text):
            if start is not None:
                inside.update(range(start + 2, index))
                start = None
            if 0 < index < len(lines) - 1 and is_quantity(lines[index - 1]) and is_money(lines[index + 1]):
                inside.add(index)
    return inside


def repeated_lines(pages: list[list[str]]) -> set[str]:
    """Lines at the same place (counted from the page's top or its bottom) on at least half the
    pages, and on two or more: a page's own furniture, whatever it says. Item cells (codes,
    numbers, units, tariff lines) repeat by chance and are never counted; short lines need more pages. A
    sentence (notes and stamps move it up and down) counts wherever it is when it is on every
    page but one, three at least: whole phrases recur in descriptions (`(Requires 2 AA
    Batteries)`), just not on nearly every page. A line that always follows such a line is the
    rest of it."""
    if len(pages) < 2:
        return set()
    seen: Counter[tuple[str, int, str]] = Counter()
    row_like: dict[str, bool] = {}  # headers repeat page after page: each distinct line judged once
    for lines in pages:
        keys = set()
        inside = _inside_rows(lines)
        for index, text in enumerate(lines):
            if (like := row_like.get(text)) is None:
                like = row_like[text] = _row_like(text)
            if index not in inside and not like:
                keys.add(("top", index, text))
                keys.add(("bottom", len(lines) - 1 - index, text))
                if len(text.split()) >= SENTENCE_WORDS:
                    keys.add(("anywhere", 0, text))
        seen.update(keys)
    found = {
        text
        for (where, _, text), count in seen.items()
        if count >= 2  # every threshold is 2 or more: most lines, seen once, are settled here
        and count >= (max(3, len(pages) - 1) if where == "anywhere" else _pages_needed(text, len(pages)))
    }
    # the rest of a wrapped footer (`9` on a line of its own) follows its first line on every page
    following: Counter[tuple[str, str]] = Counter()
    for lines in pages:
        following.update(
            {
                (a, b)
                for a, b in zip(lines, lines[1:], strict=False)
                if a in found
                and len(a.split()) >= SENTENCE_WORDS
                and not (is_furniture(a) or is_column_header(a) or TARIFF_LINE.match(b))
            }
        )
    needed = max(2, math.ceil(len(pages) / 2))
    return found | {b for (_, b), count in following.items() if count >= needed and b not in found}


def _pages_needed(text: str, pages: int) -> int:
    """A short line (one or two words) can end many descriptions (`Hand-Stitched`, `4 Styles`):
    it must repeat at its place on every page but one, on three pages or more, to be furniture."""
    if len(text.split()) >= SENTENCE_WORDS:
        return max(2, math.ceil(pages / 2))
    return max(3, pages - 1)


def table_lines(document: Document, header_values: set[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """(page, line) for every table line, in order; and the lines from the totals block on."""
    out: list[tuple[int, str]] = []
    pages = virtual_pages(document)
    repeated = repeated_lines([lines for _, lines in pages])
    for n, (number, lines) in enumerate(pages):
        for line in page_table_lines(lines, header_values, continues=n > 0, repeated=repeated):
            if line[:1] in ("M", "m") and TOTALS_START.match(line):
                rest = [ln for _, page_lines in pages[n:] for ln in page_lines]
                return without_tariffs(out), rest[rest.index(line) :]
            out.append((number, line))
    return without_tariffs(out), []


def tokens_of(lines: list[tuple[int, str]]) -> list[Token]:
    # tens of thousands of words: tuple.__new__ skips the namedtuple's Python-level constructor
    new, known = tuple.__new__, word_classes_cache()
    return [
        new(Token, (word, page, i == 0, known(word) or word_class(word)))
        for page, line in lines
        for i, word in enumerate(line.split())
    ]


def row_starts(tokens: list[Token]) -> list[int]:
    """Where rows start: a code at a line's start followed by a UPC, or a tariff code."""
    last = len(tokens) - 1
    return [
        i
        for i, token in enumerate(tokens)
        if token.starts_line
        and (
            token.classes & TARIFF_WORD
            or (token.classes & CODE_WORD and i < last and tokens[i + 1].classes & UPC_WORD)
        )
    ]


def _lines(tokens: list[Token]) -> list[list[Token]]:
    lines: list[list[Token]] = []
    for token in tokens:
        if token.starts_line or not lines:
            lines.append([])
        lines[-1].append(token)
    return lines


def _width(line: list[Token]) -> int:
    return sum(len(t.text) for t in line) + len(line) - 1


@dataclass
class _Row:
    tokens: list[Token]
    tail: Tail
    before: list[Token]  # description (and a possible RT cell) before the numbers
    after: list[Token]

    @property
    def one_cell_per_line(self) -> bool:
        return all(t.starts_line for t in self.tokens[2 + self.tail.start : 2 + self.tail.end])

    def wrapped_description_widths(self) -> list[int]:
        """Widths of lines that can only be description and that wrapped (so they nearly fill the
        Description column): whole lines before numbers printed one cell per line, but the last;
        the part of the row's own line between the UPC and the numbers when more lines follow."""
        words = [t for t in self.before if not (t is self.before[-1] and is_rt(t.text))]
        if not words:
            return []
        if self.one_cell_per_line:
            return [_width(line) for line in _lines(words)[:-1] if line[0].starts_line]
        if not words[0].starts_line and not self.tokens[2 + self.tail.start].starts_line and self.after:
            return [_width(words)]
        return []


def _read_row(row: list[Token], kind: str) -> _Row | None:
    """The row's numeric tail and the words around it; None when its numbers are missing or
    cannot be told from another row's (a second tail in its words)."""
    words = [t.text for t in row[2:]]
    starts = [t.starts_line for t in row[2:]]
    classes = [t.classes for t in row[2:]]
    tail = find_tail(words, kind, starts, classes)
    if (
        tail is None
        or find_tail(words[tail.end :], kind, starts[tail.end :], classes[tail.end :]) is not None
    ):
        return None
    return _Row(row, tail, row[2 : 2 + tail.start], row[2 + tail.end :])


def _cells(row: _Row, kind: str, widest: int | None) -> Cells:
    before = [t.text for t in row.before]
    if before and is_rt(before[-1]):
        before = before[:-1]
    after = row.after
    if before and row.one_cell_per_line:
        # the description came before the numbers: what follows them is the rest of a
        # description cut by a page break, or else not the row's
        after = [t for t in after if t.page != row.tokens[0].page]
    if widest is not None:  # a line wider than the Description column holds is not description
        after = [t for line in _lines(after) if _width(line) <= widest for t in line]
    tokens = row.tokens
    return cells_from_tail(tokens[0].text, tokens[1].text, [*before, *(t.text for t in after)], tokens[0].page,
                           row.tail, kind)  # fmt: skip


def items_from_tokens(tokens: list[Token], kind: str) -> tuple[list[Cells], list[str]]:
    """Every product row's cells, and the codes of rows whose numbers could not be read."""
    starts = row_starts(tokens)
    rows, unread = [], []
    for n, start in enumerate(starts):
        if TARIFF_CODE.match(tokens[start].text):
            continue
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        found = _read_row(tokens[start:end], kind)
        if found is None:
            unread.append(tokens[start].text)
        else:
            rows.append(found)
    widths = [w for row in rows for w in row.wrapped_description_widths()]
    widest = max(widths) + WIDTH_SLACK if len(widths) >= MIN_WIDTH_SAMPLES else None
    return [_cells(row, kind, widest) for row in rows], unread


def items_from_text(
    document: Document, header_values: set[str], kind: str
) -> tuple[list[Cells], list[str], list[str]]:
    """(cells of every row, the totals block's lines, codes of rows left unread)."""
    lines, totals_lines = table_lines(document, header_values)
    cells, unread = items_from_tokens(tokens_of(lines), kind)
    return cells, totals_lines, unread
