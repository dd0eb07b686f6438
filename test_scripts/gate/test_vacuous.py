"""The gate cannot pass on nothing: every check without data to judge fails `validate` (exit 1),
a skipped quality check is not a pass, and another directory can add golden invoices but never
replace or weaken the orchestrator's own."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.validate_cmd import main as validate
from deploy_scripts.gate import readiness, run_gate
from deploy_scripts.gate.golden import discover_goldens
from deploy_scripts.pipeline.verify import Posted, score_reference
from invoice_processing.models import QualityCheck, QualityReport
from test_scripts.deploy.conftest import write_config

from .conftest import CC, config, config_file, truth, truthful, write_golden


@pytest.fixture
def truthful_extractor(monkeypatch):
    monkeypatch.setattr(readiness, "extract_invoice", truthful)


def rewrite(directory: Path, change) -> None:
    """Apply `change` to every expected file in `directory` (truth and documents stay paired)."""
    for path in directory.glob("*.expected.json"):
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))


def test_the_complete_test_set_passes_with_no_check_lacking_data(goldens, run, truthful_extractor):
    result = run()
    assert result.exit_code == 0, result.output
    assert "NO DATA" not in result.output
    assert "Gate PASSED: readiness 100.0% (needs 95%)" in result.output


def test_pooled_price_accuracy_with_no_prices_in_truth_fails(goldens, run, truthful_extractor):
    def no_prices(data):
        for item in data["line_items"]:
            for name in ("list_price", "unit_price", "extended_price"):
                del item[name]

    rewrite(goldens, no_prices)
    result = run()
    assert result.exit_code == 1, result.output
    assert "NO DATA price_accuracy: no data to judge: no golden invoice states a price" in result.output
    assert "NO DATA price_mismatches: no data to judge: no golden invoice states a price" in result.output
    assert "no data to judge: price_accuracy, price_mismatches, every_field_has_truth" not in result.output
    assert result.output.rstrip().endswith("no data to judge: price_accuracy, price_mismatches")


def test_invoice_number_rate_with_no_sheet_rows_fails(goldens, run, truthful_extractor):
    def nothing_ordered(data):
        for item in data["line_items"]:
            item.update(
                qty_ordered=0, qty_allocated=0, qty_shipped=0, qty_backordered=0, extended_price="0.00"
            )

    rewrite(goldens, nothing_ordered)
    result = run()
    assert result.exit_code == 1, result.output
    assert (
        "NO DATA invoice_number_on_every_row: no data to judge: no golden invoice calls for a sheet row"
        in result.output
    )


def test_a_field_no_truth_states_fails_the_gate(goldens, run, truthful_extractor):
    rewrite(goldens, lambda data: [item.pop("unit") for item in data["line_items"]])
    result = run()
    assert result.exit_code == 1, result.output
    assert "FAILED every_field_has_truth" in result.output
    assert ": no golden invoice states: unit" in result.output
    assert (
        "golden set: unit expected 'a value or null in some expected file', got 'never stated'"
        in result.output
    )


def test_no_other_vendor_and_no_item_pages_is_no_data(goldens, run, truthful_extractor):
    for name in ("harper.expected.json", "harper.docai.json"):
        (goldens / name).unlink()
    rewrite(goldens, lambda data: [item.pop("page") for item in data["line_items"]])
    result = run()
    assert result.exit_code == 1, result.output
    assert "NO DATA other_vendor_accuracy: no data to judge: no other vendors in the set" in result.output
    assert (
        "NO DATA pages_with_products_yield_items: no data to judge: no expected file records item pages"
        in result.output
    )


def test_a_skipped_quality_check_is_not_a_pass():
    skipped = QualityCheck(
        name="subtotal_reconciles", passed=True, skipped=True, detail="no subtotal printed"
    )
    nothing_ran = QualityReport(checks=[skipped])
    assert nothing_ran.score == 0.0 and not nothing_ran.passed and nothing_ran.by_name() == {}
    assert QualityReport().score == 0.0 and not QualityReport().passed
    one_ran = QualityReport(checks=[skipped, QualityCheck(name="invoice_number_found", passed=True)])
    assert one_ran.score == 1.0 and one_ran.passed and one_ran.by_name() == {"invoice_number_found": True}


def test_placeholder_rows_fail_even_when_the_extractor_reports_its_check_as_skipped(
    goldens, run, monkeypatch
):
    def placeholders_self_excused(path):
        invoice = truthful(path)
        for item in invoice.line_items:
            item.unit_price, item.qty_ordered = Decimal("1.60"), 24
        invoice.quality = QualityReport(
            checks=[QualityCheck(name="no_placeholder_pattern", passed=True, skipped=True, detail="not run")]
        )
        return invoice

    monkeypatch.setattr(readiness, "extract_invoice", placeholders_self_excused)
    result = run()
    assert result.exit_code == 1, result.output
    assert "FAILED no_placeholder_pattern (3 <= 0 required): 3 invoices judged" in result.output
    assert (
        "cs003837319.pdf: line_items expected 'distinct prices/quantities', got '132 of 132" in result.output
    )


def test_reference_served_by_new_revision_fails_when_the_answer_names_no_revision(goldens):
    case = next(c for c in discover_goldens(goldens) if c.name == "cs003837319.pdf")
    body = truth(CC, "CS003837319", 132)
    answered = Posted(status=200, seconds=0.5, body=body)
    checks, _ = score_reference(case, answered, config(), 0.9, revision="process-invoice-00002-abc")
    served = next(c for c in checks if c.name == "reference_served_by_new_revision")
    assert not served.passed
    assert served.detail == "the answer names no revision (expected process-invoice-00002-abc)"
    body["revision"] = "process-invoice-00001-old"
    checks, _ = score_reference(case, answered, config(), 0.9, revision="process-invoice-00002-abc")
    served = next(c for c in checks if c.name == "reference_served_by_new_revision")
    assert not served.passed and served.measured == "process-invoice-00001-old"
    body["revision"] = "process-invoice-00002-abc"
    checks, _ = score_reference(case, answered, config(), 0.9, revision="process-invoice-00002-abc")
    assert next(c for c in checks if c.name == "reference_served_by_new_revision").passed


def test_a_missing_reference_golden_fails_naming_the_file(goldens, tmp_path, truthful_extractor):
    path = config_file(
        tmp_path,
        reference_invoices=["CS003837319", "CI004848705"],
        min_reference_items={"CS003837319": 130, "CI004848705": 52},
    )
    result = CliRunner().invoke(validate, ["--config", str(path)])
    assert result.exit_code == 1, result.output
    missing = goldens / "ci004848705.expected.json"
    assert (
        f"FAILED reference_accuracy (0.0% >= 90.0% required): reference golden {missing} is missing "
        "(add it, or remove CI004848705 from reference_invoices)"
    ) in result.output
    assert "critical checks failed: reference_accuracy, reference_item_count" in result.output


def test_a_second_reference_is_judged_with_its_own_item_minimum(goldens, tmp_path, truthful_extractor):
    write_golden(goldens, "ci004848705", CC, "CI004848705", 52)
    path = config_file(
        tmp_path,
        reference_invoices=["CS003837319", "CI004848705"],
        min_reference_items={"CS003837319": 130, "CI004848705": 53},
    )
    result = CliRunner().invoke(validate, ["--config", str(path)])
    assert result.exit_code == 1, result.output
    assert (
        "FAILED reference_item_count (52 >= 53 required): fewest per reference: cs003837319.pdf 132 (>= 130), "
        "ci004848705.docai.json 52 (>= 53)"
    ) in result.output


def test_another_directory_cannot_replace_the_orchestrators_truth(goldens, tmp_path, run, monkeypatch):
    def drops_every_other_row(path):
        invoice = truthful(path)
        if invoice.vendor == CC:
            invoice.line_items = invoice.line_items[::2]
        return invoice

    monkeypatch.setattr(readiness, "extract_invoice", drops_every_other_row)
    mine = tmp_path / "mine"
    mine.mkdir()
    weakened = json.loads((goldens / "cs003837319.expected.json").read_text())
    weakened["line_items"] = weakened["line_items"][::2]  # truth "agreeing" with the broken extractor
    (mine / "cs003837319.expected.json").write_text(json.dumps(weakened))
    (mine / "cs003837319.pdf").write_text("stand-in")
    write_golden(mine, "extra", "HarperCollins", "NS0000001", 5)
    result = run("--invoices", str(mine))
    assert result.exit_code == 1, result.output
    assert (
        f"ignored {mine / 'cs003837319.expected.json'}: {goldens / 'cs003837319.expected.json'} is the "
        "orchestrator's truth for this invoice; this copy is not used"
    ) in result.output
    assert f"added to the orchestrator's golden invoices: {mine}" in result.output
    assert "FAILED reference_item_count (66 >= 130 required)" in result.output
    report = run_gate(config(), mine, drops_every_other_row)
    assert sorted(r.case.name for r in report.results if r.case.added) == ["extra.docai.json"]


def test_added_invoices_cannot_dilute_a_failure_on_the_orchestrators_own(goldens, tmp_path, monkeypatch):
    def wrong_quantities_on_creative_coop(path):
        invoice = truthful(path)
        if invoice.vendor == CC:  # only the orchestrator's set has Creative Co-op invoices here
            for item in invoice.line_items[::4]:
                item.qty_backordered = (item.qty_backordered or 0) + 1
        return invoice

    alone = run_gate(config(), None, wrong_quantities_on_creative_coop)
    quantity = next(c for c in alone.checks if c.name == "quantity_accuracy")
    mine = tmp_path / "mine"
    for n in range(3):
        write_golden(mine, f"easy-{n}", "HarperCollins", f"NS000000{n}", 132)
    diluted = run_gate(config(), mine, wrong_quantities_on_creative_coop)
    pooled = next(c for c in diluted.checks if c.name == "quantity_accuracy")
    assert quantity.value < 0.95 and not quantity.passed
    everything = [r for r in diluted.results]
    right = sum(r.score.fields[f].correct for r in everything for f in r.score.fields if f.startswith("qty_"))
    stated = sum(
        r.score.fields[f].expected for r in everything for f in r.score.fields if f.startswith("qty_")
    )
    assert right / stated >= 0.95  # pooled together, the added invoices would have hidden the failure
    assert pooled.value == quantity.value and not pooled.passed
    assert pooled.detail.endswith("(the orchestrator's goldens, the worse group)")


# --- the configuration stays strict (exit 2, the file and key named) -----------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"reference_invoice": "CS003837319"},
            "thresholds.readiness: Value error, reference_invoice was replaced by reference_invoices "
            "(a list of invoice numbers) with min_reference_items as a table {NUMBER = count}",
        ),
        (
            {"reference_invoices": ["CS003837319", "CI004848705"]},
            "thresholds.readiness: Value error, min_reference_items needs exactly one entry per reference "
            "invoice; missing: CI004848705",
        ),
        (
            {"min_reference_items": {"CS003837319": 130, "CI004848705": 52}},
            "thresholds.readiness: Value error, min_reference_items needs exactly one entry per reference "
            "invoice; not a reference invoice: CI004848705",
        ),
        (
            {"reference_invoices": []},
            "thresholds.readiness.reference_invoices: List should have at least 1 item",
        ),
        (
            {"critical": ["reference_accuracy", "price_acuracy"]},
            "thresholds.readiness.critical: unknown check(s) price_acuracy; the checks are: every_field_has_truth",
        ),
    ],
)
def test_reference_and_critical_settings_are_validated(goldens, tmp_path, overrides, message):
    values = config().thresholds.readiness.model_dump() | overrides
    path = write_config(
        tmp_path / "deploy.toml", **{f"thresholds__readiness__{k}": v for k, v in values.items()}
    )
    result = CliRunner().invoke(validate, ["--config", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_the_pipeline_summary_names_checks_without_data():
    from deploy_scripts.pipeline.gate_stage import GateOutcome

    report = {
        "checks": [
            {"name": "price_accuracy", "passed": False, "skipped": True, "value": None},
            {"name": "reference_accuracy", "passed": False, "skipped": False, "value": 0.5},
            {"name": "quantity_accuracy", "passed": True, "skipped": False, "value": 1.0},
        ]
    }
    outcome = GateOutcome(False, 0.33, report, "x")
    assert [c["name"] for c in outcome.failed_checks()] == ["price_accuracy", "reference_accuracy"]
    assert outcome.summary() == "readiness 33.0%; failed: price_accuracy=no data, reference_accuracy=0.5"


def test_fields_a_model_keeps_out_of_its_json_are_not_reported_fields():
    from pydantic import BaseModel, Field

    from deploy_scripts.gate.scoring import _reported

    class Parsed(BaseModel):
        vendor: str
        internal: list[str] = Field(default_factory=list, exclude=True)
        line_items: list[str] = Field(default_factory=list)

    assert _reported(Parsed) == ("vendor",)
