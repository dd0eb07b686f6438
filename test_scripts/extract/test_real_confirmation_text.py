"""The real rows of order confirmation CS003837319 (shared data), as Document AI text without
positions, in each reading order of the domain doc: every value the page prints comes out exactly.

Expected values are read from /work/shared/data/creative-coop-real-documents.json, never from the
extractor. Where the shared data knows only the start of a description, only that start is
printed (and asserted); `6"H Metal Ballerina Ornament, Sage` is the domain doc's sheet example.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoice_processing import extract_invoice
from invoice_processing.sheet_rows import sheet_rows

from .docai_builder import as_bytes, shared_facts, text_document

FACTS = shared_facts()["CS003837319"]
ROWS = FACTS["rows_with_every_column"]
FULL_DESCRIPTION = {"XS9826A": ('6"H Metal Ballerina Ornament,', "Sage")}
#: A footer in words no code knows; it repeats at the foot of every page.
FOOTER = "Returns accepted within 30 days with prior authorisation"
COLUMN_HEADER = "Product Code UPC Description RT Qty Ord Qty Alloc Qty Shipped Qty BkOrd U/M List Price Your Price Your Extd Price"


def header(page: int, pages: int) -> list[str]:
    # labels far from their values, with the real header line between them (domain doc 2)
    return [
        "Creative Co-op",
        "ORDER CONFIRMATION",
        f"Page {page} of {pages}",
        "ORDER NO:",
        "ORDER DATE:",
        "CUSTOMER NO:",
        "PO NO:",
        FACTS["header_line_seen"],
        "CS003837319",
        "1/17/2025",
        "402177",
        "FH-0117",
        COLUMN_HEADER,
    ]


def numbers(row: dict) -> list[str]:
    return [str(row[k]) for k in ("qty_ord", "qty_alloc", "qty_shipped", "qty_bkord")] + [
        row["unit"], row["list_price"], row["your_price"], row["extended"]
    ]  # fmt: skip


def description(row: dict) -> tuple[str, ...]:
    return FULL_DESCRIPTION.get(row["product_code"], (row["description_start"],))


def row_lines(row: dict, order: int) -> tuple[list[str], list[str]]:
    """(lines on the row's page, lines continuing after a page break) for one row; the description
    beyond its first line goes to the continuation, as when the page breaks inside it."""
    code, upc, desc = row["product_code"], row["upc"], description(row)
    if order == 1:
        first = [code, upc, desc[0], *numbers(row)]
    elif order == 2:
        first = [" ".join([code, upc, desc[0], *numbers(row)])]
    else:
        first = [" ".join([code, upc, *numbers(row)]), desc[0]]
    tariff = [f"Tariff Surcharge {row['tariff']}"] if "tariff" in row else []
    return first, [*desc[1:], *tariff]


def confirmation(order: int) -> bytes:
    """Page 1: three rows, the last cut by the page break; page 2: its rest, three rows, totals."""
    page1, page2 = header(1, 2), header(2, 2)
    cut = ROWS[0]  # XS9826A, whose description wraps onto page 2
    for row in ROWS[1:3]:
        first, rest = row_lines(row, order)
        page1 += first + rest
    first, rest = row_lines(cut, order)
    page1 += first
    page2 += rest
    for row in ROWS[3:]:
        first, rest = row_lines(row, order)
        page2 += first + rest
    subtotal = sum(Decimal(r["extended"]) for r in ROWS)
    tariffs = sum(Decimal(r.get("tariff", "0")) for r in ROWS)
    page1.append(FOOTER)
    page2 += [
        f"Merchandise Subtotal {subtotal}",
        f"Tariff Surcharge Total {tariffs}",
        "Freight 0.00",
        f"Total {subtotal + tariffs}",
        FOOTER,
    ]
    return as_bytes(text_document([page1, page2]))


@pytest.mark.parametrize("order", [1, 2, 3])
def test_every_known_value_of_the_real_rows(order):
    invoice = extract_invoice(confirmation(order))
    assert (invoice.vendor, invoice.document_kind, invoice.invoice_number, invoice.order_number) == (
        "Creative Co-op", "order_confirmation", "CS003837319", "CS003837319",
    )  # fmt: skip
    assert invoice.order_date == dt.date.fromisoformat(FACTS["order_date"])
    got = {item.product_code: item for item in invoice.line_items}
    assert list(got) == [ROWS[1]["product_code"], ROWS[2]["product_code"], ROWS[0]["product_code"]] + [
        r["product_code"] for r in ROWS[3:]
    ]
    for row in ROWS:
        item = got[row["product_code"]]
        assert (item.upc, item.qty_ordered, item.qty_allocated, item.qty_shipped, item.qty_backordered) == (
            row["upc"], row["qty_ord"], row["qty_alloc"], row["qty_shipped"], row["qty_bkord"],
        )  # fmt: skip
        assert (item.unit, item.list_price, item.unit_price, item.extended_price) == (
            row["unit"], Decimal(row["list_price"]), Decimal(row["your_price"]), Decimal(row["extended"]),
        )  # fmt: skip
        assert item.description == " ".join(description(row))  # no footer, no tariff words
    assert FOOTER not in " ".join(i.description for i in invoice.line_items)
    assert invoice.quality.by_name()["subtotal_reconciles"]


@pytest.mark.parametrize("order", [1, 2, 3])
def test_sheet_rows_follow_the_business(order):
    rows = sheet_rows(extract_invoice(confirmation(order)))
    by_code = {row[3].split(" - ")[0]: row for row in rows}
    known = {r["product_code"]: r for r in FACTS["known_rows"]}
    for code in by_code:
        assert code in known
        assert by_code[code][4:] == [f"${Decimal(known[code]['your_price']):,.2f}", known[code]["sheet_qty"]]
        assert by_code[code][:3] == ["1/17/2025", "Creative Co-op", "CS003837319"]
    printed = {r["product_code"] for r in ROWS}
    assert set(by_code) == printed - set(FACTS["no_sheet_row"])  # the cancelled XS8911A gets none
    assert "XS8911A" in printed
    assert by_code["XS9826A"][3] == 'XS9826A - UPC: 191009727774 - 6"H Metal Ballerina Ornament, Sage'


def test_domain_doc_orders_quoted_verbatim():
    """The exact lines the domain doc quotes for each order, each in a one-page document."""
    quoted = {
        1: ["XS9826A", "191009727774", '6"H Metal Ballerina Ornament,', "24", "0", "0", "24", "each", "2.00",
            "1.60", "38.40"],
        2: ['XS9826A 191009727774 6"H Metal Ballerina Ornament, 24 0 0 24 each 2.00 1.60 38.40'],
        3: ["XS8911A 191009710615 12 0 0 0 each 10.00 8.00 0.00", '4-3/4"L x 3-1/2"W x 10"H Metal'],
    }  # fmt: skip
    facts = {r["product_code"]: r for r in ROWS}
    for lines in quoted.values():
        invoice = extract_invoice(as_bytes(text_document([header(1, 1) + lines])))
        (item,) = invoice.line_items
        row = facts[item.product_code]
        assert item.description == row["description_start"]
        assert (item.qty_ordered, item.qty_allocated, item.qty_shipped, item.qty_backordered, item.unit) == (
            row["qty_ord"], row["qty_alloc"], row["qty_shipped"], row["qty_bkord"], row["unit"],
        )  # fmt: skip
        assert (str(item.list_price), str(item.unit_price), str(item.extended_price)) == (
            row["list_price"], row["your_price"], row["extended"],
        )  # fmt: skip
        assert len(sheet_rows(invoice)) == (0 if item.product_code in FACTS["no_sheet_row"] else 1)
