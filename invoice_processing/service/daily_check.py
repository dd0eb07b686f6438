"""Scheduled checks against golden truth shipped with the function (the business's "Daily: process
CS003837319 and validate 90%+ accuracy", "Weekly: full regression").

Cloud Scheduler posts a golden invoice as a dry run with `X-Invoice-Daily-Check: <golden name>`
(e.g. `cs003837319`). The function answers it like any invoice, then scores its own answer against
`invoice_processing/golden_truth/<name>.expected.json` (shipped in the upload from the checkout's
test_invoices/, deploy_scripts/pipeline/source.py; a checkout reads test_invoices/ itself)
with the gate's scoring, and logs one `daily_check` event: the golden, accuracy, items, seconds and
revision. Log-based metrics and the alert policies read that event; it is never an invoice event,
so the business figures do not count it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from flask import Request, Response

from ..scoring import score_invoice
from ..truth import ExpectedInvoice
from .event_log import _lock, _logger  # the one writer of the function's JSON lines

DAILY_CHECK_HEADER = "X-Invoice-Daily-Check"
DAILY_CHECK = "daily_check"
DRY_RUN_HEADER = "X-Invoice-Dry-Run"  # handler.py's; a check must never write to the sheet
#: Where ground truth is: shipped inside the package (an upload), else a checkout's test_invoices/.
TRUTH_DIRS = (
    Path(__file__).resolve().parents[1] / "golden_truth",
    Path(__file__).resolve().parents[2] / "test_invoices",
)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@cache
def _truth(path: Path) -> ExpectedInvoice:
    return ExpectedInvoice.model_validate_json(path.read_text(encoding="utf-8"))


def _refuse(message: str) -> Response:
    body = json.dumps({"error": "bad_daily_check", "message": message, "status": 400})
    return Response(body, status=400, content_type="application/json")


def _log(**fields: object) -> None:
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with _lock:
        _logger.msg(DAILY_CHECK, timestamp=stamp, **fields)
        sys.stdout.flush()


def checked(request: Request, handle: Callable[[Request], Response]) -> Response:
    """`handle(request)`, scored against golden truth when the request asks for a daily check."""
    raw = request.headers.get(DAILY_CHECK_HEADER)
    if raw is None:
        return handle(request)
    name = raw.strip().lower()
    if not _NAME.fullmatch(name):
        return _refuse(f"{DAILY_CHECK_HEADER} must name a golden invoice, such as cs003837319")
    if not _truthy(request.headers.get(DRY_RUN_HEADER)):
        return _refuse(f"a daily check must be a dry run: add the header {DRY_RUN_HEADER}: 1")
    truth_path = next(
        (d / f"{name}.expected.json" for d in TRUTH_DIRS if (d / f"{name}.expected.json").is_file()), None
    )
    if truth_path is None:
        return _refuse(f"no ground truth for {name} ships with this function")
    started = time.perf_counter()
    response = handle(request)
    seconds = round(time.perf_counter() - started, 3)
    answer = None
    if response.status_code == 200:
        try:
            answer = json.loads(response.get_data())  # buffers the body: the response is still sent
        except ValueError:
            answer = None
    score = score_invoice(_truth(truth_path), answer, name)
    _log(
        severity="INFO" if answer is not None else "ERROR",
        golden=name,
        invoice_number=_truth(truth_path).invoice_number,
        accuracy=round(score.accuracy, 6),
        items=score.items_extracted,
        items_expected=score.items_expected,
        items_matched=score.items_matched,
        seconds=seconds,
        status=response.status_code,
        revision=(answer or {}).get("revision") or os.environ.get("K_REVISION", ""),
        correlation_id=response.headers.get("X-Correlation-Id", ""),
        dry_run=True,
        synthetic=True,
    )
    return response
