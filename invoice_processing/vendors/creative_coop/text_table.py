"""Line items from Document AI text, whatever its reading order.

All three orders of the domain doc reduce to one token stream once page furniture and tariff
lines are gone: a row starts where a product code begins a line and a 12-digit UPC follows it;
its numeric tail is the first eight-token tail after the UPC; every other word up to the next row
is description, whether it came before the tail (one cell per line, or inline) or after it
(wrapped lines, or the whole description printed below the numbers). So the order is decided per
row by where the words are, never assumed for the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...document import Document
from ...models import LineItem
from .furniture import header_end, is_furniture, trailing_text_run
from .patterns import (
    DATE,
    ORDER_NUMBER_LINE,
    PAGE_NUMBER,
    TARIFF_LINE,
    TOTALS_START,
    is_code,
    is_column_header,
    is_money,
    is_upc_shaped,
)
from .rows import TAIL_LENGTH, build_item, find_tail, without_rt


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    page: int
    starts_line: bool


def first_row_index(lines: list[str]) -> int:
    """Index of the first line that starts an item row (a code, then a UPC), or len(lines)."""
    for index, line in enumerate(lines):
        words = line.split()
        if not words or not is_code(words[0]):
            continue
        following = (
            words[1]
            if len(words) > 1
            else (lines[index + 1].split() or [""])[0]
            if index + 1 < len(lines)
            else ""
        )
        if is_upc_shaped(following):
            return index
    return len(lines)


def _header_value_line(line: str, header_values: set[str]) -> bool:
    text = line.strip()
    return text in header_values or bool(ORDER_NUMBER_LINE.match(text)) or bool(DATE.fullmatch(text))


def page_table_lines(lines: list[str], header_values: set[str], continues: bool) -> list[str]:
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
        if is_furniture(line) or (index < zone and _header_value_line(line, header_values)):
            continue
        kept.append(line)
    return kept


def without_tariffs(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop `Tariff Surcharge 5.76`, and `Tariff Surcharge` with its amount on the next line."""
    kept: list[tuple[int, str]] = []
    awaiting_amount = False
    for page, line in lines:
        match = TARIFF_LINE.match(line.strip())
        if match:
            awaiting_amount = match.group(1) is None
            continue
        if awaiting_amount and is_money(line.strip()):
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
        lines, start = page.lines, 0
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
        words = line.split()
        if words and is_code(words[0]) and first_row_index(lines[index : index + 2]) == 0:
            last_row = index
        elif last_row is not None and len(words) > 1 and is_column_header(line):
            block = next((i for i in range(last_row + 1, index) if is_furniture(lines[i])), None)
            if block is not None:
                cuts.append(block)
            last_row = None
    return cuts


def table_lines(document: Document, header_values: set[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """(page, line) for every table line, in order; and the lines from the totals block on."""
    out: list[tuple[int, str]] = []
    pages = virtual_pages(document)
    for n, (number, lines) in enumerate(pages):
        for line in page_table_lines(lines, header_values, continues=n > 0):
            if TOTALS_START.match(line.strip()):
                rest = [ln for _, page_lines in pages[n:] for ln in page_lines]
                return without_tariffs(out), rest[rest.index(line) :]
            out.append((number, line))
    return without_tariffs(out), []


def tokens_of(lines: list[tuple[int, str]]) -> list[Token]:
    return [Token(word, page, i == 0) for page, line in lines for i, word in enumerate(line.split())]


def row_starts(tokens: list[Token]) -> list[int]:
    return [
        i
        for i in range(len(tokens) - 1)
        if tokens[i].starts_line and is_code(tokens[i].text) and is_upc_shaped(tokens[i + 1].text)
    ]


def items_from_tokens(tokens: list[Token]) -> list[LineItem]:
    starts = row_starts(tokens)
    items = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        words = [t.text for t in tokens[start + 2 : end]]
        tail = find_tail(words)
        if tail is None:
            continue  # a row without its numbers is not guessed at
        description = without_rt(words[:tail]) + words[tail + TAIL_LENGTH :]
        code, upc = tokens[start].text, tokens[start + 1].text
        items.append(build_item(code, upc, words[tail : tail + TAIL_LENGTH], description, tokens[start].page))
    return items


def items_from_text(document: Document, header_values: set[str]) -> tuple[list[LineItem], list[str]]:
    lines, totals_lines = table_lines(document, header_values)
    return items_from_tokens(tokens_of(lines)), totals_lines
