"""The production client paths (google-cloud-documentai, google-api-python-client) in a real
functions-framework process, pointed at the localcloud stand-ins through LOCALCLOUD_URL."""

from __future__ import annotations

import requests

from .conftest import SHEET, SPREADSHEET, google_env
from .invoices import small_invoice
from .servers import FunctionProcess, free_port
from .test_http_local import assert_matches_ground_truth, post, upload


def sheet_rows(store) -> list[list[str]]:
    return store.rows(SPREADSHEET, SHEET, "B:G")


def test_health_names_the_google_parts(google_function):
    body = requests.get(google_function.url, timeout=5).json()
    assert (body["parser"], body["sink"], body["sheet"]) == ("documentai", "sheets", SHEET)
    assert body["document_ai"] == {"location": "us", "processor_configured": True}
    assert "be53c6e3a199a473" not in str(body)


def test_reference_invoice_split_for_document_ai_and_written_to_sheet_once(
    google_function, standins, reference
):
    _, store = standins
    before = len(sheet_rows(store))
    first, execution_id = post(google_function, **upload(reference.pdf, "CS003837319.pdf"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["origin"] == "docai" and body["page_count"] == 15
    assert_matches_ground_truth(body, reference)
    assert body["rows_added"] == reference.ordered_items
    rows = sheet_rows(store)[before:]
    assert rows == [[str(cell) for cell in row] for row in body["rows"]]
    assert google_function.event_for(execution_id)["rows_added"] == reference.ordered_items

    again, _ = post(google_function, **upload(reference.pdf, "retry.pdf"))
    assert again.status_code == 200
    assert (again.json()["rows_added"], again.json()["rows_already_present"]) == (0, reference.ordered_items)
    assert len(sheet_rows(store)) == before + reference.ordered_items


def test_file_url_and_document_json_through_google_path(google_function, standins, file_server, invoice):
    _, store = standins
    by_url, _ = post(google_function, json={"file_url": f"{file_server.url}/files/invoice.pdf"})
    assert by_url.status_code == 200, by_url.text
    assert_matches_ground_truth(by_url.json(), invoice)
    sample = small_invoice(21)
    by_json, _ = post(google_function, json=sample.docai_json(order=3))
    assert by_json.status_code == 200, by_json.text
    assert_matches_ground_truth(by_json.json(), sample)


def test_dry_run_leaves_the_sheet_alone(google_function, standins):
    _, store = standins
    sample = small_invoice(22)
    before = len(sheet_rows(store))
    response, _ = post(google_function, headers={"X-Invoice-Dry-Run": "true"}, **upload(sample.pdf))
    assert response.status_code == 200, response.text
    assert response.json()["dry_run"] is True and response.json()["rows_added"] == 0
    assert len(sheet_rows(store)) == before


def test_google_services_down_is_503_and_nothing_written(tmp_path, standins):
    _, store = standins
    dead = f"http://127.0.0.1:{free_port()}"
    with FunctionProcess(tmp_path, google_env(dead)) as function:
        response, execution_id = post(function, **upload(small_invoice(23).pdf))
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "upstream_unavailable"
        assert "nothing was written" in response.json()["message"]
        event = function.event_for(execution_id)
        assert (event["message"], event["status"], event["severity"]) == ("invoice_failed", 503, "ERROR")


def test_sheets_down_after_document_ai_is_503(tmp_path, standins):
    server, _ = standins
    env = google_env(server.url, SHEETS_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    with FunctionProcess(tmp_path, env) as function:
        response, _ = post(function, **upload(small_invoice(24).pdf))
        assert response.status_code == 503, response.text
        assert "Google Sheets" in response.json()["message"]


def test_more_pages_than_document_ai_takes_without_splitting_is_a_clear_422(tmp_path, standins, reference):
    """A chunk size above the real limit: the stand-in refuses as Document AI does and the caller
    hears 422, never a truncated invoice."""
    server, _ = standins
    with FunctionProcess(tmp_path, google_env(server.url, DOCUMENT_AI_MAX_PAGES="30")) as function:
        small = upload(small_invoice(25).pdf)
        assert post(function, headers={"X-Invoice-Dry-Run": "1"}, **small)[0].status_code == 200
        big = text_pages(16)
        response, _ = post(function, **upload(big))
        assert response.status_code == 422, response.text
        assert "Document AI could not read" in response.json()["message"]


def test_misconfigured_function_says_so(tmp_path):
    with FunctionProcess(tmp_path, {"INVOICE_PARSER": "documentai"}) as function:
        health = requests.get(function.url, timeout=5)
        assert health.status_code == 503
        assert "GOOGLE_CLOUD_PROJECT_ID" in health.json()["problem"]
        response, _ = post(function, **upload(small_invoice(26).pdf))
        assert response.status_code == 503
        assert response.json()["error"] == "misconfigured"


def text_pages(count: int) -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for number in range(1, count + 1):
        canvas.drawString(72, 720, f"Page {number} of {count}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
