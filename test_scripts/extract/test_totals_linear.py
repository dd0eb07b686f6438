"""The totals block must be read in linear time: a long digit run once took minutes (issue 14, item 13)."""

from decimal import Decimal

from invoice_processing.vendors.creative_coop.totals import parse_totals


def test_a_long_digit_run_is_not_an_amount_and_does_not_hang():
    # 200,000 digits: the old pattern retried from every digit (quadratic, hours); pytest's timeout fails a hang.
    lines = ["Merchandise Subtotal " + "7" * 200_000, "Total 1,440.00"]
    totals = parse_totals(lines)
    assert totals is not None
    assert totals.merchandise_subtotal == Decimal("1440.00")
    assert totals.total is None


def test_amounts_beside_and_apart_from_their_labels():
    totals = parse_totals(["Merchandise Subtotal", "Freight", "Total", "26,549.74", "0.00", "$27,371.91"])
    assert totals.merchandise_subtotal == Decimal("26549.74")
    assert totals.freight == Decimal("0.00")
    assert totals.total == Decimal("27371.91")
