"""`extract PATH --format json|table|rows`: the JSON contract, the sheet rows, and refusal of bad input."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from invoice_processing.cli import main as extract

GOLDEN = Path(__file__).resolve().parent.parent / "test_invoices"


def run(*args):
    return CliRunner().invoke(extract, [str(a) for a in args])


@pytest.mark.parametrize("source", ["cs003837319.pdf", "cs003837319-order3.docai.json"])
def test_json_contract_matches_ground_truth(source):
    result = run(GOLDEN / source, "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    truth = json.loads(
        (
            GOLDEN / source.replace(".pdf", ".expected.json").replace(".docai.json", ".expected.json")
        ).read_text()
    )
    assert (got["vendor"], got["invoice_number"], got["order_date"]) == (
        "Creative Co-op",
        "CS003837319",
        "2025-01-17",
    )
    keys = (
        "product_code",
        "upc",
        "description",
        "qty_ordered",
        "qty_allocated",
        "qty_shipped",
        "qty_backordered",
        "unit",
        "list_price",
        "unit_price",
        "extended_price",
    )
    assert [{k: i[k] for k in keys} for i in got["line_items"]] == [
        {k: i[k] for k in keys} for i in truth["line_items"]
    ]
    first = got["line_items"][0]
    assert isinstance(first["unit_price"], str) and isinstance(first["qty_ordered"], int)


def test_rows_leave_out_cancelled_items_and_carry_the_invoice_number():
    result = run(GOLDEN / "cs003837319.docai.json", "--format", "rows")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    truth = json.loads((GOLDEN / "cs003837319.expected.json").read_text())
    cancelled = ("qty_allocated", "qty_shipped", "qty_backordered")  # ordered, nothing else: no row
    ordered = [i for i in truth["line_items"] if i["qty_ordered"] > 0 and any(i[k] for k in cancelled)]
    assert lines[0] == "Order Date\tVendor\tINV\tItem\tWholesale\tQty"
    assert len(lines) - 1 == len(ordered) < len(truth["line_items"])
    first = ordered[0]
    assert lines[1] == "\t".join(
        [
            "1/17/2025",
            "Creative Co-op",
            "CS003837319",
            f"{first['product_code']} - UPC: {first['upc']} - {first['description']}",
            f"${float(first['unit_price']):,.2f}",
            str(first["qty_ordered"]),
        ]
    )


def test_table_shows_items_and_quality_checks():
    result = run(GOLDEN / "cc-one-page-invoice.pdf", "--format", "table")
    assert result.exit_code == 0
    assert "Quality checks" in result.output and "subtotal_reconciles" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"hello", "not a PDF or a Document AI JSON document"),
        (b"%PDF-1.7 broken", "cannot open the PDF"),
        (b'{"text": 3}', "has no text"),
    ],
)
def test_unreadable_input_is_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "in.pdf"
    path.write_bytes(content)
    result = run(path)
    assert result.exit_code == 2
    assert (
        result.output.count("\n") == 1 and message in result.output and result.output.startswith("extract: ")
    )


def test_a_document_without_items_is_refused(tmp_path):
    path = tmp_path / "letter.docai.json"
    path.write_text(json.dumps({"text": "Dear customer,\nthank you for your order.\n"}))
    result = run(path)
    assert result.exit_code == 2 and "no line items" in result.output
