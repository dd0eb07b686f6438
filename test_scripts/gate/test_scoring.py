"""Scoring against ground truth: matching by product code, per-field accuracy, P/R/F1."""

import pytest

from deploy_scripts.gate.scoring import ITEM_FIELDS, score_invoice

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
    assert score.field_accuracy == pytest.approx(12 / (12 + len(ITEM_FIELDS)))


def test_invoice_level_fields_are_scored():
    score = score_invoice(EXPECTED, actual(invoice_number=None, order_date="2025-01-18"))
    assert score.invoice_fields == {"vendor": True, "invoice_number": False, "order_date": False}
    assert score.accuracy == pytest.approx((12 + 1) / (12 + 3))


def test_a_failed_extraction_scores_zero():
    score = score_invoice(EXPECTED, None)
    assert score.accuracy == 0.0 and score.items_extracted == 0


def test_every_field_the_extraction_reports_is_scored_when_truth_states_it():
    expected = {
        **EXPECTED,
        "customer_number": "545260",
        "po_number": "FH-0514",
        "page_count": 15,
        "totals": {"merchandise_subtotal": "8,678.40", "total": "8,678.40"},
        "line_items": [
            {
                **EXPECTED["line_items"][0],
                "qty_allocated": 0,
                "qty_shipped": 0,
                "qty_backordered": 24,
                "unit": "each",
                "list_price": "2.00",
            }
        ],
    }
    got = actual(customer_number="545260", po_number="FH-0515", page_count=15)
    got["line_items"] = [dict(expected["line_items"][0], qty_shipped=24, unit="set", list_price="2.50")]
    got["totals"] = {"merchandise_subtotal": "8678.40", "total": "8678.41"}
    score = score_invoice(expected, got, name="cs.pdf")
    assert {p.describe() for p in score.problems} == {
        "cs.pdf XS9826A: qty_shipped expected '0', got '24'",
        "cs.pdf XS9826A: unit expected 'each', got 'set'",
        "cs.pdf XS9826A: list_price expected '2.00', got '2.50'",
        "cs.pdf: po_number expected 'FH-0514', got 'FH-0515'",
        "cs.pdf: totals.total expected '8678.40', got '8678.41'",
    }
    assert score.invoice_fields == {
        "vendor": True,
        "invoice_number": True,
        "order_date": True,
        "customer_number": True,
        "po_number": False,
        "page_count": True,
    }
    assert score.total_fields == {"merchandise_subtotal": True, "total": False}


def test_an_explicit_null_in_truth_means_nothing_may_be_invented():
    expected = {**EXPECTED, "line_items": [{**EXPECTED["line_items"][0], "unit_price": None}]}
    invented = actual()
    invented["line_items"] = [dict(EXPECTED["line_items"][0])]  # unit_price 1.60: not on the page
    score = score_invoice(expected, invented, name="ci.json")
    assert [p.describe() for p in score.problems] == [
        "ci.json XS9826A: unit_price expected 'None', got '1.60'"
    ]
    left_empty = actual()
    left_empty["line_items"] = [dict(EXPECTED["line_items"][0], unit_price=None)]
    assert score_invoice(expected, left_empty).fields["unit_price"].correct == 1


def test_a_field_truth_leaves_out_is_not_scored():
    score = score_invoice(EXPECTED, actual())
    assert "qty_shipped" not in score.fields and "customer_number" not in score.invoice_fields


def test_nothing_expected_is_never_a_perfect_score():
    from deploy_scripts.gate.scoring import FieldTally, InvoiceScore

    assert FieldTally().accuracy == 0.0
    empty = InvoiceScore(name="x", vendor="V")
    assert empty.accuracy == 0.0 and empty.field_accuracy == 0.0 and empty.recall == 0.0
