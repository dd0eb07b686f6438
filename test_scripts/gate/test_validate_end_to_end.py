"""`validate` end to end: the real extractor on Creative Co-op invoices it has never seen.

The invoices come from the independent generator (test_scripts/factory), which writes the ground
truth from its source data; the gate must pass on them, and fail with exit 1 naming the invoice and
field as soon as one expected price is changed.
"""

import json
import random

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.validate_cmd import main as validate
from test_scripts.factory.creative_coop import expected_json, random_invoice, render_docai, render_pdf


@pytest.fixture(scope="module")
def new_invoices(tmp_path_factory):
    directory = tmp_path_factory.mktemp("new-invoices")
    rng = random.Random(20261123)
    for n, (pages, items) in enumerate([(1, 6), (4, 30), (9, 70), (15, 120)]):
        invoice = random_invoice(rng, pages=pages, items=items)
        name = f"new-{n}"
        (directory / f"{name}.expected.json").write_text(json.dumps(expected_json(invoice)))
        if n % 2:
            (directory / f"{name}.pdf").write_bytes(render_pdf(invoice))
        (directory / f"{name}.docai.json").write_text(json.dumps(render_docai(invoice, order=n % 3 + 1)))
    return directory


def run(*args):
    return CliRunner().invoke(validate, list(args))


def test_the_repository_golden_set_passes():
    result = run("--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["passed"] and report["readiness_score"] >= 0.95
    names = {i["name"] for i in report["invoices"]}
    assert {
        "cs003837319.pdf",
        "cs003837319.docai.json",
        "cs003837319-order2.docai.json",
        "cs003837319-order3.docai.json",
    } <= names


def test_new_invoices_pass_then_one_changed_price_fails_naming_invoice_and_field(new_invoices):
    result = run("--invoices", str(new_invoices))
    assert result.exit_code == 0, result.output
    assert "Gate PASSED" in result.output

    expected_path = new_invoices / "new-2.expected.json"
    truth = json.loads(expected_path.read_text())
    item = next(i for i in truth["line_items"] if i["qty_ordered"] > 0)
    original = item["unit_price"]
    item["unit_price"] = f"{float(original) + 1:.2f}"
    expected_path.write_text(json.dumps(truth))
    try:
        result = run("--invoices", str(new_invoices))
    finally:
        item["unit_price"] = original
        expected_path.write_text(json.dumps(truth))
    assert result.exit_code == 1, result.output
    assert "Gate FAILED" in result.output
    assert (
        f"new-2.docai.json {item['product_code']}: unit_price expected "
        f"'{float(original) + 1:.2f}', got '{original}'"
    ) in result.output
