"""How sure we are that a document is Creative Co-op's: evidence added up, never one token.

The vendor's name, its own header labels and column titles, its order-number shape, and rows that
pair a product code with a UPC under the vendor's `191009` prefix each add weight. A stray
`AB1234` in another vendor's invoice matches none of these on its own, so it cannot claim the
document.
"""

from __future__ import annotations

import re

from ...document import Document
from .patterns import ORDER_NUMBER, VENDOR_NAME, is_code, valid_upc

ORDER_NO_LABEL = re.compile(r"\bORDER\s*NO\.?\s*:", re.I)
CUSTOMER_NO_LABEL = re.compile(r"\bCUSTOMER\s*NO\.?\s*:", re.I)
QTY_ORD = re.compile(r"\bQty\s+Ord\b", re.I)
EXTD_PRICE = re.compile(r"\bYour\s+Extd\.?\s+Price\b", re.I)
ROW_WEIGHT, MAX_ROW_WEIGHT = 0.1, 0.3


def count_coded_upcs(text: str, limit: int) -> int:
    """Product codes immediately followed by a valid 191009 UPC (same line or the next)."""
    words = text.split()
    found = 0
    for first, second in zip(words, words[1:], strict=False):
        if is_code(first) and valid_upc(second):
            found += 1
            if found >= limit:
                break
    return found


def creative_coop_score(document: Document) -> float:
    text = document.text
    evidence = [
        (0.4, bool(VENDOR_NAME.search(text))),
        (0.1, bool(ORDER_NO_LABEL.search(text))),
        (0.1, bool(CUSTOMER_NO_LABEL.search(text))),
        (0.1, bool(QTY_ORD.search(text))),
        (0.1, bool(EXTD_PRICE.search(text))),
        (0.1, bool(ORDER_NUMBER.search(text))),
    ]
    score = sum(weight for weight, seen in evidence if seen)
    rows = count_coded_upcs(text, limit=round(MAX_ROW_WEIGHT / ROW_WEIGHT))
    return round(min(1.0, score + min(MAX_ROW_WEIGHT, rows * ROW_WEIGHT)), 3)
