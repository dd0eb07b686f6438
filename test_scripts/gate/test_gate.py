"""The readiness gate fails for real: sabotaged extractors, wrong truth, missing and malformed files.

Extraction is injected here (the parsers have their own tests); the end-to-end gate over generated
invoices and the real extractor is in test_validate_end_to_end.py.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.validate_cmd import main as validate
from deploy_scripts.gate import readiness, run_gate
from invoice_processing import NoLineItems

from .conftest import REFERENCE_ITEMS, config, items, truthful


def test_truthful_extraction_passes(goldens):
    report = run_gate(config(), goldens, truthful)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert report.readiness_score == 1.0
    assert {c.name for c in report.checks if c.skipped} == set()


def test_dropping_every_other_row_fails_with_the_missing_items_named(goldens):
    def sabotaged(path):
        invoice = truthful(path)
        invoice.line_items = invoice.line_items[::2]
        return invoice

    report = run_gate(config(), goldens, sabotaged)
    failed = {c.name: c for c in report.checks if not c.passed}
    assert not report.passed
    assert {"reference_accuracy", "reference_item_count", "other_vendor_accuracy"} <= set(failed)
    assert failed["reference_item_count"].value == REFERENCE_ITEMS // 2
    assert any(
        f.field == "line_item" and f.expected == "XS1001" for f in failed["reference_accuracy"].failures
    )


def test_one_wrong_price_everywhere_fails_price_accuracy(goldens):
    def wrong_prices(path):
        invoice = truthful(path)
        for item in invoice.line_items:
            item.unit_price = Decimal("2.00")
        return invoice

    report = run_gate(config(), goldens, wrong_prices)
    price = next(c for c in report.checks if c.name == "price_accuracy")
    assert not price.passed and price.critical and not report.passed
    assert price.failures[0].field == "unit_price" and price.failures[0].actual == "2.00"


def test_an_extractor_that_raises_is_scored_not_crashed(goldens):
    def broken(path):
        raise NoLineItems("no line items found")

    report = run_gate(config(), goldens, broken)
    errors = next(c for c in report.checks if c.name == "every_invoice_extracts")
    assert not report.passed and not errors.passed
    assert errors.failures[0].actual == "NoLineItems: no line items found"


def test_placeholder_fill_fails_the_gate(goldens):
    def fallback(path):
        invoice = truthful(path)
        for item in invoice.line_items:
            item.unit_price, item.qty_ordered = Decimal("1.60"), 24
        return invoice

    from invoice_processing.quality import run_quality_checks

    def with_quality(path):
        invoice = fallback(path)
        invoice.quality = run_quality_checks(invoice)
        return invoice

    report = run_gate(config(), goldens, with_quality)
    placeholder = next(c for c in report.checks if c.name == "no_placeholder_pattern")
    assert not placeholder.passed and placeholder.value == 3


# --- the command: exit codes and messages -------------------------------------------------------


def test_cli_exit_0_and_json_schema(goldens, monkeypatch, run):
    monkeypatch.setattr(readiness, "extract_invoice", truthful)
    result = run("--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["passed"] is True and body["readiness_score"] == 1.0
    assert {"name", "passed", "value", "threshold"} <= set(body["checks"][0])
    invoice = next(i for i in body["invoices"] if i["name"] == "cs003837319.pdf")
    assert invoice["accuracy"] == 1.0 and invoice["fields"]["unit_price"]["expected"] == REFERENCE_ITEMS


def test_cli_exit_1_names_invoice_field_expected_and_actual(goldens, monkeypatch, run):
    changed = json.loads((goldens / "harper.expected.json").read_text())
    changed["line_items"][3]["unit_price"] = "99.99"
    (goldens / "harper.expected.json").write_text(json.dumps(changed))
    monkeypatch.setattr(readiness, "extract_invoice", truthful_except_file(goldens))
    result = run()
    assert result.exit_code == 1, result.output
    assert "FAILED price_mismatches (1 <= 0 required)" in result.output
    assert "harper.docai.json HC1003: unit_price expected '99.99', got '2.11'" in result.output


def truthful_except_file(goldens: Path):
    """Extraction that returns the original truth, so an edited expected file no longer matches."""
    original = {"harper": items(12, "HC")}

    def extract(path):
        invoice = truthful(path)
        stem = path.name.split(".")[0]
        if stem in original:
            invoice.line_items = [type(invoice.line_items[0]).model_validate(i) for i in original[stem]]
        return invoice

    return extract


def test_cli_junit_and_output_file(goldens, monkeypatch, tmp_path, run):
    monkeypatch.setattr(readiness, "extract_invoice", truthful)
    out = tmp_path / "out"
    out.mkdir()
    result = run("--format", "junit", "--output", str(out / "validate.xml"))
    assert result.exit_code == 0
    xml = (out / "validate.xml").read_text()
    assert xml.startswith("<?xml") and '<testcase classname="validate.checks" name="price_accuracy"' in xml


def with_file(directory: Path, name: str, text: str) -> Path:
    (directory / name).write_text(text)
    (directory / "x.pdf").write_bytes(b"%PDF-1.4")
    return directory


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d / "nope", "no such directory of golden invoices"),
        (lambda d: with_file(d, "x.expected.json", "{oops"), "x.expected.json: not valid JSON"),
        (
            lambda d: with_file(d, "x.expected.json", '{"vendor": "V", "line_items": []}'),
            "x.expected.json: malformed expected file: line_items",
        ),
        (lambda d: d, "no golden invoices"),
    ],
)
def test_cli_exit_2_for_bad_golden_directories(tmp_path, setup, message, run):
    directory = tmp_path / "mine"
    directory.mkdir()
    result = run("--invoices", str(setup(directory)))
    assert result.exit_code == 2 and message in result.output


def test_cli_exit_2_for_an_expected_file_without_its_invoice(goldens, run):
    (goldens / "harper.docai.json").unlink()
    result = run()
    assert result.exit_code == 2
    assert "harper.expected.json: no invoice beside it" in result.output


def test_cli_exit_2_for_a_broken_config(tmp_path, goldens):
    bad = tmp_path / "broken.toml"
    bad.write_text('default_env = "local"\n[environments.local]\ntarget = "moon"\n')
    result = CliRunner().invoke(validate, ["--config", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: environments.local.target: Input should be 'localcloud' or 'gcloud'" in result.output
