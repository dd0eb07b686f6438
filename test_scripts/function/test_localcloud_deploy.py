"""The function deployed with the real `gcloud functions deploy` to localcloud, running its Document
AI and Sheets client code against localcloud's stand-ins (LOCALCLOUD_URL is injected per revision)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from deploy_scripts.localcloud.staging import stage_project_source

from .conftest import SHEET
from .invoices import small_invoice
from .test_http_local import assert_matches_ground_truth

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]

FUNCTION = "process-invoice-fn-test"
SPREADSHEET = "localcloud-sheet"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Iterator[tuple[requests.Session, str, Path]]:
    if shutil.which("gcloud") is None:
        pytest.fail("gcloud is not installed: these tests drive the real gcloud CLI")
    client = pytest.importorskip("deploy_scripts.localcloud.client")
    state = tmp_path_factory.mktemp("localcloud")
    endpoint = client.start(state, port=0)  # a free port: never the default one a user may be running
    try:
        env_vars = ",".join(
            [
                "INVOICE_PARSER=documentai",
                "INVOICE_SINK=sheets",
                "GOOGLE_CLOUD_PROJECT_ID=freckled-hen-analytics",
                "GOOGLE_CLOUD_LOCATION=us",
                "DOCUMENT_AI_PROCESSOR_ID=be53c6e3a199a473",
                f"GOOGLE_SHEETS_SPREADSHEET_ID={SPREADSHEET}",
                f"GOOGLE_SHEETS_SHEET_NAME={SHEET}",
                "ALLOW_LOOPBACK_URLS=1",
            ]
        )
        command = [
            "gcloud", "functions", "deploy", FUNCTION, "--gen2", "--runtime", "python312",
            "--region", "us-central1", "--source", str(stage_project_source(state / "src")),
            "--entry-point", "process_invoice", "--trigger-http", "--allow-unauthenticated",
            "--memory", "1GiB", "--timeout", "540s", "--set-env-vars", env_vars, "--quiet",
        ]  # fmt: skip
        result = subprocess.run(
            command,
            env={**os.environ, **client.gcloud_env(endpoint)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        session = requests.Session()
        session.trust_env = False  # loopback: no proxy
        yield session, client.function_url(endpoint, FUNCTION), state
    finally:
        client.stop(state)


def test_deployed_function_answers_health(deployed):
    session, url, _ = deployed
    body = session.get(url, timeout=30).json()
    assert (body["parser"], body["sink"], body["localcloud"]) == ("documentai", "sheets", True)
    assert body["revision"].startswith(FUNCTION)


def test_deployed_function_same_requests_pass(deployed, file_server, invoice):
    from deploy_scripts.localcloud.standins import standin_store

    session, url, state = deployed
    store = standin_store(state)
    sample = small_invoice(31)
    files = {"invoice_file": ("invoice.pdf", sample.pdf, "application/pdf")}

    first = session.post(url, files=files, timeout=120)
    assert first.status_code == 200, first.text
    assert_matches_ground_truth(first.json(), sample)
    assert first.json()["origin"] == "docai"
    assert first.json()["rows_added"] == sample.ordered_items
    assert len(store.rows(SPREADSHEET, SHEET, "B:G")) == sample.ordered_items

    again = session.post(url, files=files, timeout=120)
    assert again.json()["rows_added"] == 0 and again.json()["rows_already_present"] == sample.ordered_items

    by_url = session.post(url, json={"file_url": f"{file_server.url}/files/invoice.pdf"}, timeout=120)
    assert by_url.status_code == 200, by_url.text
    assert_matches_ground_truth(by_url.json(), invoice)

    replay = small_invoice(32)
    by_json = session.post(url, json=replay.docai_json(order=2), timeout=120)
    assert by_json.status_code == 200, by_json.text
    assert_matches_ground_truth(by_json.json(), replay)

    for body, status in [
        ({"json": {"hello": 1}}, 400),
        ({"data": b"plain", "headers": {"Content-Type": "text/plain"}}, 415),
    ]:
        assert session.post(url, timeout=30, **body).status_code == status
    assert session.put(url, timeout=30).status_code == 405
