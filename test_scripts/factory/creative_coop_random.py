"""Seeded random Creative Co-op invoices: every draw comes from the `random.Random` passed in."""

from __future__ import annotations

import datetime as dt
import math
import random
import string
from dataclasses import replace
from decimal import Decimal

from .creative_coop_model import (
    ROWS_PER_PAGE,
    TOTALS_ROWS,
    DocumentKind,
    Furniture,
    Header,
    Invoice,
    Item,
    TableLine,
    check_layout,
)
from .creative_coop_text import (
    DESCRIPTION_WIDTH,
    INVOICE_DESCRIPTION_WIDTH,
    random_description,
    random_word,
    random_wording,
)
from .generic import with_check_digit

KNOWN_PREFIXES = ("XS", "DF", "DA", "DG", "CF", "CD", "HX", "XM", "XT", "EC", "AH")
VENDOR_SPELLINGS = ("Creative Co-op", "Creative Co-op, Inc.", "Creative Coop", "Creative-Coop")
UNITS = (("each", 80), ("Set", 12), ("Pair", 6), ("Box", 2))
#: Order sizes by list price: cheap ornaments go by the gross, furniture by ones.
QUANTITIES_CHEAP = (6, 6, 12, 12, 12, 24, 24, 24, 36, 48, 72, 96, 144)
QUANTITIES_MID = (1, 2, 2, 3, 4, 4, 6, 6, 8, 12, 12, 16, 18, 24)
QUANTITIES_DEAR = (1, 1, 2, 2, 3, 4, 6)
LIST_PRICES = (
    "1.00",
    "1.50",
    "2.00",
    "2.50",
    "3.00",
    "3.25",
    "4.00",
    "5.00",
    "6.00",
    "7.50",
    "7.95",
    "8.00",
    "9.00",
    "10.00",
    "12.00",
    "12.99",
    "14.00",
    "16.00",
    "18.00",
    "20.00",
    "24.00",
    "28.00",
    "32.00",
    "36.00",
    "40.00",
    "48.00",
    "60.00",
    "72.00",
    "98.00",
    "120.00",
    "150.00",
    "248.00",
)
RARE_LIST_PRICES = ("1,250.00", "1,698.00")
PO_STYLES = ("FH-{m:02d}{d:02d}", "{mon}{yy} GIFT", "SPRING{yy}", "{n}", "HOLIDAY {yyyy}", "WEB-{n}")

#: Items per page a caller may ask for without overfilling pages (worst case 6 printed lines each).
MAX_ITEMS_PER_PAGE = 8
MAX_PAGES = 15
MAX_ITEMS = 150


def random_order_no(rng: random.Random, prefix: str = "CS") -> str:
    return prefix + "".join(rng.choice(string.digits) for _ in range(9))


def random_upc(rng: random.Random, taken: set[str]) -> str:
    while True:
        payload = "191009" + "".join(rng.choice(string.digits) for _ in range(5))
        upc = with_check_digit(payload)
        if upc not in taken:
            taken.add(upc)
            return upc


def random_product_code(rng: random.Random, taken: set[str], new_prefix_probability: float) -> str:
    while True:
        if rng.random() < new_prefix_probability:
            prefix = "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
        else:
            prefix = rng.choice(KNOWN_PREFIXES)
        suffix = rng.choice("ABCDEFGH") if rng.random() < 0.35 else ""
        code = f"{prefix}{rng.randint(0, 9999):04d}{suffix}"
        if code not in taken:
            taken.add(code)
            return code


def random_quantities(
    rng: random.Random,
    list_price: Decimal,
    zero: bool,
    kind: DocumentKind = "order_confirmation",
    cancelled_weight: int = 10,
) -> tuple[int, int, int, int]:
    """(ordered, allocated, shipped, back-ordered) in the combinations these documents show; an
    invoice prints only shipped and back-ordered (ordered is their sum, allocated not printed)."""
    if zero:
        return 0, 0, 0, 0
    if list_price < 10:
        q = rng.choice(QUANTITIES_CHEAP)
    else:
        q = rng.choice(QUANTITIES_MID if list_price <= 40 else QUANTITIES_DEAR)
    if kind == "invoice":
        status = rng.choices(("shipped", "bkord", "partial"), (60, 30, 10))[0]
        shipped = {"shipped": q, "bkord": 0, "partial": rng.randint(1, q - 1) if q > 1 else q}[status]
        return q, 0, shipped, q - shipped
    weights = (35, 30, 15, 10, cancelled_weight)
    status = rng.choices(("bkord", "alloc", "shipped", "partial", "cancelled"), weights)[0]
    if status == "bkord" or (status == "partial" and q == 1):
        return q, 0, 0, q
    if status == "alloc":
        return q, q, 0, 0
    if status == "shipped":
        return q, q, q, 0
    if status == "partial":
        part = rng.randint(1, q - 1)
        return q, part, rng.choice((part, 0)), q - part
    return q, 0, 0, 0


def random_list_price(rng: random.Random) -> Decimal:
    text = rng.choice(RARE_LIST_PRICES) if rng.random() < 0.01 else rng.choice(LIST_PRICES)
    return Decimal(text.replace(",", ""))


def random_noise_token(rng: random.Random) -> str:
    """What OCR makes of a mark in the RT column: a letter or two, lower case (`lo`)."""
    return "".join(rng.choice("loicv.") for _ in range(rng.randint(1, 2)))


def random_item(
    rng: random.Random,
    codes: set[str],
    upcs: set[str],
    *,
    kind: DocumentKind = "order_confirmation",
    wrap_probability: float,
    zero_probability: float,
    surcharge_probability: float,
    two_line_tariff_probability: float,
    new_prefix_probability: float,
    rt_probability: float,
    blank_probability: float = 0.0,
    drop_probability: float = 0.0,
    undetermined_drops: bool = False,
    noise_token_probability: float = 0.0,
    cancelled_weight: int = 10,
) -> Item:
    list_price = random_list_price(rng)
    zero = rng.random() < zero_probability
    qty = random_quantities(rng, list_price, zero, kind, cancelled_weight)
    width = INVOICE_DESCRIPTION_WIDTH if kind == "invoice" else DESCRIPTION_WIDTH
    item = Item(
        product_code=random_product_code(rng, codes, new_prefix_probability),
        upc=random_upc(rng, upcs),
        description_lines=random_description(rng, wrapped=rng.random() < wrap_probability, width=width),
        qty_ordered=qty[0],
        qty_allocated=qty[1],
        qty_shipped=qty[2],
        qty_backordered=qty[3],
        unit=rng.choices([u for u, _ in UNITS], [w for _, w in UNITS])[0],
        list_price=list_price,
        kind=kind,
        blank_zeros=rng.random() < blank_probability,
    )
    has_tariff = item.extended > 0 and rng.random() < surcharge_probability
    rt = rng.choice("NY") if rng.random() < rt_probability else ""
    dropped = ""
    if rng.random() < drop_probability and (item.extended > 0 or undetermined_drops):
        dropped = rng.choices(("your_price", "list_price"), (3, 1))[0]
    return replace(
        item,
        rt=rt,
        rt_noise=random_noise_token(rng) if not rt and rng.random() < noise_token_probability else "",
        dropped=dropped,
        has_tariff=has_tariff,
        tariff_two_lines=has_tariff and rng.random() < two_line_tariff_probability,
    )


def random_furniture(
    rng: random.Random,
    pages: int,
    *,
    footer_probability: float,
    continued_probability: float,
    stamp_probability: float,
    note_probability: float,
    stamps_on_values: bool = False,
) -> Furniture:
    """Footer, `Continued` marks, stamps and a closing note, each worded at random; stamps on the
    header values' rows carry a number (`RECEIVED 12`), so they look like a customer or PO number."""
    footer = random_wording(rng, 9, 26) if rng.random() < footer_probability else ""
    continued = ""
    if rng.random() < continued_probability:
        word = rng.choice(("Continued", "CONTINUED", "continued", random_word(rng).capitalize()))
        continued = " ".join([word, *(random_word(rng) for _ in range(rng.randint(0, 2)))])
    stamps = tuple(
        (number, random_wording(rng, 1, 2, upper=True)[:14].strip())
        for number in range(1, pages + 1)
        if rng.random() < stamp_probability
    )
    note = random_wording(rng, 6, 16) if rng.random() < note_probability else ""
    align = rng.choice(("left", "center", "right"))
    if stamps_on_values:  # drawn last: the other knobs' documents stay as they were
        stamps = tuple((number, f"{text[:10].strip()} {rng.randint(2, 90)}") for number, text in stamps)
    return Furniture(
        footer=footer,
        footer_align=align,
        continued=continued,
        stamps=stamps,
        note=note,
        stamps_on_values=stamps_on_values,
    )


def random_header(rng: random.Random, kind: DocumentKind = "order_confirmation", **overrides) -> Header:
    date = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 540))
    style = rng.choice(PO_STYLES)
    po = style.format(
        m=date.month,
        d=date.day,
        mon=date.strftime("%b").upper(),
        yy=date.strftime("%y"),
        yyyy=date.year,
        n=rng.randint(1000, 99999),
    )
    values = {
        "order_no": random_order_no(rng, rng.choice(("CS", "CS", "CS", "OE"))),
        "order_date": date,
        "customer_no": str(rng.randint(100000, 999999)),
        "po_no": po,
        "title": rng.choice(("ORDER CONFIRMATION", "ORDER CONFIRMATION", "INVOICE")),
        "vendor_name": rng.choice(VENDOR_SPELLINGS),
        "label_layout": rng.choice(("inline", "stacked", "scattered")),
        "kind": kind,
    }
    if kind == "invoice":
        values["order_no"] = random_order_no(rng, "CS")
        values["invoice_no"] = random_order_no(rng, "CI")
        values["invoice_date"] = date + dt.timedelta(days=rng.randint(3, 120))
        values["title"] = "INVOICE"
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Header(**values)


def _page_capacity(number: int, pages: int) -> int:
    return ROWS_PER_PAGE - (TOTALS_ROWS if number == pages else 0)


def _splittable(lines: list[TableLine], pages: int) -> list[list[bool]]:
    """`ok[k][i]`: lines[i:] can be cut into k pages that fit, never inside a two-line tariff."""
    total = len(lines)
    cuttable = [i > 0 and lines[i].kind != "tariff_amount" for i in range(total)]
    ok = [[False] * (total + 1) for _ in range(pages + 1)]
    for i in range(total):
        ok[1][i] = total - i <= _page_capacity(pages, pages)
    for k in range(2, pages + 1):
        room = _page_capacity(pages - k + 1, pages)
        for i in range(total):
            ok[k][i] = any(cuttable[j] and ok[k - 1][j] for j in range(i + 1, min(i + room, total - 1) + 1))
    return ok


def choose_page_breaks(
    rng: random.Random, lines: list[TableLine], pages: int, split_probability: float
) -> tuple[int, ...]:
    """Cut the table into `pages` pages of roughly even length, preferring (with
    `split_probability`) a cut inside a wrapped description, never inside a two-line tariff."""
    total = len(lines)
    if pages > total:
        raise ValueError(f"{total} table lines cannot fill {pages} pages; ask for more items or fewer pages")
    ok = _splittable(lines, pages)
    if not ok[pages][0]:
        raise ValueError(f"{total} table lines do not fit on {pages} pages; ask for more pages")
    breaks: list[int] = []
    previous = 0
    for number in range(1, pages):
        remaining = pages - number  # pages still to fill after this cut
        high = min(previous + _page_capacity(number, pages), total - 1)
        candidates = [
            b for b in range(previous + 1, high + 1) if lines[b].kind != "tariff_amount" and ok[remaining][b]
        ]
        target = previous + round((total - previous) / (remaining + 1)) + rng.randint(-2, 2)
        splits = [b for b in candidates if lines[b].kind == "desc" and abs(b - target) <= 4]
        pool = splits if splits and rng.random() < split_probability else candidates
        cut = min(pool, key=lambda b: (abs(b - target), b))
        breaks.append(cut)
        previous = cut
    return tuple(breaks)


def min_pages_for(lines: int) -> int:
    """The fewest pages that hold this many table lines plus the totals block."""
    return max(1, math.ceil((lines + TOTALS_ROWS) / ROWS_PER_PAGE))


def random_invoice(
    rng: random.Random,
    pages: int | None = None,
    items: int | None = None,
    *,
    wrap_probability: float = 0.3,
    zero_probability: float = 0.06,
    surcharge_probability: float = 0.15,
    two_line_tariff_probability: float = 0.4,
    page_split_probability: float = 0.6,
    new_prefix_probability: float = 0.15,
    rt_probability: float = 0.02,
    kind: DocumentKind = "order_confirmation",
    blank_probability: float = 0.0,
    drop_probability: float = 0.0,
    undetermined_drops: bool = False,
    noise_token_probability: float = 0.0,
    cancelled_weight: int = 10,
    footer_probability: float = 0.0,
    continued_probability: float = 0.0,
    stamp_probability: float = 0.0,
    stamps_on_values: bool = False,
    note_probability: float = 0.0,
    fixed_items: dict[int, Item] | None = None,
    freight: Decimal | None = None,
    furniture: Furniture | None = None,
    **header_overrides,
) -> Invoice:
    """A random document of `kind` ("order_confirmation" or "invoice"). `pages` (1-15) and `items`
    (1-150) are drawn when not given; together they must fit (at most `MAX_ITEMS_PER_PAGE` items per
    page always does). `fixed_items` puts given items at given positions; `header_overrides` set
    Header fields (title, vendor_name, ...).

    Noise knobs (all off by default): `blank_probability` prints a row's zero quantities as blank
    cells (only a rendering with positions tells which column is blank), `drop_probability` loses a
    price cell (only where the row still determines it unless `undetermined_drops`),
    `noise_token_probability` puts a stray OCR token in the RT column, and the furniture knobs add a
    footer on every page, `Continued` marks, stamps (`stamps_on_values`: on a header value's row)
    and a closing note in random wording."""
    if pages is not None and not 1 <= pages <= MAX_PAGES:
        raise ValueError(f"pages must be 1..{MAX_PAGES}, got {pages}")
    if items is not None and not 1 <= items <= MAX_ITEMS:
        raise ValueError(f"items must be 1..{MAX_ITEMS}, got {items}")
    header = random_header(rng, kind, **header_overrides)
    if items is None:
        upper = MAX_ITEMS if pages is None else min(MAX_ITEMS, MAX_ITEMS_PER_PAGE * pages)
        items = rng.randint(pages or 1, upper)
    fixed = fixed_items or {}
    codes = {item.product_code for item in fixed.values()}
    upcs = {item.upc for item in fixed.values()}
    knobs = dict(
        wrap_probability=wrap_probability,
        zero_probability=zero_probability,
        surcharge_probability=surcharge_probability,
        two_line_tariff_probability=two_line_tariff_probability,
        new_prefix_probability=new_prefix_probability,
        rt_probability=rt_probability,
        kind=kind,
        blank_probability=blank_probability,
        drop_probability=drop_probability,
        undetermined_drops=undetermined_drops,
        noise_token_probability=noise_token_probability,
        cancelled_weight=cancelled_weight,
    )
    drawn = tuple(fixed[i] if i in fixed else random_item(rng, codes, upcs, **knobs) for i in range(items))
    lines = [line for index, item in enumerate(drawn) for line in item.table_lines(index)]
    if pages is None:
        pages = min(
            MAX_PAGES, max(min_pages_for(len(lines)), rng.randint(1, max(1, min(MAX_PAGES, items // 6))))
        )
    if freight is None:
        freight = Decimal(rng.choice(("0.00", "0.00", "18.50", "42.75", "126.40")))
    breaks = choose_page_breaks(rng, lines, pages, page_split_probability)
    if furniture is None:
        furniture = random_furniture(
            rng,
            pages,
            footer_probability=footer_probability,
            continued_probability=continued_probability,
            stamp_probability=stamp_probability,
            note_probability=note_probability,
            stamps_on_values=stamps_on_values,
        )
    invoice = Invoice(header, drawn, freight, breaks, furniture)
    check_layout(invoice)
    return invoice


def noisy_knobs(rng: random.Random, positions: bool) -> dict:
    """`random_invoice` knobs drawn across everything the format allows. `positions`: the document
    will be read with word positions (PDF or tokens), so blank cells can be told apart; without
    them a lost price may also be one its row does not determine (the truth is then unknown)."""
    pick = rng.choice
    return {
        "wrap_probability": pick((0.0, 0.3, 0.8)),
        "zero_probability": pick((0.0, 0.1, 0.4)),
        "surcharge_probability": pick((0.0, 0.2, 0.6)),
        "two_line_tariff_probability": pick((0.0, 1.0)),
        "page_split_probability": pick((0.0, 1.0)),
        "new_prefix_probability": pick((0.0, 0.3)),
        "rt_probability": pick((0.0, 0.1)),
        "blank_probability": pick((0.0, 0.3, 1.0)) if positions else 0.0,
        "drop_probability": pick((0.0, 0.05, 0.2)),
        "undetermined_drops": not positions and rng.random() < 0.5,
        "noise_token_probability": pick((0.0, 0.1, 0.4)),
        "footer_probability": pick((0.0, 1.0)),
        "continued_probability": pick((0.0, 1.0)),
        "stamp_probability": pick((0.0, 0.3, 1.0)),
        "note_probability": pick((0.0, 1.0)),
        "label_layout": pick(("inline", "stacked", "scattered")),
        "vendor_name": pick(VENDOR_SPELLINGS),
    }
