"""The shapes of Creative Co-op's values, as single-token predicates and label patterns.

Everything here describes the format (domain doc section 2), never one document: product codes
take ANY two-letter prefix, because new prefixes appear and a prefix list once dropped every row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from ...quality import gtin_check_digit_ok

PRODUCT_CODE = re.compile(r"^[A-Z]{2}\d{4}[A-Z]?$")
#: Any 12-digit token in the UPC position; `valid_upc` decides whether it is trustworthy.
UPC_SHAPE = re.compile(r"^\d{12}$")
UPC_PREFIX = "191009"
ORDER_NUMBER = re.compile(r"\b([A-Z]{2}\d{9})\b")
ORDER_NUMBER_LINE = re.compile(r"^[A-Z]{2}\d{9}$")
DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
MONEY = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+|\d+)\.\d{2}$")
QUANTITY = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d{1,6})$")
#: The U/M cell: `each`, `Set`, `Pair`, `Box`, `EA`, `Dz`... a short word, never a number.
UNIT = re.compile(r"^[A-Za-z][A-Za-z/.]{0,9}$")
#: Tariffs on invoices are rows of their own under this code (`TRF-CCOI`): never products.
TARIFF_CODE = re.compile(r"^TRF-[A-Z0-9]+$")

PAGE_MARK = re.compile(r"\bPage\s+\d+\s+of\s+\d+\b", re.I)
#: `Page N of M`, any case, read from a whole document's text: it starts with a character set
#: (the word boundary checked behind it) so the regex engine skips to each `p`, three times
#: faster than trying `\bPage` at every character.
PAGE_TOTAL = re.compile(r"[Pp](?<=\b[Pp])[Aa][Gg][Ee]\s+\d+\s+[Oo][Ff]\s+(\d{1,3})\b")
PAGE_NUMBER = re.compile(r"\bPage\s+(\d+)\s+of\s+\d+\b", re.I)
VENDOR_NAME = re.compile(r"\bCreative[\s-]*Co-?op\b", re.I)
TITLE_LINE = re.compile(r"^(ORDER\s+CONFIRMATION|INVOICE)$", re.I)
TARIFF_LINE = re.compile(r"^Tariff\s+Surcharge\b(?!\s+Total)\s*:?\s*(\$?[\d,]+\.\d{2})?$", re.I)
TOTALS_START = re.compile(r"^Merchandise\s+Sub-?\s?total\b", re.I)
#: Column titles that only a confirmation prints, and the two an invoice prints instead.
CONFIRMATION_COLUMNS = re.compile(r"\bQty\s+Ord\b|\bAlloc\b", re.I)
INVOICE_COLUMNS = re.compile(r"\bShipped\b[\s\S]{0,40}\bBk\s?Ord\b", re.I)
INVOICE_NO_LABEL = re.compile(r"\bINVOICE\s*(?:NO|#|NUMBER)\.?\s*:", re.I)

#: The column header's words; a line made only of these is the table header (or part of it).
COLUMN_WORDS = frozenset(
    ("product", "code", "upc", "description", "rt", "qty", "ord", "alloc", "shipped", "bkord", "u/m", "list",
     "price", "your", "extd")
)  # fmt: skip
_COLUMN_WORD = "|".join(re.escape(w) for w in sorted(COLUMN_WORDS, key=len, reverse=True))
#: A line of two or more column words (the `is_column_header` test), found in a page's lines
#: joined after a newline each, in one scan: a page has hundreds of lines and one or a few such.
#: It starts with the newline so the regex engine jumps from line to line (a `^` in MULTILINE
#: mode would be tried at every character).
COLUMN_HEADER_LINE = re.compile(
    rf"\n[^\S\n]*(?::*(?:{_COLUMN_WORD}):*[^\S\n]+)+:*(?:{_COLUMN_WORD}):*[^\S\n]*(?=\n|\Z)", re.I
)
#: Column header phrases, left to right.
COLUMNS = (
    "Product Code", "UPC", "Description", "RT", "Qty Ord", "Qty Alloc", "Qty Shipped", "Qty BkOrd",
    "U/M", "List Price", "Your Price", "Your Extd Price",
)  # fmt: skip


def is_code(token: str) -> bool:
    # called for nearly every word of a document: the length rules out most words without a regex
    return 6 <= len(token) <= 7 and PRODUCT_CODE.match(token) is not None


def is_upc_shaped(token: str) -> bool:
    return len(token) == 12 and token.isdigit() and UPC_SHAPE.match(token) is not None


def valid_upc(token: str) -> bool:
    """A Creative Co-op UPC: 12 digits, the vendor's `191009` prefix, a correct check digit."""
    return is_upc_shaped(token) and token.startswith(UPC_PREFIX) and gtin_check_digit_ok(token)


def is_money(token: str) -> bool:
    # every word of a table is tested: money always ends in `.dd`, which rules out most at once
    return token[-3:-2] == "." and MONEY.match(token) is not None


def is_quantity(token: str) -> bool:
    return bool(QUANTITY.match(token))


def to_money(token: str) -> Decimal:
    return Decimal(token.replace("$", "").replace(",", ""))


def to_int(token: str) -> int:
    return int(token.replace(",", ""))


#: Word classes (bit flags) for the text path, which tests every word of a table several times.
QTY_WORD, MONEY_WORD, UNIT_WORD, CODE_WORD, UPC_WORD, TARIFF_WORD = 1, 2, 4, 8, 16, 32
_KNOWN = 64  # set on every cached class, so a word of no class is still a cache hit
_CLASSES: dict[str, int] = {}
#: Distinct words remembered across documents (a few thousand per document); then it starts over.
_CLASSES_LIMIT = 50_000


def _classify(token: str) -> int:
    found = (
        _KNOWN
        | (QTY_WORD if is_quantity(token) else 0)
        | (MONEY_WORD if is_money(token) else 0)
        | (UNIT_WORD if UNIT.match(token) else 0)
        | (CODE_WORD if is_code(token) else 0)
        | (UPC_WORD if is_upc_shaped(token) else 0)
        | (TARIFF_WORD if TARIFF_CODE.match(token) else 0)
    )
    if len(_CLASSES) >= _CLASSES_LIMIT:
        _CLASSES.clear()
    _CLASSES[token] = found
    return found


def word_classes(tokens: list[str]) -> list[int]:
    """Each token's classes, from a cache: words repeat within and across documents."""
    get = _CLASSES.get
    return [get(t) or _classify(t) for t in tokens]


def word_class(token: str) -> int:
    return _CLASSES.get(token) or _classify(token)


def word_classes_cache() -> Callable[[str], int | None]:
    """The cache's own lookup (None for a word not seen yet), for loops over every word."""
    return _CLASSES.get


def is_column_header(line: str) -> bool:
    first = line.split(None, 1)
    if not first or first[0].lower().strip(":") not in COLUMN_WORDS:  # how most lines are ruled out
        return False
    return all(w.strip(":") in COLUMN_WORDS for w in line.lower().split())
