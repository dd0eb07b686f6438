"""The HTTP handler behind `main.process_invoice`: request -> document -> invoice -> sheet rows.

GET answers a health document. POST takes an invoice (see sources.py) and answers 200 with the
extraction and what was written, or a specific 4xx/5xx whose message says what to do. Every POST
logs exactly one `invoice_processed` or `invoice_failed` event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import re
import socket
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Request, Response

from ..document import is_pdf
from ..errors import InvoiceError, NoLineItems, UnreadableDocument, UnsupportedFormat
from ..events import FAILED, PROCESSED, InvoiceEvent
from ..models import Invoice
from ..sheet_rows import sheet_rows
from .archive import ArchivedResult
from .budget import ReaderFailed, read_invoice_within
from .errors import (
    MethodNotAllowed,
    Misconfigured,
    ServiceError,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from .event_log import emit, warn
from .fetch import FetchPolicy
from .ledger import ledger_key
from .metrics import peak_memory_mb
from .runtime import Runtime, runtime
from .sources import BODY_READ_KEY, request_source
from .version import function_version

SECRET_HEADER = "X-Invoice-Secret"
DRY_RUN_HEADER = "X-Invoice-Dry-Run"
#: Traffic that is not the business's (probes, tests that write): marked, counted apart.
SYNTHETIC_HEADER = "X-Invoice-Synthetic"
_SAFE_ID = re.compile(r"[^A-Za-z0-9._:/-]")
JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


@dataclass
class Call:
    """What is known about one request so far: enough to write its event whatever happens."""

    correlation_id: str
    revision: str
    dry_run: bool
    #: verification, replay, probes: excluded from the business figures (always true for a dry run)
    synthetic: bool = False
    started: float = field(default_factory=time.perf_counter)
    invoice: Invoice | None = None

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


def correlation_id(request: Request) -> str:
    """Function-Execution-Id, else the trace id (X-Cloud-Trace-Context or traceparent), else new."""
    candidate = request.headers.get("Function-Execution-Id", "")
    if not candidate:
        candidate = request.headers.get("X-Cloud-Trace-Context", "").split("/", 1)[0]
    if not candidate:
        parts = request.headers.get("traceparent", "").split("-")
        candidate = parts[1] if len(parts) >= 3 else ""
    candidate = _SAFE_ID.sub("", candidate)[:128]
    return candidate or uuid.uuid4().hex


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(body: dict[str, Any], status: int, call_id: str, extra: dict[str, str] | None = None):
    import json

    headers = {**JSON_HEADERS, "X-Correlation-Id": call_id, **(extra or {})}
    return json.dumps(body, ensure_ascii=False, default=str), status, headers


def _error_response(error: ServiceError, call_id: str):
    body = {"error": error.code, "message": error.message, "status": error.status, "correlation_id": call_id}
    return _json(body, error.status, call_id, error.headers)


def _as_service_error(exc: InvoiceError) -> ServiceError:
    if isinstance(exc, UnsupportedFormat):
        return UnsupportedMediaType(f"{exc}: send a PDF or a Document AI JSON document")
    if isinstance(exc, NoLineItems):
        return Unprocessable(
            f"{exc}: nothing was written; check it is a vendor invoice with a line-item table"
        )
    if isinstance(exc, UnreadableDocument):
        return Unprocessable(f"{exc}; nothing was written")
    return Unprocessable(str(exc))


# ------------------------------------------------------------------------------------- GET


def health(rt: Runtime, call_id: str):
    body: dict[str, Any] = {
        "status": "ok",
        "function": "process_invoice",
        "version": function_version(),
        "revision": rt.settings.revision,
    }
    if rt.settings_error:
        body.update(status="misconfigured", problem=rt.settings_error)
        return _json(body, 503, call_id)
    body.update(rt.settings.health())
    return _json(body, 200, call_id)


# ------------------------------------------------------------------------------------ POST


def _authorize(request: Request, rt: Runtime) -> None:
    expected = rt.settings.shared_secret
    if not expected:
        return
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise Unauthorized(
            f"missing or wrong {SECRET_HEADER} header: use the secret configured for this function"
        )


def _process(request: Request, rt: Runtime, call: Call) -> dict[str, Any]:
    settings = rt.settings
    _authorize(request, rt)
    policy = FetchPolicy(
        max_bytes=settings.max_upload_bytes,
        timeout_seconds=settings.fetch_timeout_seconds,
        allow_loopback=settings.allow_loopback_urls,
    )
    source = request_source(
        request,
        max_bytes=settings.max_upload_bytes,
        fetch_policy=policy,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    try:
        # Document AI's network call happens here; reading what it returns happens in the child.
        document = (
            rt.parser.parse(source.data) if rt.parser.name == "documentai" and is_pdf(source.data) else None
        )
        invoice = read_invoice_within(settings.processing_budget_seconds, settings, source.data, document)
    except InvoiceError as exc:
        raise _as_service_error(exc) from None
    call.invoice = invoice
    rows = sheet_rows(invoice)
    if call.dry_run:
        added, present = 0, 0
    else:
        result = rt.sink.write(ledger_key(invoice.invoice_number, rows), rows)
        added, present = result.rows_added, result.rows_already_present
    quality = invoice.quality
    header = {
        "vendor": invoice.vendor,
        "invoice_number": invoice.invoice_number,
        "order_date": invoice.order_date.isoformat() if invoice.order_date else None,
        # every header field the extraction reports, so live verification judges what the gate judges
        "document_kind": invoice.document_kind,
        "order_number": invoice.order_number,
        "customer_number": invoice.customer_number,
        "po_number": invoice.po_number,
    }
    line_items = [item.model_dump(mode="json") for item in invoice.line_items]
    if not call.dry_run and settings.archive_url:
        _archive(rt, call, source.data, header, line_items, rows)
    return {
        **header,
        "rows_added": added,
        "rows_already_present": present,
        "line_items": line_items,
        "line_item_count": len(invoice.line_items),
        "rows": rows,
        "quality": {
            "score": quality.score,
            "passed": quality.passed,
            "checks": [check.model_dump() for check in quality.checks],
        },
        "totals": invoice.totals.model_dump(mode="json") if invoice.totals else None,
        "page_count": invoice.page_count,
        "origin": invoice.origin,
        "source": source.kind,
        "dry_run": call.dry_run,
        "correlation_id": call.correlation_id,
        "revision": call.revision,
    }


def _archive(rt: Runtime, call: Call, document: bytes, header: dict, line_items: list, rows: list) -> None:
    """Keep the document and what it produced for shadow replay. The rows are written already:
    a failure here is a warning (identifiers and the error's class only), never a failed invoice."""
    try:
        archive = rt.archive()
        if archive is None:
            return
        result = ArchivedResult(
            archived_at=dt.datetime.now(dt.UTC),
            correlation_id=call.correlation_id,
            revision=call.revision,
            content_type="application/pdf" if is_pdf(document) else "application/json",
            invoice_number=header.get("invoice_number"),
            vendor=header.get("vendor"),
            header=header,
            line_items=line_items,
            rows=rows,
        )
        archive.put(document, result)
    except Exception as exc:  # storage down, no permission, no client library
        warn(
            "invoice_archive_failed",
            correlation_id=call.correlation_id,
            revision=call.revision,
            error_class=type(exc).__name__,
        )


def _event(call: Call, message: str, **fields: Any) -> InvoiceEvent:
    invoice = call.invoice
    base: dict[str, Any] = {
        "message": message,
        "timestamp": _now(),
        "correlation_id": call.correlation_id,
        "revision": call.revision,
        "duration_ms": call.elapsed_ms(),
        "peak_memory_mb": peak_memory_mb(),
        "dry_run": call.dry_run,
        "synthetic": call.synthetic,
    }
    if invoice is not None:
        base.update(
            vendor=invoice.vendor,
            invoice_number=invoice.invoice_number,
            line_items=len(invoice.line_items),
            quality=invoice.quality.by_name(),
            quality_score=invoice.quality.score,
        )
    base.update(fields)
    return InvoiceEvent(**base)


def _log_internal_error(exc: BaseException, call: Call) -> None:
    """Frames and the class only: an exception's message may quote the document."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    name = type(exc).__name__
    if isinstance(exc, ReaderFailed):  # the bug happened in the reader's process: its frames
        name, frames = f"{exc.class_name} in the reader", exc.frames
    print(
        f"internal error {name} (correlation_id={call.correlation_id})\n{frames}",
        file=sys.stderr,
    )


def handle(request: Request, rt: Runtime | None = None) -> Response:
    return _unbuffered(request, *_answer(request, rt))


def _unbuffered(request: Request, text: str, status: int, headers: dict[str, str]) -> Response:
    """The answer as a streamed response. functions-framework's `read_request` after-request hook
    reads the whole request body into memory before answering unless the response is streamed: a
    413 would wait for (and buffer) the 600 MB it refuses. A body left unread is not read later
    either: the socket's reading side is shut (gunicorn drops an app's `Connection: close`), so
    gunicorn's keep-alive drain ends at once and the connection closes after the answer."""
    payload = text.encode("utf-8")
    body_pending = request.content_length or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    sock = request.environ.get("gunicorn.socket")
    if body_pending and not request.environ.get(BODY_READ_KEY) and sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)
    headers = {**headers, "Content-Length": str(len(payload))}
    return Response(iter([payload]), status=status, headers=headers)


def _answer(request: Request, rt: Runtime | None):
    rt = rt or runtime()
    call_id = correlation_id(request)
    if request.method in ("GET", "HEAD"):
        return health(rt, call_id)
    if request.method != "POST":
        error = MethodNotAllowed(
            f"{request.method} is not supported: POST an invoice, or GET for health",
            headers={"Allow": "GET, HEAD, POST"},
        )
        return _error_response(error, call_id)
    dry_run = _truthy(request.headers.get(DRY_RUN_HEADER))
    synthetic = dry_run or _truthy(request.headers.get(SYNTHETIC_HEADER))
    call = Call(call_id, rt.settings.revision, dry_run, synthetic)
    try:
        if rt.settings_error:
            raise Misconfigured(f"the function is misconfigured: {rt.settings_error}")
        body = _process(request, rt, call)
    except ServiceError as error:
        severity = "ERROR" if error.status >= 500 else "WARNING"
        emit(_event(call, FAILED, severity=severity, error_class=type(error).__name__, status=error.status))
        return _error_response(error, call_id)
    except Exception as exc:  # a bug: answer 500 without internals, log enough to find it
        _log_internal_error(exc, call)
        error_class = exc.class_name if isinstance(exc, ReaderFailed) else type(exc).__name__
        emit(_event(call, FAILED, severity="ERROR", error_class=error_class, status=500))
        error = ServiceError(f"internal error while processing the invoice; quote correlation id {call_id}")
        return _error_response(error, call_id)
    emit(
        _event(
            call,
            PROCESSED,
            rows_added=body["rows_added"],
            rows_already_present=body["rows_already_present"],
        )
    )
    body["duration_ms"] = call.elapsed_ms()
    return _json(body, 200, call_id)
