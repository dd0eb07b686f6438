"""Shared by the gate tests: a golden set of their own in place of the repository's, complete truth,
and an extractor that returns the truth (so the gate's own logic is what is under test)."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.validate_cmd import main as validate
from deploy_scripts.config import ReadinessThresholds, load_config
from deploy_scripts.gate import readiness
from invoice_processing import Invoice
from invoice_processing.models import ParsedInvoice
from test_scripts.deploy.conftest import write_config

REFERENCE_ITEMS = 132
CC = "Creative Co-op"


def items(count: int, prefix: str = "XS") -> list[dict]:
    """Rows stating every field the extraction reports (so every field is gated)."""
    out = []
    for n in range(count):
        qty, price = (n % 7) * 6, Decimal(100 + n * 37) / 100
        out.append(
            {
                "product_code": f"{prefix}{1000 + n}",
                "upc": None,
                "description": f"Item number {n}",
                "qty_ordered": qty,
                "qty_allocated": qty // 2,
                "qty_shipped": 0,
                "qty_backordered": qty - qty // 2,
                "unit": "each",
                "list_price": str(price * Decimal("1.25")),
                "unit_price": str(price),
                "extended_price": str(price * qty),
                "page": n // 10 + 1,
            }
        )
    return out


def truth(vendor: str, number: str, count: int) -> dict:
    lines = items(count, "XS" if vendor == CC else "HC")
    subtotal = sum(Decimal(i["extended_price"]) for i in lines)
    return {
        "vendor": vendor,
        "invoice_number": number,
        "order_date": "2025-01-17",
        "customer_number": "545260" if vendor == CC else None,
        "po_number": "FH-0117",
        "page_count": (count - 1) // 10 + 1,
        "totals": {
            "merchandise_subtotal": str(subtotal),
            "tariff_surcharge_total": "0.00" if vendor == CC else None,
            "freight": None,
            "total": str(subtotal),
        },
        "line_items": lines,
        # the contract's new header fields, stated as soon as the extractor reports them
        **(
            {
                "document_kind": "order_confirmation" if vendor == CC else None,
                "order_number": number if vendor == CC else None,
            }
            if "document_kind" in ParsedInvoice.model_fields
            else {}
        ),
    }


def write_golden(
    directory: Path, name: str, vendor: str, number: str, count: int, suffix: str = ".docai.json"
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.expected.json").write_text(json.dumps(truth(vendor, number, count)))
    (directory / f"{name}{suffix}").write_text('{"text": "stand-in document"}')


@pytest.fixture
def goldens(tmp_path, monkeypatch):
    """The orchestrator's own golden set for these tests (in place of the repository's)."""
    base = tmp_path / "orchestrator"
    write_golden(base, "cs003837319", CC, "CS003837319", REFERENCE_ITEMS)
    write_golden(base, "cs003837319", CC, "CS003837319", REFERENCE_ITEMS, ".pdf")
    write_golden(base, "harper", "HarperCollins", "NS4435067", 12)
    monkeypatch.setattr(readiness, "DEFAULT_INVOICES_DIR", base)
    return base


def truthful(path: Path) -> Invoice:
    """An extractor that returns exactly the ground truth: the gate's logic is what is under test."""
    expected = json.loads(path.with_name(path.name.split(".")[0] + ".expected.json").read_text())
    return Invoice.model_validate(expected)


def config(**readiness_overrides):
    """The repository's config with this test set's reference invoice (CS003837319 only)."""
    loaded = load_config()
    readiness_values = loaded.thresholds.readiness.model_dump() | {
        "reference_invoices": ["CS003837319"],
        "min_reference_items": {"CS003837319": 130},
        **readiness_overrides,
    }
    loaded.thresholds.readiness = ReadinessThresholds.model_validate(readiness_values)
    return loaded


def config_file(directory: Path, **readiness_overrides) -> Path:
    """config() as a TOML file, for the command."""
    values = {
        f"thresholds__readiness__{k}": v
        for k, v in config(**readiness_overrides).thresholds.readiness.model_dump().items()
    }
    return write_config(directory / "deploy.toml", **values)


@pytest.fixture
def run(goldens, tmp_path):
    """`validate` with this test set's config."""
    path = config_file(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(validate, [*args, "--config", str(path)])

    return invoke
