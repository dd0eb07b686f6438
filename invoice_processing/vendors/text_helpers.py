"""Small text helpers the vendor parsers share: money, integers, dates, GTINs, labelled values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from ..document import Document
from ..quality import gtin_check_digit_ok

MONEY_TOKEN = re.compile(r"^\(?\$?(\d{1,3}(?:,\d{3})+|\d+)\.\d{2}\)?$")
INT_TOKEN = re.compile(r"^\d{1,6}$")
GTIN_TOKEN = re.compile(r"^\d{12,13}$")
# Vendor item codes: capital letters and digits (NPU001, CAL094, AB1234, 18-0045A), at least one of each.
CODE_TOKEN = re.compile(r"^(?=[A-Z0-9-]*[A-Z])(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,15}$")
DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), ("m", "d", "y")),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2})\b"), ("m", "d", "yy")),
    (re.compile(r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b"), ("m", "d", "y")),
)
MONTH_NAME_DATE = re.compile(r"\b([A-Z][a-z]{2,8})\.?\s+(\d{1,2}),?\s+(\d{4})\b")
MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def parse_money(token: str | None) -> Decimal | None:
    """`1,440.00`, `$7.00`, `(3.50)` -> Decimal; anything else -> None."""
    if token is None:
        return None
    cleaned = token.strip().replace("USD", "").strip()
    if not MONEY_TOKEN.match(cleaned) and not re.fullmatch(r"\$?\d+(\.\d+)?", cleaned):
        return None
    try:
        return Decimal(cleaned.strip("()").replace("$", "").replace(",", ""))
    except InvalidOperation:
        return None


def is_money(token: str) -> bool:
    return bool(MONEY_TOKEN.match(token))


#: A number that starts a word (a unit may follow it, as in `4EA`).
QUANTITY_NUMBER = re.compile(r"(?<![^\W\d_])(?<!\d)\d[\d,]*(?:\.\d+)?")


def parse_int(text: str | None) -> int | None:
    """`4`, `4.00`, `4 EA`, `4EA` -> 4; a fractional or missing quantity -> None, and so are
    digits inside a word (`NPU001` is a code, not the quantity 1)."""
    if not text:
        return None
    match = QUANTITY_NUMBER.search(text)
    if not match:
        return None
    try:
        value = Decimal(match.group(0).replace(",", ""))
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() and value < 10**7 else None


def parse_date(text: str | None) -> dt.date | None:
    """The first date in `text`: ISO, M/D/YYYY, M/D/YY, M-D-YYYY or `May 14, 2025`."""
    if not text:
        return None
    for pattern, order in DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            year = parts.get("y") or 2000 + parts["yy"]
            try:
                return dt.date(year, parts["m"], parts["d"])
            except ValueError:
                continue
    match = MONTH_NAME_DATE.search(text)
    if match and match.group(1)[:3].lower() in MONTHS:
        try:
            return dt.date(int(match.group(3)), MONTHS[match.group(1)[:3].lower()], int(match.group(2)))
        except ValueError:
            return None
    return None


def valid_gtin(token: str) -> bool:
    return bool(GTIN_TOKEN.match(token)) and gtin_check_digit_ok(token)


def labelled_value(
    lines: Sequence[str], label: re.Pattern[str], value: re.Pattern[str], window: int = 8
) -> str | None:
    """The value for a label: after it on the same line, else the first match in the next lines.

    Document AI often lists labels apart from their values (`PO #:` / `Order Date:` / `NS4435067`),
    so the search looks a few lines ahead, matching the value by its pattern.
    """
    for index, line in enumerate(lines):
        found = label.search(line)
        if not found:
            continue
        same_line = value.search(line[found.end() :])
        if same_line:
            return _group(same_line)
        paired = _paired_value(lines, index, value)
        if paired is not None:
            return paired
        for following in lines[index + 1 : index + 1 + window]:
            match = value.search(following)
            if match:
                return _group(match)
    return None


LABEL_ONLY = re.compile(r"^[A-Za-z][A-Za-z .#/&'()-]{0,40}:$")


def _group(match: re.Match[str]) -> str:
    return match.group(1) if match.groups() else match.group(0)


def _paired_value(lines: Sequence[str], index: int, value: re.Pattern[str]) -> str | None:
    """In a block of label-only lines followed by a block of values, the k-th label's value is
    the k-th line after the labels (`Invoice #:` / `P.O. Number:` / `INV48211` / `FH041725`)."""
    start = end = index
    while start > 0 and LABEL_ONLY.match(lines[start - 1]):
        start -= 1
    while end + 1 < len(lines) and LABEL_ONLY.match(lines[end + 1]):
        end += 1
    if end == start:
        return None
    candidate = end + 1 + (index - start)
    if candidate < len(lines):
        match = value.search(lines[candidate])
        if match:
            return _group(match)
    return None


def all_lines(document: Document) -> list[str]:
    return [line for _, line in document.lines()]


def clean_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
