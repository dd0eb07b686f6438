"""This project's own function (main.py + invoice_processing/) deployed by gcloud to localcloud."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_scripts.localcloud.staging import stage_project_source

from .conftest import REGION
from .helpers import get, logged_records, post

pytestmark = [pytest.mark.gcloud, pytest.mark.slow, pytest.mark.timeout(240)]


def test_project_function_deploys_and_answers_health(gcloud, tmp_path, localcloud_dir):
    try:
        source = stage_project_source(tmp_path / "source")
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    result = gcloud(
        "functions", "deploy", "process_invoice", "--gen2", "--runtime", "python312", "--region", REGION,
        "--source", str(source), "--entry-point", "process_invoice", "--trigger-http",
        "--set-env-vars", "INVOICE_PARSER=local,INVOICE_SINK=sqlite", "--allow-unauthenticated",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fn = json.loads(
        gcloud.value("functions", "describe", "process_invoice", "--region", REGION, "--format", "json")
    )
    revision = fn["serviceConfig"]["revision"]
    assert revision.startswith("process-invoice-00001-")
    answer = get(fn["url"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Localcloud-Revision"] == revision
    assert answer.json()["revision"] == revision
    assert (localcloud_dir / "revisions" / revision / "invoice_processing").is_dir()
    invoice = Path(__file__).parents[2] / "test_invoices" / "cc-one-page-invoice.pdf"
    posted = post(fn["url"], files={"invoice_file": invoice.read_bytes()}, headers={"X-Invoice-Dry-Run": "1"})
    assert posted.status_code == 200, posted.text

    def has_event(records):
        return any(r.get("jsonPayload", {}).get("message") == "invoice_processed" for r in records)

    records = logged_records(localcloud_dir, revision, until=has_event)
    assert has_event(records), records
    assert all(record["resource"]["labels"]["revision_name"] == revision for record in records)
