"""Fixtures: real functions-framework processes on loopback, the localcloud stand-ins, a file server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, Response, redirect, request

from deploy_scripts.localcloud.standins import SheetStore, register_standins

from .invoices import reference_invoice, small_invoice
from .servers import FunctionProcess, ThreadedApp

#: Small enough that the 413 tests send little; large enough for the 15-page reference PDF.
TEST_MAX_UPLOAD = 1_500_000
SECRET = "s3cret-for-tests-only"
SPREADSHEET = "test-spreadsheet"
SHEET = "Update 20230525"


def file_server_app(files: dict[str, bytes]) -> Flask:
    """Serves invoices the way a Zapier file link would, plus the ways a link can misbehave."""
    app = Flask("file_server")

    @app.get("/files/<name>")
    def serve(name: str):
        if name not in files:
            return "not found", 404
        return Response(files[name], mimetype="application/pdf")

    @app.get("/redirect/<int:hops>/<name>")
    def hop(hops: int, name: str):
        return redirect(f"/redirect/{hops - 1}/{name}" if hops > 1 else f"/files/{name}", 302)

    @app.get("/endless")
    def endless():
        # No Content-Length: the cap must hold while streaming.
        def chunks():
            for _ in range(10_000):
                yield b"%PDF" + b"0" * 65_532

        return Response(chunks(), mimetype="application/pdf")

    @app.get("/slow")
    def slow():
        time.sleep(float(request.args.get("s", "3")))
        return Response(b"%PDF-1.4", mimetype="application/pdf")

    @app.get("/fail")
    def fail():
        return "boom", 500

    return app


@pytest.fixture(scope="session")
def invoice():
    return small_invoice()


@pytest.fixture(scope="session")
def reference():
    return reference_invoice()


@pytest.fixture(scope="session")
def file_server(invoice, reference) -> Iterator[ThreadedApp]:
    files = {"invoice.pdf": invoice.pdf, "cs003837319.pdf": reference.pdf, "notes.txt": b"hello"}
    with ThreadedApp(file_server_app(files)) as server:
        yield server


@pytest.fixture(scope="session")
def local_function(tmp_path_factory) -> Iterator[FunctionProcess]:
    """Local parser + SQLite sink, loopback file_urls allowed (as on localcloud)."""
    work = tmp_path_factory.mktemp("local_function")
    env = {
        "INVOICE_SQLITE_PATH": str(work / "rows.sqlite3"),
        "ALLOW_LOOPBACK_URLS": "1",
        "MAX_UPLOAD_BYTES": str(TEST_MAX_UPLOAD),
        "FILE_URL_TIMEOUT_SECONDS": "2",
        "K_REVISION": "process-invoice-00001-tst",
    }
    with FunctionProcess(work, env) as function:
        yield function


@pytest.fixture(scope="session")
def secret_function(tmp_path_factory) -> Iterator[FunctionProcess]:
    work = tmp_path_factory.mktemp("secret_function")
    env = {"INVOICE_SQLITE_PATH": str(work / "rows.sqlite3"), "INVOICE_SHARED_SECRET": SECRET}
    with FunctionProcess(work, env) as function:
        yield function


@pytest.fixture(scope="session")
def standins(tmp_path_factory) -> Iterator[tuple[ThreadedApp, SheetStore]]:
    app = Flask("localcloud_standins")
    store = register_standins(app, tmp_path_factory.mktemp("localcloud_state"))
    with ThreadedApp(app) as server:
        yield server, store


def google_env(localcloud_url: str, **extra: str) -> dict[str, str]:
    return {
        "INVOICE_PARSER": "documentai",
        "INVOICE_SINK": "sheets",
        "LOCALCLOUD_URL": localcloud_url,
        "GOOGLE_CLOUD_PROJECT_ID": "freckled-hen-analytics",
        "GOOGLE_CLOUD_LOCATION": "us",
        "DOCUMENT_AI_PROCESSOR_ID": "be53c6e3a199a473",
        "GOOGLE_SHEETS_SPREADSHEET_ID": SPREADSHEET,
        "GOOGLE_SHEETS_SHEET_NAME": SHEET,
        **extra,
    }


@pytest.fixture(scope="session")
def google_function(tmp_path_factory, standins) -> Iterator[FunctionProcess]:
    """Document AI and Sheets client code, pointed at the stand-ins through LOCALCLOUD_URL. Chunks
    of 4 pages so the 15-page reference exercises split-and-merge."""
    server, _ = standins
    env = google_env(server.url, DOCUMENT_AI_MAX_PAGES="4", ALLOW_LOOPBACK_URLS="1")
    with FunctionProcess(tmp_path_factory.mktemp("google_function"), env) as function:
        yield function


def sqlite_path(function: FunctionProcess) -> Path:
    return Path(function.env.get("INVOICE_SQLITE_PATH") or function.workdir / "invoice_rows.sqlite3")
