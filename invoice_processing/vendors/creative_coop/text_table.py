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
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from ...document import Document
from .furniture import header_end, is_furniture, trailing_text_run
from .patterns import (
    CODE_WORD,
    COLUMN_HEADER_LINE,
    DATE,
    MONEY_WORD,
    ORDER_NUMBER_LINE,
    PAGE_NUMBER,
    QTY_WORD,
    TARIFF_LINE,
    TARIFF_WORD,
    TOTALS_START,
    UNIT_WORD,
    UPC_WORD,
    is_code,
    is_column_header,
    is_money,
    is_upc_shaped,
    word_class,
    word_classes_cache,
)
from .rows import Cells, Tail, cells_from_tail, find_tail, is_rt


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
    cuts, previous = [], -1
    for header in _column_header_lines(lines):
        # the last row since the previous column-header line
        last_row = next((i for i in range(header - 1, previous, -1) if _starts_row(lines, i)), None)
        previous = header
        if last_row is not None:
            block = next((i for i in range(last_row + 1, header) if is_furniture(lines[i])), None)
            if block is not None:
                cuts.append(block)
    return cuts


def _column_header_lines(lines: list[str]) -> list[int]:
    """Indices of the lines of two or more column words."""
    found = [match.start() for match in COLUMN_HEADER_LINE.finditer("\n" + "\n".join(lines))]
    if not found:
        return []
    # where each line's newline is: the lengths of the lines before it, plus one newline each
    newlines = [length + index for index, length in enumerate(accumulate(map(len, lines), initial=0))]
    return [bisect_right(newlines, position) - 1 for position in found]


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
    last = len(lines) - 1
    for index, text in enumerate(lines):
        if " " in text:  # every cell tested here is one word
            continue
        classes = word_class(text)
        if classes & CODE_WORD and index < last and word_class(lines[index + 1]) & UPC_WORD:
            start = index
        elif classes & UNIT_WORD:
            if start is not None:
                inside.update(range(start + 2, index))
                start = None
            if (
                0 < index < last
                and word_class(lines[index - 1]) & QTY_WORD
                and word_class(lines[index + 1]) & MONEY_WORD
            ):
                inside.add(index)
    return inside


_UNJUDGED = object()


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
    # headers and cells repeat page after page: each distinct line is judged once, None for a row's
    # cell, else whether it is a sentence
    sentence: dict[str, bool | None] = {}
    places: list[list[int]] = []  # each page's lines that are neither cells nor inside a row
    for lines in pages:
        keys = set()
        inside = _inside_rows(lines)
        last = len(lines) - 1
        place = []
        for index, text in enumerate(lines):
            if (judged := sentence.get(text, _UNJUDGED)) is _UNJUDGED:
                judged = sentence[text] = None if _row_like(text) else len(text.split()) >= SENTENCE_WORDS
            if judged is not None and index not in inside:
                place.append(index)
                keys.add(("top", index, text))
                keys.add(("bottom", last - index, text))
                if judged:
                    keys.add(("anywhere", 0, text))
        places.append(place)
        seen.update(keys)
    at_place = {
        text
        for (where, _, text), count in seen.items()
        if count >= 2  # every threshold is 2 or more: most lines, seen once, are settled here
        and where != "anywhere"
        and count >= _pages_needed(text, len(pages))
    }
    found = _with_their_neighbours(pages, places, at_place) | {
        text
        for (where, _, text), count in seen.items()
        if where == "anywhere" and count >= 2 and count >= max(3, len(pages) - 1)
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


_DIGITS_HIDDEN = str.maketrans("0123456789", "#" * 10)


def _with_their_neighbours(pages: list[list[str]], places: list[list[int]], candidates: set[str]) -> set[str]:
    """The candidates still at one place when each also has the same neighbour towards that edge
    (as printed but for its digits) on enough pages: a header or footer line has the same one on
    every page (the next header line, the page mark); a description line at the same place on
    two pages by chance has not (`Operated (Requires 2 AA`, line 28 of pages 2 and 3)."""
    if not candidates:
        return set()
    seen: Counter[tuple[str, int, str, str | None]] = Counter()
    shapes: dict[str, str] = {}  # the neighbours are mostly header lines, the same on every page

    def shape(line: str) -> str:
        if (found := shapes.get(line)) is None:
            found = shapes[line] = line.translate(_DIGITS_HIDDEN)
        return found

    for lines, place in zip(pages, places, strict=True):
        last = len(lines) - 1
        keys = set()
        for index in place:
            text = lines[index]
            if text in candidates:
                above = shape(lines[index - 1]) if index else None
                below = shape(lines[index + 1]) if index < last else None
                keys.add(("top", index, text, above))
                keys.add(("bottom", last - index, text, below))
        seen.update(keys)
    return {
        text
        for (_, _, text, _), count in seen.items()
        if count >= 2 and count >= _pages_needed(text, len(pages))
    }


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


@dataclass(slots=True)
class Tokens:
    """Every word of the table in reading order, as parallel lists (tens of thousands of words:
    lists built a line at a time cost far less than an object per word)."""

    text: list[str]
    page: list[int]
    starts_line: list[bool]
    classes: list[int]  # patterns.word_class


def tokens_of(lines: list[tuple[int, str]]) -> Tokens:
    text: list[str] = []
    page: list[int] = []
    starts_line: list[bool] = []
    for number, line in lines:
        words = line.split()
        if words:
            text += words
            page += [number] * len(words)
            starts_line.append(True)
            starts_line += [False] * (len(words) - 1)
    known = word_classes_cache()
    return Tokens(text, page, starts_line, [known(word) or word_class(word) for word in text])


def row_starts(tokens: Tokens) -> list[int]:
    """Where rows start: a code at a line's start followed by a UPC, or a tariff code."""
    classes, last = tokens.classes, len(tokens.text) - 1
    return [
        i
        for i, starts in enumerate(tokens.starts_line)
        if starts
        and (classes[i] & TARIFF_WORD or (classes[i] & CODE_WORD and i < last and classes[i + 1] & UPC_WORD))
    ]


def _lines(tokens: Tokens, indices: Sequence[int]) -> list[list[int]]:
    """The words at `indices` cut where a line starts (the first piece may continue a line)."""
    lines: list[list[int]] = []
    for i in indices:
        if tokens.starts_line[i] or not lines:
            lines.append([])
        lines[-1].append(i)
    return lines


def _width(tokens: Tokens, line: Sequence[int]) -> int:
    return sum(len(tokens.text[i]) for i in line) + len(line) - 1


@dataclass(slots=True)
class _Row:
    start: int  # the code's index; the UPC follows it
    tail: Tail  # positions relative to start + 2
    before: range  # description (and a possible RT cell) before the numbers
    after: range

    def one_cell_per_line(self, tokens: Tokens) -> bool:
        first = self.start + 2
        return all(tokens.starts_line[first + self.tail.start : first + self.tail.end])

    def wrapped_description_widths(self, tokens: Tokens) -> list[int]:
        """Widths of lines that can only be description and that wrapped (so they nearly fill the
        Description column): whole lines before numbers printed one cell per line, but the last;
        the part of the row's own line between the UPC and the numbers when more lines follow."""
        words = self.before
        if words and is_rt(tokens.text[words[-1]]):
            words = range(words.start, words.stop - 1)
        if not words:
            return []
        if self.one_cell_per_line(tokens):
            lines = _lines(tokens, words)[:-1]
            return [_width(tokens, line) for line in lines if tokens.starts_line[line[0]]]
        numbers_start_line = tokens.starts_line[self.start + 2 + self.tail.start]
        if not tokens.starts_line[words.start] and not numbers_start_line and self.after:
            return [_width(tokens, words)]
        return []


def _read_row(tokens: Tokens, start: int, end: int, kind: str) -> _Row | None:
    """The row's numeric tail and the words around it; None when its numbers are missing or
    cannot be told from another row's (a second tail in its words)."""
    first = start + 2
    words, starts, classes = tokens.text[first:end], tokens.starts_line[first:end], tokens.classes[first:end]
    tail = find_tail(words, kind, starts, classes)
    if (
        tail is None
        or find_tail(words[tail.end :], kind, starts[tail.end :], classes[tail.end :]) is not None
    ):
        return None
    return _Row(start, tail, range(first, first + tail.start), range(first + tail.end, end))


def _cells(tokens: Tokens, row: _Row, kind: str, widest: int | None) -> Cells:
    text = tokens.text
    before = [text[i] for i in row.before]
    if before and is_rt(before[-1]):
        before = before[:-1]
    page = tokens.page[row.start]
    after: Sequence[int] = row.after
    if before and row.one_cell_per_line(tokens):
        # the description came before the numbers: what follows them is the rest of a
        # description cut by a page break, or else not the row's
        after = [i for i in after if tokens.page[i] != page]
    if widest is not None:  # a line wider than the Description column holds is not description
        after = [i for line in _lines(tokens, after) if _width(tokens, line) <= widest for i in line]
    return cells_from_tail(text[row.start], text[row.start + 1], [*before, *(text[i] for i in after)], page,
                           row.tail, kind)  # fmt: skip


def items_from_tokens(tokens: Tokens, kind: str) -> tuple[list[Cells], list[str]]:
    """Every product row's cells, and the codes of rows whose numbers could not be read."""
    starts = row_starts(tokens)
    rows, unread = [], []
    for n, start in enumerate(starts):
        if tokens.classes[start] & TARIFF_WORD:
            continue
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens.text)
        found = _read_row(tokens, start, end, kind)
        if found is None:
            unread.append(tokens.text[start])
        else:
            rows.append(found)
    widths = [w for row in rows for w in row.wrapped_description_widths(tokens)]
    widest = max(widths) + WIDTH_SLACK if len(widths) >= MIN_WIDTH_SAMPLES else None
    return [_cells(tokens, row, kind, widest) for row in rows], unread


def items_from_text(
    document: Document, header_values: set[str], kind: str
) -> tuple[list[Cells], list[str], list[str]]:
    """(cells of every row, the totals block's lines, codes of rows left unread)."""
    lines, totals_lines = table_lines(document, header_values)
    cells, unread = items_from_tokens(tokens_of(lines), kind)
    return cells, totals_lines, unread
