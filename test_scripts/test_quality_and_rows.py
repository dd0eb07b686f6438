"""Ground-truth-free quality checks and the sheet rows (domain doc section 4)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from invoice_processing.models import Invoice, LineItem, ParsedInvoice, Totals
from invoice_processing.quality import gtin_check_digit_ok, run_quality_checks
from invoice_processing.sheet_rows import sheet_rows


def item(
    code="XS9826A",
    upc="191009727774",
    qty=24,
    price="1.60",
    ext="38.40",
    desc='6"H Metal Ballerina Ornament, Sage',
):
    return LineItem(
        product_code=code,
        upc=upc,
        description=desc,
        qty_ordered=qty,
        unit_price=D(price),
        extended_price=D(ext),
    )


def checks(invoice: ParsedInvoice) -> dict:
    return {c.name: c for c in run_quality_checks(invoice).checks}


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("191009727774", True),
        ("191009727775", False),
        ("9780062315007", True),
        ("9780062315008", False),
        ("19100972777", False),
        ("19100972777x", False),
    ],
)
def test_gtin_check_digits(code, ok):
    assert gtin_check_digit_ok(code) is ok


def test_clean_invoice_passes_every_check():
    items = [item(), item("DF5599", "191009000006", 6, "8.00", "48.00", "Stoneware Vase")]
    invoice = ParsedInvoice(
        vendor="Creative Co-op",
        invoice_number="CS003837319",
        line_items=items,
        totals=Totals(merchandise_subtotal=D("86.40")),
    )
    report = run_quality_checks(invoice)
    assert report.passed and report.score == 1.0, [c for c in report.checks if not c.passed]


def test_each_failure_is_caught_and_explained():
    items = [item(upc="191009727775"), item("DF5599", "191009000006", 6, "8.00", "47.00", "Vase")]
    invoice = ParsedInvoice(
        vendor="Creative Co-op",
        invoice_number=None,
        line_items=items,
        totals=Totals(merchandise_subtotal=D("100.00")),
    )
    found = checks(invoice)
    assert not found["upc_check_digits"].passed and "XS9826A 191009727775" in found["upc_check_digits"].detail
    assert not found["extended_matches_qty_x_price"].passed
    assert "DF5599: 6 x 8.00 != 47.00" in found["extended_matches_qty_x_price"].detail
    assert (
        not found["subtotal_reconciles"].passed
        and "items sum to 85.40" in found["subtotal_reconciles"].detail
    )
    assert not found["invoice_number_found"].passed


def test_missing_subtotal_is_skipped_not_passed_silently():
    found = checks(ParsedInvoice(vendor="X", invoice_number="1", line_items=[item()]))
    assert found["subtotal_reconciles"].skipped


def test_the_old_fallback_pattern_is_flagged_as_placeholder():
    # The historic failure: 88 different products all carrying one product's $1.60 x 24.
    items = [item(code=f"XS{1000 + n}", desc=f"Product {n}") for n in range(88)]
    found = checks(ParsedInvoice(vendor="Creative Co-op", invoice_number="CS003837319", line_items=items))
    assert not found["no_placeholder_pattern"].passed
    assert "88 of 88 items share price 1.60 and quantity 24" in found["no_placeholder_pattern"].detail


def test_a_few_products_sharing_a_price_is_not_a_placeholder():
    items = [item(code=f"XS{1000 + n}", desc=f"Ornament {n}") for n in range(4)]
    items += [
        item(code=f"DF{2000 + n}", qty=n + 1, price="3.00", ext=f"{3 * (n + 1)}.00", desc=f"Vase {n}")
        for n in range(10)
    ]
    found = checks(ParsedInvoice(vendor="Creative Co-op", invoice_number="CS1", line_items=items))
    assert found["no_placeholder_pattern"].passed


def test_placeholder_descriptions_are_flagged():
    found = checks(ParsedInvoice(vendor="X", invoice_number="1", line_items=[item(desc="N/A")]))
    assert not found["no_placeholder_pattern"].passed


def test_sheet_rows_skip_cancelled_items_and_format_like_the_sheet():
    invoice = Invoice(
        vendor="Creative Co-op",
        invoice_number="CS003837319",
        order_date=dt.date(2025, 1, 17),
        line_items=[
            item(),
            item("XS8911A", "191009710615", 0, "8.00", "0.00", "Cancelled"),
            item("HX4007B", "191009000006", 900, "1.60", "1440.00", "Big"),
        ],
    )
    assert sheet_rows(invoice) == [
        [
            "1/17/2025",
            "Creative Co-op",
            "CS003837319",
            'XS9826A - UPC: 191009727774 - 6"H Metal Ballerina Ornament, Sage',
            "$1.60",
            24,
        ],
        ["1/17/2025", "Creative Co-op", "CS003837319", "HX4007B - UPC: 191009000006 - Big", "$1.60", 900],
    ]
