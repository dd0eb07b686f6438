"""The generic path (any vendor without a parser of its own) invents nothing and stays linear."""

import datetime as dt
import time
from decimal import Decimal

import pytest

from invoice_processing.document import Entity
from invoice_processing.vendors.generic import GenericParser, identifier, items_from_entity, parse_money

from .big_text import ROWS_PER_PAGE, line_item, megabyte_document, text_doc

ROWS = 18_500


# --- product codes: printed, or empty ------------------------------------------------------------


def test_no_product_code_is_made_from_the_description():
    entity = line_item("Laptop 2 500.00 1,000.00", description="Laptop", quantity="2", unit_price="500.00")
    [item] = items_from_entity(entity)
    assert (item.product_code, item.description, item.qty_ordered) == ("", "Laptop", 2)
    assert (item.unit_price, item.extended_price) == (Decimal("500.00"), Decimal("1000.00"))


def test_a_description_word_in_the_code_property_is_not_a_code():
    entity = line_item("Laptop 2 500.00 1,000.00", product_code="Laptop", description="Laptop", quantity="2")
    assert [i.product_code for i in items_from_entity(entity)] == [""]


def test_a_printed_code_is_kept():
    entity = line_item("LT-100 Laptop 2 500.00 1,000.00", product_code="LT-100", description="Laptop")
    assert [i.product_code for i in items_from_entity(entity)] == ["LT-100"]


# --- vendor, invoice number, PO number: checked against the text ---------------------------------


def test_a_vendor_the_text_does_not_print_is_not_accepted():
    doc = text_doc(
        ["Paper Goods Ltd", "Invoice Number: 88120", "Sold to: The Freckled Hen"],
        entities=[Entity("supplier_name", "John Smith")],
    )
    assert GenericParser().parse(doc).vendor == "Paper Goods Ltd"
    alone = text_doc(["INVOICE", "Invoice Number: 88120"], entities=[Entity("supplier_name", "John Smith")])
    assert GenericParser().parse(alone).vendor == "Unknown"
    printed = text_doc(
        ["Acme Paper", "Invoice Number: 88120"], entities=[Entity("supplier_name", "Acme\nPaper")]
    )
    assert GenericParser().parse(printed).vendor == "Acme Paper"


@pytest.mark.parametrize(
    ("raw", "number"),
    [("NO. 001", "001"), ("#3104577", "3104577"), ("Invoice No: INV-2207", "INV-2207"), ("NO.", None),
     ("Invoice #", None), ("Number", None), ("", None)],
)  # fmt: skip
def test_a_label_is_not_a_number(raw, number):
    assert identifier(raw) == number


def test_document_ai_invoice_number_is_used_only_when_it_is_a_number_the_text_prints():
    lines = ["Paper Goods Ltd", "Invoice No.", "INV-2207", "Customer PO: FH-0514"]
    label_only = text_doc(lines, entities=[Entity("invoice_id", "NO.")])
    assert GenericParser().parse(label_only).invoice_number == "INV-2207"
    unprinted = text_doc(lines, entities=[Entity("invoice_id", "A99881")])
    assert GenericParser().parse(unprinted).invoice_number == "INV-2207"
    printed = text_doc(
        lines, entities=[Entity("invoice_id", "INV-2207"), Entity("purchase_order", "PO FH-0514")]
    )
    parsed = GenericParser().parse(printed)
    assert (parsed.invoice_number, parsed.po_number) == ("INV-2207", "FH-0514")


def test_po_number_from_its_label_when_document_ai_has_none():
    doc = text_doc(
        [
            "Rifle Paper Co. INVOICE",
            "Invoice Number: 3104577",
            "Invoice Date: 05/14/2025",
            "Customer PO: FH-0514",
        ]
    )
    parsed = GenericParser().parse(doc)
    assert (parsed.invoice_number, parsed.po_number, parsed.order_date) == (
        "3104577",
        "FH-0514",
        dt.date(2025, 5, 14),
    )


# --- totals and amounts --------------------------------------------------------------------------


def test_subtotal_freight_and_total_when_printed():
    doc = text_doc(
        ["Acme Paper Inc", "Subtotal: $22,379.39", "Shipping & Handling: $120.00", "Total: $22,499.39"]
    )
    totals = GenericParser().parse(doc).totals
    assert (totals.merchandise_subtotal, totals.freight, totals.total) == (
        Decimal("22379.39"),
        Decimal("120.00"),
        Decimal("22499.39"),
    )


def test_totals_listed_apart_from_their_labels():
    doc = text_doc(["Acme Paper Inc", "Subtotal:", "Shipping:", "Total:", "$366.00", "$12.50", "$378.50"])
    totals = GenericParser().parse(doc).totals
    assert (totals.merchandise_subtotal, totals.freight, totals.total) == (
        Decimal("366.00"),
        Decimal("12.50"),
        Decimal("378.50"),
    )


def test_no_totals_printed_is_none_not_zero():
    assert GenericParser().parse(text_doc(["Acme Paper Inc", "Invoice Number: 88120"])).totals is None


@pytest.mark.parametrize(
    ("token", "value"),
    [("1.234,56", "1234.56"), ("12,50", "12.50"), ("1,234.56", "1234.56"), ("$7.00", "7.00"), ("(3.50)", "3.50"),
     ("7", "7"), ("1,234,56", None), ("12,5", None), ("abc", None)],
)  # fmt: skip
def test_amounts_in_either_decimal_convention(token, value):
    assert parse_money(token) == (Decimal(value) if value else None)


def test_rows_and_totals_with_comma_decimals():
    doc = text_doc(
        [
            "Papeterie Lyon SARL",
            "Invoice Number: 2025-118",
            "CRD101 Carte anniversaire 12,50 2 25,00",
            "FRM200 Cadre 1.234,56 2 2.469,12",
            "Subtotal: 2.494,12",
        ]
    )
    parsed = GenericParser().parse(doc)
    assert [(i.product_code, i.qty_ordered, i.unit_price, i.extended_price) for i in parsed.line_items] == [
        ("CRD101", 2, Decimal("12.50"), Decimal("25.00")),
        ("FRM200", 2, Decimal("1234.56"), Decimal("2469.12")),
    ]
    assert parsed.totals.merchandise_subtotal == Decimal("2494.12")


# --- a megabyte of text: linear, measured (no timing assertion; bench/bench_generic.py) ---------


def test_a_megabyte_of_text_is_parsed_linearly():
    doc = megabyte_document(ROWS)
    assert len(doc.text) >= 1_000_000
    started = time.perf_counter()
    parsed = GenericParser().parse(doc)
    seconds = time.perf_counter() - started
    print(f"generic parse of {len(doc.text):,} characters: {seconds:.2f} s")
    assert len(parsed.line_items) == ROWS
    last = parsed.line_items[-1]
    assert (last.product_code, last.page, last.qty_ordered) == (
        f"C{ROWS - 1:06d}X",
        ROWS // ROWS_PER_PAGE,
        (ROWS - 1) % 9 + 1,
    )
