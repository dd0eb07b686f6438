"""Scoring against ground truth: matching by product code, per-field accuracy, P/R/F1."""

import pytest

from deploy_scripts.gate.scoring import score_invoice

EXPECTED = {
    "vendor": "Creative Co-op",
    "invoice_number": "CS003837319",
    "order_date": "2025-01-17",
    "line_items": [
        {
            "product_code": "XS9826A",
            "upc": "191009727774",
            "description": '6"H Metal Ballerina Ornament, Sage',
            "qty_ordered": 24,
            "unit_price": "1.60",
            "extended_price": "38.40",
        },
        {
            "product_code": "DF5599",
            "upc": "191009000006",
            "description": "Vase",
            "qty_ordered": 6,
            "unit_price": "1,440.00",
            "extended_price": "8,640.00",
        },
    ],
}


def actual(**overrides):
    items = [dict(i) for i in EXPECTED["line_items"]]
    body = {
        "vendor": "Creative Co-op",
        "invoice_number": "CS003837319",
        "order_date": "2025-01-17",
        "line_items": items,
    }
    body.update(overrides)
    return body


def test_a_correct_extraction_scores_one_with_money_and_whitespace_normalised():
    got = actual()
    got["line_items"][0]["description"] = '6"H  Metal Ballerina\nOrnament, Sage '
    got["line_items"][1]["unit_price"] = "1440.0"
    got["line_items"][1]["extended_price"] = "8640"
    score = score_invoice(EXPECTED, got, name="cs.pdf")
    assert score.accuracy == 1.0 and score.precision == 1.0 and score.recall == 1.0 and not score.problems


def test_the_historic_false_error_is_not_an_error():
    # The old system counted a correct $1.60 as wrong; ground truth says $1.60 is right.
    got = actual()
    got["line_items"][0]["unit_price"] = "$1.60"
    assert score_invoice(EXPECTED, got).fields["unit_price"].accuracy == 1.0


def test_a_wrong_price_names_invoice_item_field_expected_and_actual():
    got = actual()
    got["line_items"][0]["unit_price"] = "2.00"
    score = score_invoice(EXPECTED, got, name="cs.pdf")
    assert score.fields["unit_price"].correct == 1 and score.fields["unit_price"].expected == 2
    assert [p.describe() for p in score.problems] == [
        "cs.pdf XS9826A: unit_price expected '1.60', got '2.00'"
    ]


def test_a_missing_item_counts_all_its_fields_wrong():
    score = score_invoice(EXPECTED, actual(line_items=[actual()["line_items"][0]]))
    assert score.recall == 0.5 and score.precision == 1.0
    assert score.field_accuracy == pytest.approx(6 / 12)
    assert any(p.field == "line_item" and p.expected == "DF5599" for p in score.problems)


def test_a_spurious_item_lowers_precision_and_accuracy():
    got = actual()
    got["line_items"].append({"product_code": "ZZ0001", "qty_ordered": 1})
    score = score_invoice(EXPECTED, got)
    assert score.precision == pytest.approx(2 / 3) and score.recall == 1.0
    assert score.field_accuracy == pytest.approx(12 / 18)


def test_invoice_level_fields_are_scored():
    score = score_invoice(EXPECTED, actual(invoice_number=None, order_date="2025-01-18"))
    assert score.invoice_fields == {"vendor": True, "invoice_number": False, "order_date": False}
    assert score.accuracy == pytest.approx((12 + 1) / (12 + 3))


def test_a_failed_extraction_scores_zero():
    score = score_invoice(EXPECTED, None)
    assert score.accuracy == 0.0 and score.items_extracted == 0
