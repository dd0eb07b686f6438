"""The archive of real invoices (service/archive.py): retention, the reader, and the function writing it."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from deploy_scripts.localcloud.storage import local_storage_client, stop_storage
from invoice_processing.service.archive import (
    Archive,
    ArchivedResult,
    ArchiveError,
    BucketStore,
    DirectoryStore,
    open_archive,
)

from .invoices import small_invoice
from .servers import FunctionProcess

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def result(at: datetime, correlation: str, number: str = "CI000000001") -> ArchivedResult:
    return ArchivedResult(
        archived_at=at, correlation_id=correlation, revision="process-invoice-00001-abc",
        content_type="application/pdf", invoice_number=number, header={"invoice_number": number},
        line_items=[{"product_code": "XS9826A", "unit_price": "1.60"}], rows=[["1/17/2025", "Creative Co-op"]],
    )  # fmt: skip


def fill(archive: Archive) -> None:
    for days, name in ((40, "old"), (31, "expired"), (29, "kept"), (1, "new"), (0, "newest")):
        archive.store.put(  # entries written in the past, without pruning on the way
            f"{(NOW - timedelta(days=days)).strftime('%Y%m%dT%H%M%S%fZ')}-{name}/document",
            b"%PDF",
            "application/pdf",
        )
        archive.store.put(
            f"{(NOW - timedelta(days=days)).strftime('%Y%m%dT%H%M%S%fZ')}-{name}/result.json",
            result(NOW - timedelta(days=days), name).model_dump_json().encode(), "application/json",
        )  # fmt: skip


def test_a_write_prunes_entries_past_the_retention(tmp_path):
    archive = Archive(DirectoryStore(tmp_path / "archive"), retention_days=30)
    fill(archive)
    assert len(archive.store.names()) == 10
    key = archive.put(b"%PDF-new", result(NOW + timedelta(seconds=1), "exec-1"))
    kept = sorted({name.split("/")[0].split("-", 1)[1] for name in archive.store.names()})
    assert kept == ["exec-1", "kept", "new", "newest"]
    assert archive.document(archive.recent(1, NOW)[0]) == b"%PDF-new" and key.endswith("-exec-1")
    assert not any(p.name.endswith("-old") for p in (tmp_path / "archive").iterdir())  # directories go too


def test_recent_is_newest_first_limited_and_skips_incomplete_and_expired_entries(tmp_path):
    archive = Archive(DirectoryStore(tmp_path / "archive"), retention_days=30)
    fill(archive)
    archive.store.put("20261201T115900000000Z-half/document", b"%PDF", "application/pdf")  # no result yet
    entries = archive.recent(3, NOW)
    assert [e.key.split("-", 1)[1] for e in entries] == ["newest", "new", "kept"]
    assert [archive.result(e).correlation_id for e in entries] == ["newest", "new", "kept"]
    assert [e.key.split("-", 1)[1] for e in archive.recent(20, NOW)] == ["newest", "new", "kept"]


def test_archived_documents_are_readable_by_the_owner_only(tmp_path):
    archive = Archive(DirectoryStore(tmp_path / "archive"))
    key = archive.put(b"%PDF", result(datetime.now(UTC), "exec-1"))
    for path in (tmp_path / "archive" / key, *(tmp_path / "archive" / key).iterdir()):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))


def test_an_archive_location_that_is_neither_a_bucket_nor_a_directory_is_refused():
    with pytest.raises(ArchiveError, match=r"use gs://BUCKET/PREFIX or a directory path"):
        open_archive("s3://bucket/prefix")
    with pytest.raises(ArchiveError, match=r"name a bucket"):
        open_archive("gs:///prefix")


def test_the_bucket_store_on_the_storage_emulator(tmp_path):
    client = local_storage_client(tmp_path / "localcloud", "freckled-hen-analytics", "invoice-archive")
    try:
        archive = Archive(BucketStore(client, "invoice-archive", "process_invoice"), retention_days=30)
        assert archive.url == "gs://invoice-archive/process_invoice"
        fill(archive)
        archive.put(b"%PDF-new", result(NOW + timedelta(seconds=1), "exec-1"))
        assert [e.key.split("-", 1)[1] for e in archive.recent(2, NOW)] == ["exec-1", "newest"]
        assert len(archive.store.names()) == 8  # old and expired were deleted from the bucket
        names = [b.name for b in client.list_blobs("invoice-archive")]
        assert all(n.startswith("process_invoice/") for n in names)
    finally:
        stop_storage(tmp_path / "localcloud")


# ------------------------------------------------------------------------------ the function


def _archive_of(function: FunctionProcess) -> Archive:
    return open_archive(function.env["INVOICE_ARCHIVE_URL"])


def archiving(work: Path, revision: str) -> FunctionProcess:
    """A function (local parser, SQLite sink) that archives its real invoices under `work/archive`."""
    env = {"INVOICE_SQLITE_PATH": str(work / "rows.sqlite3"), "INVOICE_ARCHIVE_URL": str(work / "archive"),
           "K_REVISION": revision}  # fmt: skip
    return FunctionProcess(work, env)


@pytest.fixture(scope="module")
def archiving_function(tmp_path_factory):
    with archiving(tmp_path_factory.mktemp("archiving_function"), "process-invoice-00003-arc") as function:
        yield function


def _post(
    function: FunctionProcess, pdf: bytes, execution_id: str, dry_run: bool = False
) -> requests.Response:
    headers = {"Function-Execution-Id": execution_id, **({"X-Invoice-Dry-Run": "1"} if dry_run else {})}
    files = {"invoice_file": ("invoice.pdf", pdf, "application/pdf")}
    return requests.post(function.url, files=files, headers=headers, timeout=60)


def test_a_real_invoice_is_archived_with_its_result_and_a_dry_run_is_not(archiving_function):
    sample = small_invoice()
    dry = _post(archiving_function, sample.pdf, "dry-exec-1", dry_run=True)
    assert dry.status_code == 200, dry.text
    assert _archive_of(archiving_function).recent(20) == []
    real = _post(archiving_function, sample.pdf, "real-exec-1")
    assert real.status_code == 200, real.text
    archive = _archive_of(archiving_function)
    (entry,) = archive.recent(20)
    stored = archive.result(entry)
    body = real.json()
    assert archive.document(entry) == sample.pdf
    assert (stored.correlation_id, stored.revision) == ("real-exec-1", "process-invoice-00003-arc")
    assert stored.invoice_number == sample.order_no == body["invoice_number"]
    assert stored.line_items == body["line_items"] and stored.rows == body["rows"]
    assert [row[3].split(" - ")[0] for row in stored.rows] == sample.product_codes  # the source data's items
    events = {
        e["correlation_id"]: e for e in archiving_function.events() if e.get("message") == "invoice_processed"
    }
    assert (events["dry-exec-1"]["synthetic"], events["real-exec-1"]["synthetic"]) == (True, False)


def test_an_archive_that_cannot_be_written_never_fails_the_invoice(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    env = {
        "INVOICE_SQLITE_PATH": str(tmp_path / "rows.sqlite3"),
        "INVOICE_ARCHIVE_URL": str(blocker / "archive"),
    }
    sample = small_invoice()
    with FunctionProcess(tmp_path / "work", env) as function:
        response = _post(function, sample.pdf, "exec-unarchived")
        assert response.status_code == 200, response.text
        assert response.json()["rows_added"] == sample.ordered_items
        log = function.log_path.read_text()
    warnings = [json.loads(line) for line in log.splitlines() if "invoice_archive_failed" in line]
    assert warnings == [
        {"message": "invoice_archive_failed", "severity": "WARNING", "correlation_id": "exec-unarchived",
         "revision": "local", "error_class": "NotADirectoryError"}
    ]  # fmt: skip
    assert not any(code in log for code in sample.product_codes)  # nothing of the document in the logs
