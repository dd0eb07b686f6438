"""End to end, real gcloud on localcloud: shadow replay refuses a candidate that answers a recently
archived real invoice differently from stable while every golden invoice comes out the same.

Stable archives a real (non-dry-run) invoice in localcloud's storage bucket (gs://, through
STORAGE_EMULATOR_HOST as on Google through Cloud Storage); the candidate's extractor changes one
price of that invoice only. Every golden check passes live; the replay alone fails, with the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.localcloud.client import identity_headers
from deploy_scripts.localcloud.staging import stage_project_source
from deploy_scripts.pipeline.gcloud import serving_revision
from deploy_scripts.pipeline.records import RecordStore
from test_scripts.function.invoices import small_invoice

from .conftest import SABOTAGE, localcloud_environment

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]

#: the conftest's sabotage, aimed at one invoice: the first item's price goes up by 1 on that one only
ONE_PRICE_UP = """

def _one_price_up(parsed):
    if parsed.invoice_number != {order!r} or not parsed.line_items:
        return parsed.line_items
    first = parsed.line_items[0]
    return [first.model_copy(update={{"unit_price": first.unit_price + 1}}), *parsed.line_items[1:]]
"""


def change_one_invoice(source: Path, order: str) -> Path:
    vendors = source / "invoice_processing" / "vendors" / "__init__.py"
    patch = ONE_PRICE_UP.format(order=order) + SABOTAGE.replace(
        "parsed.line_items[::2]", "_one_price_up(parsed)"
    )
    vendors.write_text(vendors.read_text() + patch)
    return source


def test_replay_refuses_a_candidate_that_changes_one_archived_real_invoice(tmp_path: Path):
    sample = small_invoice()
    with localcloud_environment(tmp_path) as target:
        first = CliRunner().invoke(deploy, ["--skip-validation", "--json"], catch_exceptions=False)
        assert first.exit_code == 0, first.output[-3000:]
        record = json.loads(first.stdout)["record"]
        stable = record["revision_after"]
        replay = next(c for c in record["checks"] if c["name"] == "shadow_replay")
        assert (replay["passed"], replay["skipped"]) == (True, True)  # nothing archived yet: said so
        assert replay["detail"].startswith(
            "skipped: no archived real invoice in gs://localcloud-invoice-archive/"
        )

        url = target.function_url(target.gcloud.describe())
        files = {"invoice_file": ("invoice.pdf", sample.pdf, "application/pdf")}
        real = requests.post(url, files=files, headers=identity_headers(url), timeout=120)
        assert real.status_code == 200, real.text
        first_item = real.json()["line_items"][0]
        code, stable_price = first_item["product_code"], first_item["unit_price"]

        source = change_one_invoice(stage_project_source(tmp_path / "candidate"), sample.order_no)
        refused = CliRunner().invoke(deploy, ["--skip-validation", "--source-dir", str(source)])
        assert refused.exit_code == 1, refused.output[-3000:]

        run = max(RecordStore(tmp_path / "state").all(), key=lambda r: r.started_at)
        failed = [c.name for c in run.decision.failed_checks]
        assert failed == ["shadow_replay"]  # every golden invoice (and health, load) passed live
        candidate_price = f"{float(stable_price) + 1:.2f}"
        output = " ".join(refused.output.split())  # rich wraps long lines
        assert f"{code} unit_price: {stable_price} -> {candidate_price}" in output
        assert f"{sample.order_no} (archived request " in output
        diff_file = Path(run.metrics["shadow_replay"]["diff_file"])
        # blue-green: the candidate was verified through its tag URL and never served a live request
        assert diff_file.is_file() and run.status == "failed"
        assert serving_revision(target.gcloud.service()) == stable
