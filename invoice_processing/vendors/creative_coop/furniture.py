"""Page furniture: the lines every page repeats around the table, which are never item text.

A description cut by a page break continues after the next page's header, so the parsers must
drop exactly the furniture and keep everything else. Lines are classified by pattern (page marks,
labels, titles, the vendor's name, the column header) and, before a page's first row, by position:
whatever precedes the column header row is header, whatever follows it is table.
"""

from __future__ import annotations

import re

from .patterns import COLUMN_WORDS, PAGE_MARK, TITLE_LINE, is_column_header

LABEL = re.compile(
    r"\b(INVOICE\s*NO|INVOICE\s*DATE|ORDER\s*NO|ORDER\s*DATE|CUSTOMER\s*NO|P\.?\s?O\.?\s*NO)\.?\s*:", re.I
)
VENDOR_LINE = re.compile(r"^Creative[\s-]*Co-?op(?:,?\s*Inc\.?)?$", re.I)
CONTINUED = re.compile(r"^\(?(continued|continued on next page)\)?$", re.I)


#: All of the above in one pattern: every line of a document is tested, so one scan each.
FURNITURE = re.compile(
    "|".join(
        (
            PAGE_MARK.pattern,
            LABEL.pattern,
            TITLE_LINE.pattern.replace("$", r"\s*$"),
            VENDOR_LINE.pattern.replace("$", r"\s*$"),
            CONTINUED.pattern.replace("$", r"\s*$"),
        )
    ).replace("^", r"^\s*"),
    re.I,
)


def is_furniture(line: str) -> bool:
    """Safe anywhere on a page: no description line looks like these."""
    # every line of a document is tested: a line holding none of the words every pattern above
    # needs is ruled out without the regex
    low = line.lower()
    return (
        ":" in low or "page" in low or "invoice" in low or "confirmation" in low or "creative" in low
        or "continued" in low
    ) and FURNITURE.search(line) is not None  # fmt: skip


def header_end(lines: list[str], first_row: int) -> int:
    """Index of the first table line on a page: just after the last column-header line before the
    page's first item row (0 when the page shows no column header)."""
    end = 0
    for index, line in enumerate(lines[:first_row]):
        if is_column_header(line) and _has_distinct_column_word(line):
            end = index + 1
    return end


def _has_distinct_column_word(line: str) -> bool:
    # A lone `Price` or `Code` could end a wrapped description; the header always shows at least
    # one word no description uses on its own line.
    words = {w.lower() for w in line.split()}
    return bool(words & (COLUMN_WORDS - {"price", "code", "list", "your"})) or len(words) > 1


def trailing_text_run(lines: list[str]) -> list[str]:
    """Without a column header to go by, the lines after the last furniture line are the table."""
    start = 0
    for index, line in enumerate(lines):
        if is_furniture(line) or is_column_header(line):
            start = index + 1
    return lines[start:]
