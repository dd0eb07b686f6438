"""One item from its pieces: code, UPC, the words around the numeric tail, the tail itself.

The numeric tail closes every row: four integers (ordered, allocated, shipped, back-ordered), a
unit word and three money values (list, your price, extended). Descriptions hold digits, quotes
and fractions, so nothing else is ever read as a quantity or a price: the tail is found only as
that exact eight-token shape.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...models import LineItem
from .patterns import RT_VALUE, UNIT, is_money, is_quantity, to_int, to_money, valid_upc

TAIL_LENGTH = 8


def is_tail(tokens: Sequence[str], start: int) -> bool:
    window = tokens[start : start + TAIL_LENGTH]
    return (
        len(window) == TAIL_LENGTH
        and all(is_quantity(t) for t in window[:4])
        and bool(UNIT.match(window[4]))
        and all(is_money(t) for t in window[5:])
    )


def find_tail(tokens: Sequence[str]) -> int | None:
    """Index of the first complete numeric tail in `tokens`, or None."""
    for start in range(len(tokens) - TAIL_LENGTH + 1):
        if is_tail(tokens, start):
            return start
    return None


def without_rt(words: list[str]) -> list[str]:
    """Drop a printed RT flag: it sits between the description and the quantities."""
    return words[:-1] if words and RT_VALUE.match(words[-1]) else words


def build_item(
    code: str, upc: str | None, tail: Sequence[str], description: Sequence[str], page: int | None
) -> LineItem:
    """`tail` is the eight-token numeric tail; a UPC with a bad check digit is a misread: dropped."""
    ordered, allocated, shipped, backordered = (to_int(t) for t in tail[:4])
    return LineItem(
        product_code=code,
        upc=upc if upc and valid_upc(upc) else None,
        description=" ".join(" ".join(description).split()),
        qty_ordered=ordered,
        qty_allocated=allocated,
        qty_shipped=shipped,
        qty_backordered=backordered,
        unit=tail[4],
        list_price=to_money(tail[5]),
        unit_price=to_money(tail[6]),
        extended_price=to_money(tail[7]),
        page=page,
    )
