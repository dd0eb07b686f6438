"""Zapier-shaped requests to a real functions-framework process (local parser, SQLite sink)."""

from __future__ import annotations

import uuid

import pytest
import requests

from invoice_processing.service.sqlite_sink import read_rows

from .conftest import TEST_MAX_UPLOAD, sqlite_path
from .invoices import reference_invoice, small_invoice, uncompressed_reference_pdf
from .pdfs import image_only_pdf, text_pdf

ZAPIER = {"User-Agent": "Zapier"}


def post(function, *, headers=None, **kwargs) -> tuple[requests.Response, str]:
    execution_id = uuid.uuid4().hex[:16]
    all_headers = {**ZAPIER, "Function-Execution-Id": execution_id, **(headers or {})}
    return requests.post(function.url, headers=all_headers, timeout=60, **kwargs), execution_id


def upload(pdf: bytes, name: str = "invoice.pdf") -> dict:
    return {"files": {"invoice_file": (name, pdf, "application/pdf")}, "data": {"zap": "Invoices to sheet"}}


def assert_matches_ground_truth(body: dict, sample) -> None:
    assert body["vendor"] == "Creative Co-op"
    assert body["invoice_number"] == sample.order_no
    assert body["order_date"] == sample.source.header.order_date.isoformat()
    # every header field, so live verification can judge what the gate judges
    assert body["customer_number"] == sample.source.header.customer_no
    assert body["po_number"] == sample.source.header.po_no
    assert body["document_kind"] == sample.source.header.kind
    assert [row[3].split(" - ")[0] for row in body["rows"]] == sample.product_codes
    assert {row[2] for row in body["rows"]} == {sample.order_no}


def test_a_large_newline_heavy_pdf_upload_is_accepted(local_function):
    # Regression: a small max_form_memory_size made werkzeug refuse such file parts with 413.
    pdf = uncompressed_reference_pdf()
    assert len(pdf) > 150_000 and pdf.count(b"\n") > 5_000
    response, _ = post(local_function, headers={"X-Invoice-Dry-Run": "1"}, **upload(pdf))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["invoice_number"] == "CS003837319"
    assert body["line_item_count"] == len(reference_invoice().source.items)


def test_get_answers_health_without_secrets(local_function):
    response = requests.get(local_function.url, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["revision"] == "process-invoice-00001-tst"
    assert body["parser"] == "local" and body["sink"] == "sqlite"
    assert body["version"] == "0.1.0"
    assert body["max_upload_bytes"] == TEST_MAX_UPLOAD
    assert str(sqlite_path(local_function)) not in response.text


def test_upload_writes_rows_once_and_logs_event(local_function):
    sample = small_invoice(11)
    path = sqlite_path(local_function)
    before = len(read_rows(path)) if path.exists() else 0

    first, execution_id = post(local_function, **upload(sample.pdf))
    assert first.status_code == 200, first.text
    body = first.json()
    assert_matches_ground_truth(body, sample)
    assert body["rows_added"] == sample.ordered_items
    assert body["rows_already_present"] == 0
    assert body["line_item_count"] == len(sample.source.items)
    assert body["source"] == "upload" and body["dry_run"] is False
    assert first.headers["X-Correlation-Id"] == execution_id
    assert len(read_rows(path)) == before + sample.ordered_items

    event = local_function.event_for(execution_id)
    assert event["message"] == "invoice_processed" and event["severity"] == "INFO"
    assert event["revision"] == "process-invoice-00001-tst"
    assert event["vendor"] == "Creative Co-op"
    assert event["invoice_number"] == sample.order_no
    assert event["line_items"] == len(sample.source.items)
    assert event["rows_added"] == sample.ordered_items
    assert event["peak_memory_mb"] > 10 and event["duration_ms"] > 0
    assert set(event["quality"]) >= {"upc_check_digits", "subtotal_reconciles", "invoice_number_found"}

    second, _ = post(local_function, **upload(sample.pdf, "same-invoice-again.pdf"))
    assert second.status_code == 200
    assert second.json()["rows_added"] == 0
    assert second.json()["rows_already_present"] == sample.ordered_items
    assert len(read_rows(path)) == before + sample.ordered_items


def test_raw_pdf_body(local_function):
    sample = small_invoice(12)
    response, _ = post(local_function, data=sample.pdf, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 200, response.text
    assert_matches_ground_truth(response.json(), sample)
    assert response.json()["source"] == "raw_body"


@pytest.mark.parametrize("shape", ["json", "form", "multipart"])
def test_file_url_from_loopback_server(local_function, file_server, invoice, shape):
    url = f"{file_server.url}/redirect/2/invoice.pdf"
    kwargs = {
        "json": {"json": {"file_url": url}},
        "form": {"data": {"file_url": url}},
        "multipart": {"files": {"file_url": (None, url)}},
    }[shape]
    response, _ = post(local_function, headers={"X-Invoice-Dry-Run": "1"}, **kwargs)
    assert response.status_code == 200, response.text
    assert_matches_ground_truth(response.json(), invoice)
    assert response.json()["source"] == "file_url"


def test_document_ai_json_replay(local_function):
    sample = small_invoice(13)
    response, _ = post(local_function, json=sample.docai_json(order=1))
    assert response.status_code == 200, response.text
    body = response.json()
    assert_matches_ground_truth(body, sample)
    assert body["origin"] == "docai" and body["source"] == "document_json"
    assert body["rows_added"] == sample.ordered_items


def test_dry_run_writes_nothing_and_says_so(local_function):
    sample = small_invoice(14)
    path = sqlite_path(local_function)
    before = len(read_rows(path)) if path.exists() else 0
    dry, execution_id = post(local_function, headers={"X-Invoice-Dry-Run": "1"}, **upload(sample.pdf))
    assert dry.status_code == 200
    assert dry.json()["dry_run"] is True and dry.json()["rows_added"] == 0
    assert dry.json()["line_item_count"] == len(sample.source.items)
    assert (len(read_rows(path)) if path.exists() else 0) == before
    assert local_function.event_for(execution_id)["dry_run"] is True
    # The dry run left no ledger entry behind: the real delivery still writes.
    real, _ = post(local_function, **upload(sample.pdf))
    assert real.json()["rows_added"] == sample.ordered_items


BAD_INPUTS = [
    pytest.param({"data": b""}, 400, "bad_request", id="no-body"),
    pytest.param({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "bad_request", id="bad-json"),
    pytest.param({"json": ["a", "list"]}, 400, "bad_request", id="json-list"),
    pytest.param({"json": {"hello": "there"}}, 400, "bad_request", id="json-no-invoice"),
    pytest.param({"json": {"file_url": 42}}, 400, "bad_request", id="file-url-not-string"),
    pytest.param({"files": {"attachment": ("a.pdf", b"%PDF-1.4", "application/pdf")}}, 400, "bad_request", id="wrong-field"),
    pytest.param({"json": {"file_url": "http://example.com/invoice.pdf"}}, 400, "file_url_refused", id="plain-http"),
    pytest.param({"json": {"file_url": "ftp://example.com/invoice.pdf"}}, 400, "file_url_refused", id="ftp"),
    pytest.param({"json": {"file_url": "http://169.254.169.254/computeMetadata/v1/"}}, 400, "file_url_refused", id="metadata-ip"),
    pytest.param({"json": {"file_url": "https://metadata.google.internal/x"}}, 400, "file_url_refused", id="metadata-name"),
    pytest.param({"json": {"file_url": "https://10.0.0.8/invoice.pdf"}}, 400, "file_url_refused", id="private-ip"),
    pytest.param({"json": {"file_url": "https://[fd00::1]/invoice.pdf"}}, 400, "file_url_refused", id="private-ipv6"),
    pytest.param({"files": {"invoice_file": ("a.txt", b"just some text", "text/plain")}}, 415, "unsupported_media_type", id="text-upload"),
    pytest.param({"data": b"GIF89a....", "headers": {"Content-Type": "image/gif"}}, 415, "unsupported_media_type", id="gif-body"),
    pytest.param({"files": {"invoice_file": ("a.pdf", b"", "application/pdf")}}, 422, "unprocessable_document", id="empty-pdf"),
    pytest.param({"files": {"invoice_file": ("a.pdf", b"%PDF-1.7\n%%EOF garbage", "application/pdf")}}, 422, "unprocessable_document", id="corrupt-pdf"),
    pytest.param({"files": {"invoice_file": ("a.pdf", text_pdf(["Invoice"], encrypt="pw"), "application/pdf")}}, 422, "unprocessable_document", id="encrypted-pdf"),
    pytest.param({"files": {"invoice_file": ("a.pdf", image_only_pdf(), "application/pdf")}}, 422, "unprocessable_document", id="scan-no-text"),
    pytest.param({"files": {"invoice_file": ("a.pdf", b"%PDF" + b"0" * (TEST_MAX_UPLOAD + 10), "application/pdf")}}, 413, "payload_too_large", id="upload-too-large"),
    pytest.param({"data": b"%PDF" + b"0" * (TEST_MAX_UPLOAD + 10), "headers": {"Content-Type": "application/pdf"}}, 413, "payload_too_large", id="raw-too-large"),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "status", "code"), BAD_INPUTS)
def test_bad_input_gets_its_status(local_function, kwargs, status, code):
    response, execution_id = post(local_function, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and body["status"] == status
    assert body["message"] and "Traceback" not in body["message"]
    event = local_function.event_for(execution_id)
    assert event["message"] == "invoice_failed"
    assert event["status"] == status and event["severity"] == "WARNING"


def test_document_text_never_echoed_in_errors(local_function):
    secretive = text_pdf(["Quarterly letter", "ACCOUNT 4111-1111-1111-1111 do not share"])
    response, execution_id = post(local_function, **upload(secretive))
    assert response.status_code == 422
    assert response.json()["error"] == "unprocessable_document"
    assert "4111" not in response.text
    assert "4111" not in local_function.log_path.read_text()
    assert local_function.event_for(execution_id)["error_class"] == "Unprocessable"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/files/missing.pdf", 400, "file_url_refused"),
        ("/redirect/5/invoice.pdf", 400, "file_url_refused"),
        ("/files/notes.txt", 415, "unsupported_media_type"),
        ("/endless", 413, "payload_too_large"),
        ("/fail", 502, "file_url_unavailable"),
        ("/slow?s=4", 502, "file_url_unavailable"),
    ],
)
def test_file_url_failures(local_function, file_server, path, status, code):
    response, _ = post(local_function, json={"file_url": file_server.url + path})
    assert response.status_code == status, response.text
    assert response.json()["error"] == code


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(local_function, method):
    response = requests.request(method, local_function.url, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST"
    assert response.json()["error"] == "method_not_allowed"


def test_shared_secret_required_when_configured(secret_function):
    sample = small_invoice(15)
    missing, _ = post(secret_function, **upload(sample.pdf))
    wrong, _ = post(secret_function, headers={"X-Invoice-Secret": "guess"}, **upload(sample.pdf))
    dry, _ = post(secret_function, headers={"X-Invoice-Dry-Run": "1"}, **upload(sample.pdf))
    assert [missing.status_code, wrong.status_code, dry.status_code] == [401, 401, 401]
    assert missing.json()["error"] == "unauthorized"
    health = requests.get(secret_function.url, timeout=5)
    assert health.json()["shared_secret_required"] is True
    assert "s3cret" not in health.text and "s3cret" not in secret_function.log_path.read_text()
    right, _ = post(
        secret_function, headers={"X-Invoice-Secret": "s3cret-for-tests-only"}, **upload(sample.pdf)
    )
    assert right.status_code == 200, right.text
    assert right.json()["rows_added"] == sample.ordered_items


def test_bare_function_uses_sqlite_in_working_directory(tmp_path):
    from .servers import FunctionProcess

    sample = small_invoice(16)
    with FunctionProcess(tmp_path) as function:
        health = requests.get(function.url, timeout=5).json()
        assert (health["parser"], health["sink"]) == ("local", "sqlite")
        response, _ = post(function, **upload(sample.pdf))
        assert response.status_code == 200, response.text
    assert len(read_rows(tmp_path / "invoice_rows.sqlite3")) == sample.ordered_items
