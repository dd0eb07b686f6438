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
from deploy_scripts.config import load_config
from deploy_scripts.gate import readiness, run_gate
from invoice_processing import Invoice, NoLineItems

REFERENCE_ITEMS = 132


def items(count: int, prefix: str = "XS") -> list[dict]:
    out = []
    for n in range(count):
        qty, price = (n % 7) * 6, Decimal(100 + n * 37) / 100
        out.append(
            {
                "product_code": f"{prefix}{1000 + n}",
                "upc": None,
                "description": f"Item number {n}",
                "qty_ordered": qty,
                "unit_price": str(price),
                "extended_price": str(price * qty),
                "page": n // 10 + 1,
            }
        )
    return out


def write_golden(
    directory: Path, name: str, vendor: str, number: str, count: int, suffix: str = ".docai.json"
) -> None:
    expected = {
        "vendor": vendor,
        "invoice_number": number,
        "order_date": "2025-01-17",
        "line_items": items(count, "HC" if vendor != "Creative Co-op" else "XS"),
    }
    (directory / f"{name}.expected.json").write_text(json.dumps(expected))
    (directory / f"{name}{suffix}").write_text('{"text": "stand-in document"}')


@pytest.fixture
def goldens(tmp_path):
    write_golden(tmp_path, "cs003837319", "Creative Co-op", "CS003837319", REFERENCE_ITEMS)
    write_golden(tmp_path, "cs003837319", "Creative Co-op", "CS003837319", REFERENCE_ITEMS, ".pdf")
    write_golden(tmp_path, "harper", "HarperCollins", "NS4435067", 12)
    return tmp_path


def truthful(path: Path) -> Invoice:
    """An extractor that returns exactly the ground truth: the gate's logic is what is under test."""
    expected = json.loads(path.with_name(path.name.split(".")[0] + ".expected.json").read_text())
    return Invoice.model_validate(expected)


def config():
    return load_config()


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
            item.unit_price = item.list_price or Decimal("2.00")
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


def test_reference_missing_from_a_users_directory_is_skipped_but_required_by_default(goldens, monkeypatch):
    (goldens / "cs003837319.expected.json").unlink()
    (goldens / "cs003837319.pdf").unlink()
    (goldens / "cs003837319.docai.json").unlink()
    report = run_gate(config(), goldens, truthful)
    assert report.passed and next(c for c in report.checks if c.name == "reference_accuracy").skipped
    monkeypatch.setattr(readiness, "DEFAULT_INVOICES_DIR", goldens)
    report = run_gate(config(), None, truthful)
    reference = next(c for c in report.checks if c.name == "reference_accuracy")
    assert not report.passed and not reference.passed and "CS003837319 not found" in reference.detail


# --- the command: exit codes and messages -------------------------------------------------------


def run(*args):
    return CliRunner().invoke(validate, list(args))


def test_cli_exit_0_and_json_schema(goldens, monkeypatch):
    monkeypatch.setattr(readiness, "extract_invoice", truthful)
    result = run("--invoices", str(goldens), "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["passed"] is True and body["readiness_score"] == 1.0
    assert {"name", "passed", "value", "threshold"} <= set(body["checks"][0])
    invoice = next(i for i in body["invoices"] if i["name"] == "cs003837319.pdf")
    assert invoice["accuracy"] == 1.0 and invoice["fields"]["unit_price"]["expected"] == REFERENCE_ITEMS


def test_cli_exit_1_names_invoice_field_expected_and_actual(goldens, monkeypatch):
    truth = json.loads((goldens / "harper.expected.json").read_text())
    truth["line_items"][3]["unit_price"] = "99.99"
    (goldens / "harper.expected.json").write_text(json.dumps(truth))
    monkeypatch.setattr(readiness, "extract_invoice", truthful_except_file(goldens))
    result = run("--invoices", str(goldens))
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


def test_cli_junit_and_output_file(goldens, monkeypatch, tmp_path):
    monkeypatch.setattr(readiness, "extract_invoice", truthful)
    out = tmp_path / "out"
    out.mkdir()
    result = run("--invoices", str(goldens), "--format", "junit", "--output", str(out / "validate.xml"))
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
def test_cli_exit_2_for_bad_golden_directories(tmp_path, setup, message):
    directory = setup(tmp_path)
    result = run("--invoices", str(directory))
    assert result.exit_code == 2 and message in result.output


def test_cli_exit_2_for_an_expected_file_without_its_invoice(goldens):
    (goldens / "harper.docai.json").unlink()
    result = run("--invoices", str(goldens))
    assert result.exit_code == 2
    assert "harper.expected.json: no invoice beside it" in result.output


def test_cli_exit_2_for_a_broken_config(tmp_path, goldens):
    bad = tmp_path / "deploy.toml"
    bad.write_text('default_env = "local"\n[environments.local]\ntarget = "moon"\n')
    result = run("--invoices", str(goldens), "--config", str(bad))
    assert result.exit_code == 2
    assert f"{bad}: environments.local.target: Input should be 'localcloud' or 'gcloud'" in result.output
