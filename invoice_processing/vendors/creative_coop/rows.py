"""One item from its cells, for both document kinds, whether the cells came by position or by text.

A confirmation prints four quantities (Ord, Alloc, Shipped, BkOrd), an invoice two (Shipped,
BkOrd); both then a unit word and three prices (List, Your, Your Extd). The extended price is the
*basis* quantity (Ord on a confirmation, Shipped on an invoice) times Your Price. That relation is
the only thing used to settle what the page leaves open: a dropped Your Price is recovered as
extended / basis when that is exact to the cent (and reported), and nothing else is filled in.

From text, the numeric tail is found by its shape: a run of quantities, a unit word, two or three
prices. Descriptions hold digits, quotes and fractions, so nothing else is read as a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from ...models import LineItem
from ...quality import money
from .patterns import MONEY_WORD, QTY_WORD, UNIT_WORD, to_int, to_money, valid_upc, word_classes

INVOICE, CONFIRMATION = "invoice", "order_confirmation"
QUANTITY_FIELDS = {
    CONFIRMATION: ("qty_ordered", "qty_allocated", "qty_shipped", "qty_backordered"),
    INVOICE: ("qty_shipped", "qty_backordered"),
}
BASIS = {CONFIRMATION: "qty_ordered", INVOICE: "qty_shipped"}
#: The RT cell is usually empty; a printed flag is one capital letter, and OCR turns a mark in it
#: into a stray token of a character or two (`lo`, `i`, `'`). Short words a description can end
#: with (a wrap after `w` or `&`, `Set of`) are kept.
KEEP_SHORT = frozenset(
    ("w", "x", "a", "&", "w/", "of", "to", "in", "on", "at", "by", "or", "an", "as", "is", "it", "up", "oz", "ft",
     "lb")
)  # fmt: skip


def is_rt(token: str) -> bool:
    """Is this short token (just before the quantities) the RT cell rather than description?"""
    if len(token) > 2 or token in KEEP_SHORT or any(c.isdigit() or c in '&/"' for c in token):
        return False
    return len(token) == 1 or not any(c.isupper() for c in token)


@dataclass
class Cells:
    """One row's cells. Quantities by field (None: not printed or unreadable); prices by name."""

    code: str
    upc: str | None
    description: list[str]
    page: int | None
    quantities: dict[str, int | None]
    unit: str | None
    list_price: Decimal | None = None
    your_price: Decimal | None = None
    extended: Decimal | None = None


@dataclass
class Recovered:
    """Prices recovered from their row (product codes), for the quality report."""

    codes: list[str] = field(default_factory=list)


def recover_your_price(cells: Cells, kind: str, recovered: Recovered) -> None:
    basis = cells.quantities.get(BASIS[kind])
    if cells.your_price is not None or cells.extended is None or not basis or cells.extended <= 0:
        return
    price = money(cells.extended / basis)
    if money(price * basis) == cells.extended:
        cells.your_price = price
        recovered.codes.append(cells.code)


def to_item(cells: Cells, kind: str) -> LineItem:
    q = cells.quantities
    shipped, backordered = q.get("qty_shipped"), q.get("qty_backordered")
    if kind == INVOICE:  # not printed: what shipped plus what is still to come
        ordered = (shipped or 0) + (backordered or 0)
        allocated = None
    else:
        ordered, allocated = q.get("qty_ordered") or 0, q.get("qty_allocated")
    return LineItem(
        product_code=cells.code,
        upc=cells.upc if cells.upc and valid_upc(cells.upc) else None,
        description=" ".join(" ".join(cells.description).split()),
        qty_ordered=ordered,
        qty_allocated=allocated,
        qty_shipped=shipped,
        qty_backordered=backordered,
        unit=cells.unit,
        list_price=cells.list_price,
        unit_price=cells.your_price,
        extended_price=cells.extended,
        page=cells.page,
    )


# --- the numeric tail in text -------------------------------------------------------------------


class Tail(NamedTuple):  # a NamedTuple: one or two per row, built faster than a dataclass
    start: int  # index of the first quantity
    end: int  # index after the last price
    quantities: tuple[int, ...]
    unit: str
    prices: tuple[Decimal, ...]


def _consistent(kind: str, values: Sequence[int], prices: Sequence[Decimal]) -> bool:
    """Could these printed quantities be this row's? Checked against extended = basis x price."""
    if kind == CONFIRMATION and values and max(values) > values[0]:
        return False  # nothing is allocated, shipped or back-ordered beyond what was ordered
    # a whole quantity times a price in cents is in cents already: no rounding to compare
    if len(prices) == 3:
        your, extended = prices[1], prices[2]
        if kind == INVOICE and len(values) == 2:
            return values[0] * your == extended
        if kind == CONFIRMATION and values:
            return extended == 0 or values[0] * your == extended
    return True


def find_tail(
    tokens: Sequence[str],
    kind: str,
    starts_line: Sequence[bool] | None = None,
    classes: Sequence[int] | None = None,
) -> Tail | None:
    """The first numeric tail in `tokens`: 1..n quantities, a unit word, 2..3 prices.

    When the unit word starts a line (one cell per line), only quantities that start lines count:
    a number ending a description line is the description's. `classes` are the tokens'
    `word_classes`, when the caller has them already."""
    width = len(QUANTITY_FIELDS[kind])
    c = word_classes(list(tokens)) if classes is None else classes
    for u in range(1, len(tokens) - 2):
        if not (c[u] & UNIT_WORD and c[u + 1] & MONEY_WORD and c[u + 2] & MONEY_WORD and c[u - 1] & QTY_WORD):
            continue
        per_line = bool(starts_line and starts_line[u])
        run = u
        while run > 0 and c[run - 1] & QTY_WORD and u - run < width + 2:
            if per_line and starts_line is not None and not starts_line[run - 1]:
                break
            run -= 1
        if per_line and run == u:
            continue
        end = u + 1
        while end < len(tokens) and end - u - 1 < 3 and c[end] & MONEY_WORD:
            end += 1
        prices = tuple(to_money(t) for t in tokens[u + 1 : end])
        values = [to_int(t) for t in tokens[run:u]]
        chosen = min(len(values), width)
        for size in range(min(len(values), width), 0, -1):
            if _consistent(kind, values[-size:], prices):
                chosen = size
                break
        return Tail(u - chosen, end, tuple(values[-chosen:]), tokens[u], prices)
    return None


def cells_from_tail(
    code: str, upc: str | None, description: list[str], page: int | None, tail: Tail, kind: str
) -> Cells:
    """Text gives the cells in order but not which are blank; the extended price decides."""
    fields = QUANTITY_FIELDS[kind]
    values = list(tail.quantities)
    prices = list(tail.prices)
    quantities: dict[str, int | None] = dict.fromkeys(fields)
    if len(values) == len(fields):
        quantities.update(zip(fields, values, strict=True))
    elif kind == INVOICE:  # one printed: shipped if anything was billed, else back-ordered
        billed = prices[-1] > 0
        quantities.update(qty_shipped=values[0] if billed else 0, qty_backordered=0 if billed else values[0])
    else:
        quantities["qty_ordered"] = values[0]
        if len(values) == 1:  # the other three are blank, so 0
            quantities.update(qty_allocated=0, qty_shipped=0, qty_backordered=0)
    cells = Cells(code, upc, description, page, quantities, tail.unit)
    if len(prices) == 3:
        cells.list_price, cells.your_price, cells.extended = prices
        return cells
    first, last = prices  # one of the three was dropped
    basis = quantities.get(BASIS[kind])
    if basis and money(basis * first) == last:
        cells.your_price, cells.extended = first, last  # the list price was dropped
    elif basis and last > 0:
        cells.list_price, cells.extended = first, last  # Your Price dropped: recovered by the caller
    elif last == 0:
        cells.extended = last  # nothing billed and one price: which one it is, the row cannot say
    else:
        cells.list_price, cells.your_price = first, last  # the extended price dropped
    return cells
