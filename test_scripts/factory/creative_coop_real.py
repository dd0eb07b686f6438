"""The rows known of the two real reference documents, as source data for their golden rebuilds.

`creative_coop_real_documents.json` is a copy of the business's shared facts
(`shared/data/creative-coop-real-documents.json`): every value it gives is used exactly; whatever it
leaves out (a description's end, a row's other quantities, a list price) is drawn here in the
format's style, never contradicting it.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from .creative_coop_model import WHOLESALE_SHARE, DocumentKind, Item
from .creative_coop_random import LIST_PRICES, random_upc
from .creative_coop_text import (
    COLORS,
    DESCRIPTION_WIDTH,
    INVOICE_DESCRIPTION_WIDTH,
    OBJECTS,
    SIZES,
    is_printable,
    random_description,
    wrap_description,
)
from .generic import money

FACTS_PATH = Path(__file__).with_name("creative_coop_real_documents.json")


@cache
def facts() -> dict[str, Any]:
    return json.loads(FACTS_PATH.read_text(encoding="utf-8"))


def list_price_for(your_price: Decimal) -> Decimal:
    """The list price whose 80% is `your_price` (the format's rule; every known price fits it)."""
    list_price = money(your_price / WHOLESALE_SHARE)
    if money(list_price * WHOLESALE_SHARE) != your_price:
        raise ValueError(f"no list price has {your_price} as its 80%")
    return list_price


def description_with(rng: random.Random, start: str, contains: str, width: float) -> tuple[str, ...]:
    """A description beginning with `start` (a known first line) or containing `contains`."""
    for _ in range(400):
        if start:
            lines = (start, rng.choice(COLORS)) if rng.random() < 0.7 else (start,)
        else:
            text = f"{rng.choice(SIZES)} {contains}"
            if len(contains.split()) < 2:
                text += f" {rng.choice(OBJECTS)}"
            lines = wrap_description(text + (f", {rng.choice(COLORS)}" if rng.random() < 0.6 else ""), width)
        if is_printable(lines, width):
            return lines
    raise RuntimeError(f"no printable description for {start or contains!r}")  # pragma: no cover


def confirmation_status(rng: random.Random, ordered: int) -> tuple[int, int, int]:
    """(allocated, shipped, back-ordered) of a row ordered and not cancelled."""
    status = rng.choices(("bkord", "alloc", "shipped"), (50, 35, 15))[0]
    return {"bkord": (0, 0, ordered), "alloc": (ordered, 0, 0), "shipped": (ordered, ordered, 0)}[status]


def _item(code: str, upc: str, lines: tuple[str, ...], qty: tuple[int, int, int, int], **fields) -> Item:
    return Item(code, upc, lines, *qty, **fields)


def cs003837319_known_items(rng: random.Random, upcs: set[str]) -> list[Item]:
    """Every row the facts give for CS003837319, first the fully known ones, then the rest, then
    the cancelled rows known only by their code."""
    document = facts()["CS003837319"]
    items: list[Item] = []
    for row in document["rows_with_every_column"]:
        upcs.add(row["upc"])
        start = row["description_start"]
        lines = ('6"H Metal Ballerina Ornament,', "Sage") if row["product_code"] == "XS9826A" else None
        items.append(
            _item(
                row["product_code"],
                row["upc"],
                lines or description_with(rng, start, "", DESCRIPTION_WIDTH),
                (row["qty_ord"], row["qty_alloc"], row["qty_shipped"], row["qty_bkord"]),
                unit=row["unit"],
                list_price=Decimal(row["list_price"]),
                your_price_printed=Decimal(row["your_price"]),
                has_tariff="tariff" in row,
            )
        )
    full = {item.product_code for item in items}
    for row in document["known_rows"]:
        if row["product_code"] in full:
            continue
        upcs.add(row["upc"])
        your_price = Decimal(row["your_price"])
        ordered = row["sheet_qty"]
        items.append(
            _item(
                row["product_code"],
                row["upc"],
                description_with(rng, "", row["description_contains"], DESCRIPTION_WIDTH),
                (ordered, *confirmation_status(rng, ordered)),
                unit="each",
                list_price=list_price_for(your_price),
                your_price_printed=your_price,
                has_tariff=rng.random() < 0.3,
            )
        )
    for code in document["no_sheet_row"]:
        if code in full:
            continue
        list_price = Decimal(rng.choice(LIST_PRICES))
        items.append(
            _item(
                code,
                random_upc(rng, upcs),
                random_description(rng, wrapped=rng.random() < 0.5),
                (rng.choice((6, 12, 24)), 0, 0, 0),
                unit="each",
                list_price=list_price,
            )
        )
    return items


#: Values not in the facts, chosen to match the column block domain doc 2b quotes (`12 / 0 / each /
#: 4.00 / … / 3.20 / 38.40` with a `TRF-CCOI`, and `0 / 6 / each / 15.00`).
CI004848705_QUOTED = {
    "DA4315": {"qty_bkord": 0, "unit": "each", "list_price": "4.00", "your_price": "3.20", "tariff": True},
    "DF0716": {"qty_bkord": 6, "unit": "each", "list_price": "15.00"},
}


def ci004848705_items(rng: random.Random, upcs: set[str]) -> list[Item]:
    """The 52 products of invoice CI004848705 in document order, with the business's shipped
    quantities and every other known value; unknown values drawn."""
    rows = [{**CI004848705_QUOTED.get(r["product_code"], {}), **r} for r in facts()["CI004848705"]["rows"]]
    for row in rows:
        if "upc" in row:
            upcs.add(row["upc"])
    kind: DocumentKind = "invoice"
    items = []
    for row in rows:
        shipped = row["qty_shipped"]
        code = row["product_code"]
        if "your_price" in row:
            your_price = Decimal(row["your_price"])
        elif "extended" in row and shipped:
            your_price = money(Decimal(row["extended"]) / shipped)
        else:
            your_price = None
        if "list_price" in row:
            list_price = Decimal(row["list_price"])
        elif your_price is not None:
            list_price = list_price_for(your_price)
        else:
            list_price = Decimal(rng.choice(LIST_PRICES[4:24]))
        if "qty_bkord" in row:
            backordered = row["qty_bkord"]
        elif shipped:
            backordered = rng.choice((0, 0, 0, 0, 6, 12))
        else:
            backordered = rng.choice((2, 4, 6, 6, 12, 12, 24))
        if "description" in row:
            lines = wrap_description(row["description"], INVOICE_DESCRIPTION_WIDTH)
            if len(lines) != 1:
                raise ValueError(f"{code}'s known description does not fit one invoice line")
        else:
            lines = random_description(rng, wrapped=rng.random() < 0.2, width=INVOICE_DESCRIPTION_WIDTH)
        items.append(
            _item(
                code,
                row.get("upc") or random_upc(rng, upcs),
                lines,
                (shipped + backordered, 0, shipped, backordered),
                unit=row.get("unit", "each"),
                list_price=list_price,
                your_price_printed=your_price,
                kind=kind,
                dropped="your_price" if "OCR dropped" in row.get("note", "") else "",
                has_tariff=row.get("tariff", shipped > 0 and rng.random() < 0.3),
            )
        )
    return items
