"""Creative Co-op invoice CI004848705 (domain doc 2b): its real rows from the shared data, as text
in the three reading orders, the real column-block text quoted by the domain doc, and the same kind
of page with Document AI tokens placed like the printed one.

Values the shared data knows are asserted from it. Cells it does not know (DF6360's prices, say)
are printed with values chosen here and asserted as printed, so nothing expected comes from the
extractor. Invoice header values other than the CI… number are not known either: the test prints
and asserts its own.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from invoice_processing import extract_invoice
from invoice_processing.sheet_rows import sheet_rows

from .docai_builder import (
    FONT,
    INVOICE_X,
    PAGE_H,
    PAGE_W,
    PITCH,
    TABLE_TOP,
    Cell,
    Row,
    as_bytes,
    document,
    invoice_header,
    shared_facts,
    text_document,
)

FACTS = {row["product_code"]: row for row in shared_facts()["CI004848705"]["rows"]}
ORDER_NO, ORDER_DATE, INVOICE_DATE = "CS003945527", "1/17/2025", "3/4/2025"
LABELS = {"INVOICE NO:": "CI004848705", "INVOICE DATE:": INVOICE_DATE, "ORDER NO:": ORDER_NO,
          "ORDER DATE:": ORDER_DATE, "CUSTOMER NO:": "402177", "PO NO:": "SPRING25"}  # fmt: skip
COLUMN_HEADER = (
    "Product Code UPC Description RT Qty Shipped Qty BkOrd U/M List Price Your Price Your Extd Price"
)


def fact_row(code: str, *, bkord: str, unit: str, prices: tuple[str, ...], rt: str = "") -> dict:
    """A printed row: code, UPC, description and shipped from the shared data; the rest as given
    (the shared data's own values where it has them)."""
    fact = FACTS[code]
    shipped = str(fact["qty_shipped"])
    return {"code": code, "upc": fact["upc"], "desc": fact["description"], "rt": rt,
            "numbers": [q for q in (shipped, bkord) if q] + [unit, *prices]}  # fmt: skip


# DF7753A: every column known. DF7838A: Your Price dropped by OCR (real). DF5599: a stray `lo` in RT.
# DF0716: nothing shipped, Your Price dropped: the row cannot say which price is left.
# DF7212A: nothing shipped, its blank Qty Shipped cell (0) not printed at all.
ROWS = [
    fact_row("DF7753A", bkord=str(FACTS["DF7753A"]["qty_bkord"]), unit="each",
             prices=(FACTS["DF7753A"]["list_price"], FACTS["DF7753A"]["your_price"], FACTS["DF7753A"]["extended"])),
    fact_row("DF7838A", bkord=str(FACTS["DF7838A"]["qty_bkord"]), unit="each",
             prices=(FACTS["DF7838A"]["list_price"], FACTS["DF7838A"]["extended"])),
    fact_row("DF5599", bkord="0", unit="each", prices=("20.00", "16.00", "128.00"), rt="lo"),
    fact_row("DF0716", bkord="6", unit="each", prices=("15.00", "0.00")),
    fact_row("DF6360", bkord="0", unit="Set", prices=("8.00", "6.40", "38.40")),
]  # fmt: skip
ROWS.append({**fact_row("DF7212A", bkord="12", unit="each", prices=("5.00", "4.00", "0.00"))})
ROWS[-1]["numbers"] = ROWS[-1]["numbers"][1:]  # the 0 shipped is a blank cell
TARIFFS = {"DF5599": "19.20", "DF6360": "5.76"}
SUBTOTAL = Decimal("57.60") + Decimal("115.20") + Decimal("128.00") + Decimal("38.40")


def head(page: int, pages: int) -> list[str]:
    return ["Creative Co-op", "INVOICE", f"Page {page} of {pages}", *LABELS, *LABELS.values(), COLUMN_HEADER]


def lines_of(row: dict, order: int) -> list[str]:
    start = [row["code"], row["upc"]]
    rt = [row["rt"]] if row["rt"] else []
    if order == 1:
        lines = [*start, row["desc"], *rt, *row["numbers"]]
    elif order == 2:
        lines = [" ".join([*start, row["desc"], *rt, *row["numbers"]])]
    else:
        lines = [" ".join([*start, *rt, *row["numbers"]]), row["desc"]]
    if row["code"] in TARIFFS:
        lines.append(f"TRF-CCOI {TARIFFS[row['code']]}")
    return lines


def text_invoice(order: int) -> bytes:
    body = [line for row in ROWS for line in lines_of(row, order)]
    tariffs = sum(Decimal(t) for t in TARIFFS.values())
    totals = [f"Merchandise Subtotal {SUBTOTAL}", f"Tariff Surcharge Total {tariffs}", "Freight 12.00",
              f"Invoice Total {SUBTOTAL + tariffs + 12}"]  # fmt: skip
    return as_bytes(text_document([head(1, 1) + body + totals]))


def assert_real_invoice(invoice) -> None:  # noqa: ANN001 - an Invoice
    assert (invoice.document_kind, invoice.invoice_number, invoice.order_number) == (
        "invoice", "CI004848705", ORDER_NO,
    )  # fmt: skip
    assert invoice.order_date == dt.date(2025, 1, 17)
    got = {item.product_code: item for item in invoice.line_items}
    assert list(got) == [row["code"] for row in ROWS]  # no TRF-CCOI item, nothing else
    for code, item in got.items():
        fact = FACTS[code]
        assert (item.upc, item.description, item.qty_shipped) == (
            fact["upc"],
            fact["description"],
            fact["qty_shipped"],
        )
    full = got["DF7753A"]
    fact = FACTS["DF7753A"]
    assert (full.qty_backordered, full.qty_ordered, full.unit) == (fact["qty_bkord"], 24, fact["unit"])
    assert (str(full.list_price), str(full.unit_price), str(full.extended_price)) == (
        fact["list_price"], fact["your_price"], fact["extended"],
    )  # fmt: skip
    dropped = got["DF7838A"]  # 115.20 / 24 = the real 4.80, and 6.00 is then the list price
    fact = FACTS["DF7838A"]
    assert (str(dropped.list_price), str(dropped.unit_price), str(dropped.extended_price)) == (
        fact["list_price"], fact["your_price"], fact["extended"],
    )  # fmt: skip
    assert (got["DF5599"].qty_backordered, got["DF5599"].unit_price) == (0, Decimal("16.00"))  # `lo` ignored
    undetermined = got["DF0716"]
    assert (undetermined.qty_shipped, undetermined.qty_backordered, undetermined.qty_ordered) == (0, 6, 6)
    assert (undetermined.list_price, undetermined.unit_price, undetermined.extended_price) == (
        None, None, Decimal("0.00"),
    )  # fmt: skip
    blank = got["DF7212A"]
    assert (blank.qty_shipped, blank.qty_backordered, blank.unit_price) == (0, 12, Decimal("4.00"))
    assert (got["DF6360"].qty_ordered, got["DF6360"].unit, got["DF6360"].unit_price) == (
        6,
        "Set",
        Decimal("6.40"),
    )
    checks = {check.name: check for check in invoice.quality.checks}
    assert checks["recovered_prices"].passed and "DF7838A" in checks["recovered_prices"].detail
    assert "DF0716" not in checks["recovered_prices"].detail
    assert checks["subtotal_reconciles"].passed and checks["extended_matches_qty_x_price"].passed
    assert invoice.totals.tariff_surcharge_total == Decimal("24.96")
    rows = sheet_rows(invoice)  # one per product shipped, with the shipped quantity
    assert [(r[0], r[2], r[3].split(" - ")[0], r[5]) for r in rows] == [
        (ORDER_DATE, "CI004848705", code, FACTS[code]["qty_shipped"])
        for code in ("DF7753A", "DF7838A", "DF5599", "DF6360")
    ]
    assert rows[1][4] == "$4.80"


@pytest.mark.parametrize("order", [1, 2, 3])
def test_real_invoice_rows_in_every_text_order(order):
    assert_real_invoice(extract_invoice(text_invoice(order)))


# --- column blocks ------------------------------------------------------------------------------

#: The domain doc's quote of the real Document AI text for CI004848705, verbatim.
REAL_BLOCK = ["DF6360", "191009487548", 'S/3 4-1/4"H Stoneware Sugar Pot w/ Lid, Spoon & Creamer', "12", "0",
              "each", "4.00", "0", "6", "each", "15.00", "TRF-CCOI", "3.20", "38.40"]  # fmt: skip


def test_real_column_block_without_tokens_is_not_guessed():
    """Text alone cannot say whose numbers these are (DF6360 shipped 6, not the 12 printed first):
    the row is reported unread instead of being given another row's numbers."""
    before = lines_of(ROWS[0], 2)
    invoice = extract_invoice(as_bytes(text_document([head(1, 1) + before + REAL_BLOCK])))
    assert [item.product_code for item in invoice.line_items] == ["DF7753A"]
    checks = {check.name: check for check in invoice.quality.checks}
    assert not checks["rows_read"].passed and "DF6360" in checks["rows_read"].detail


def positioned_pages(order: str, furniture: bool) -> list[list[Cell]]:
    """The rows on two printed pages (DF6360's description wraps across the break), with TRF-CCOI
    rows under their items, and the text in column blocks of three rows (or row by row)."""
    pages: list[list[Cell]] = []
    y = TABLE_TOP
    split_at = 3  # rows before the page break (DF5599 is the last on page 1)
    page_rows: list[list[tuple[list[Cell], list[Cell]]]] = [[], []]
    carry: list[Cell] = []
    pending_tariff = None
    for index, row in enumerate(ROWS):
        page = 0 if index < split_at else 1
        if index == split_at:
            y = TABLE_TOP
        cells = {"code": row["code"], "upc": row["upc"], "rt": row["rt"]}
        keys = ("ship", "bk", "um", "list", "your", "extd") if len(row["numbers"]) == 6 else ()
        if row["code"] == "DF7838A":  # Your Price missing: List and Extd printed in their columns
            cells.update(ship=row["numbers"][0], bk=row["numbers"][1], um="each", list=row["numbers"][3],
                         extd=row["numbers"][4])  # fmt: skip
        elif row["code"] == "DF0716":
            cells.update(ship="0", bk="6", um="each", list="15.00", extd="0.00")
        elif row["code"] == "DF7212A":  # the shipped cell blank
            cells.update(bk="12", um="each", list="5.00", your="4.00", extd="0.00")
        else:
            cells.update(zip(keys, row["numbers"], strict=True))
        words = row["desc"].split()
        wrap = [" ".join(words[:5]), " ".join(words[5:])] if len(words) > 5 else [row["desc"]]
        if row["code"] == "DF5599" and page == 0:  # last row of page 1: its description breaks over
            left, right, _ = Row(cells, (wrap[0],)).placed(y)
            carry = [Cell(line, INVOICE_X["desc"], TABLE_TOP + PITCH * n) for n, line in enumerate(wrap[1:])]
            y += PITCH
        else:
            if carry and page == 1:
                page_rows[1].append((carry, []))
                y += PITCH * len(carry)
                carry = []
                if pending_tariff:  # a tariff row follows its item's whole description
                    page_rows[1].append(pending_tariff(y))
                    y += PITCH
                    pending_tariff = None
            left, right, y = Row(cells, tuple(wrap)).placed(y)
        page_rows[page].append((left, right))
        if row["code"] in TARIFFS and carry:
            amount = TARIFFS[row["code"]]

            def pending_tariff(y: float, amount: str = amount) -> tuple[list[Cell], list[Cell]]:
                return [Cell("TRF-CCOI", INVOICE_X["code"], y)], [Cell.right(amount, 580, y)]
        elif row["code"] in TARIFFS:
            page_rows[page].append(
                ([Cell("TRF-CCOI", INVOICE_X["code"], y)], [Cell.right(TARIFFS[row["code"]], 580, y)])
            )
            y += PITCH
    for number, rows in enumerate(page_rows, 1):
        cells = invoice_header(number, 2, LABELS)
        if order == "blocks":  # codes, UPCs, descriptions of three rows, then their numbers
            for start in range(0, len(rows), 3):
                group = rows[start : start + 3]
                cells += [c for left, _ in group for c in left] + [c for _, right in group for c in right]
        else:
            cells += [c for left, right in rows for c in (*left, *right)]
        if number == 2:
            last = max(c.y for c in cells)
            tariffs = sum(Decimal(t) for t in TARIFFS.values())
            for n, (label, value) in enumerate((("Merchandise Subtotal", SUBTOTAL), ("Tariff Surcharge Total", tariffs),
                                                ("Freight", Decimal("12.00")),
                                                ("Invoice Total", SUBTOTAL + tariffs + 12))):  # fmt: skip
                cells += [
                    Cell(label, 380, last + 30 + n * PITCH),
                    Cell.right(f"{value}", 580, last + 30 + n * PITCH),
                ]
        if furniture:  # wording nobody lists, placed where furniture goes: foot, stamp, `Continued`
            cells.append(Cell("Goods remain the property of the seller until paid in full", 24, 750))
            cells.append(Cell("RECEIVED", INVOICE_X["desc"] + 30, max(c.y for c in cells) + 3 * FONT))
            if number == 1:
                cells.append(Cell("Continued", 280, 735))
        pages.append(cells)
    return pages


@pytest.mark.parametrize("order", ["blocks", "rows"])
def test_tokens_give_rows_and_columns_whatever_the_text_order(order):
    doc = document(positioned_pages(order, furniture=True), tokens=True)
    assert_real_invoice(extract_invoice(as_bytes(doc)))


def test_same_column_blocks_without_tokens_are_reported_not_invented():
    doc = document(positioned_pages("blocks", furniture=False), tokens=False)
    invoice = extract_invoice(as_bytes(doc))
    checks = {check.name: check for check in invoice.quality.checks}
    assert not checks["rows_read"].passed
    for item in invoice.line_items:  # whatever was read is the row's own
        fact = FACTS[item.product_code]
        assert (item.upc, item.qty_shipped) == (fact["upc"], fact["qty_shipped"])


def _turn(doc: dict, degrees: float) -> dict:
    """Every token's corners turned about the page centre, as a scan fed in crooked."""
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    for page in doc["pages"]:
        for token in page["tokens"]:
            for vertex in token["layout"]["boundingPoly"]["normalizedVertices"]:
                x, y = (vertex["x"] - 0.5) * PAGE_W, (vertex["y"] - 0.5) * PAGE_H
                vertex["x"] = 0.5 + (x * cos - y * sin) / PAGE_W
                vertex["y"] = 0.5 + (x * sin + y * cos) / PAGE_H
    return doc


@pytest.mark.parametrize("degrees", [-0.6, 0.6])
def test_tokens_of_a_crooked_scan_still_give_rows(degrees):
    # 0.6 degrees lifts the right end of a row about 6 points: more than a row's height apart
    doc = _turn(document(positioned_pages("blocks", furniture=True), tokens=True), degrees)
    assert_real_invoice(extract_invoice(as_bytes(doc)))
