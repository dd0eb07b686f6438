"""One JSON line per invoice on stdout, in Cloud Logging's shape (`severity`, `message`).

Cloud Run ships stdout lines to Cloud Logging and reads `severity` and `message` from JSON; the
remaining fields land in jsonPayload, where monitoring and rollback read them back.
"""

from __future__ import annotations

import sys
import threading

import structlog

from ..events import InvoiceEvent

_lock = threading.Lock()
_logger = structlog.wrap_logger(
    structlog.PrintLogger(file=sys.stdout),
    processors=[
        structlog.processors.EventRenamer("message"),
        structlog.processors.JSONRenderer(sort_keys=False),
    ],
)


def emit(event: InvoiceEvent) -> None:
    fields = event.model_dump(mode="json")
    message = fields.pop("message")
    with _lock:  # one whole line per event even with gunicorn's threads writing at once
        _logger.msg(message, **fields)
        sys.stdout.flush()


def warn(message: str, **fields: object) -> None:
    """A WARNING line that is not an invoice event (the figures never count it). Callers pass
    identifiers and class names only, never a document's content."""
    with _lock:
        _logger.msg(message, severity="WARNING", **fields)
        sys.stdout.flush()
