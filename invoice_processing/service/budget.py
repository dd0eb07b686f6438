"""Read the invoice in a child process under a time budget that can be walked away from.

Parsing and extraction run in a process of their own; the request waits at most the budget and
then kills it and answers 422 (OverBudget), well before Zapier's 160 s gives up on the call. A
process rather than a thread because the runaway case is one long call into C (a regular
expression on a megabyte of digits) that holds the GIL: a thread would freeze the whole worker,
health checks included, and could not be stopped. The child also keeps a crash in pdfium from
taking the instance down (answered 422 too).

Children come from a `forkserver`: a clean single-threaded process that has the parsers imported
already, so each request forks in milliseconds and never inherits a lock another gunicorn thread
held. Document AI's network call stays in the request process (its client and its own timeouts);
only what it returns is read in the child.
"""

from __future__ import annotations

import multiprocessing
import resource
import traceback
from multiprocessing.connection import Connection
from typing import Any

from ..document import Document
from ..errors import InvoiceError, UnreadableDocument
from ..extract import extract_from_document
from ..models import Invoice
from .errors import OverBudget, ServiceError
from .metrics import note_child_peak
from .parsers import make_parser
from .settings import Settings

_PRELOAD = ["invoice_processing.service.budget"]
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(_PRELOAD)


def warm_up() -> None:
    """Start the forkserver now (it imports the parsers: about a second), not on the first invoice."""
    from multiprocessing import forkserver

    forkserver.ensure_running()


class ReaderFailed(Exception):
    """A bug in the child (not bad input): the class and frames, never the message."""

    def __init__(self, class_name: str, frames: str) -> None:
        super().__init__(class_name)
        self.class_name, self.frames = class_name, frames


def _child(conn: Connection, settings: Settings, data: bytes, document: Document | None) -> None:
    outcome: tuple[str, Any]
    try:
        parsed = document if document is not None else make_parser(settings).parse(data)
        outcome = ("invoice", extract_from_document(parsed))
    except (InvoiceError, ServiceError) as exc:
        outcome = ("refused", exc)
    except BaseException as exc:  # noqa: BLE001 - reported to the request process as a bug
        outcome = ("bug", (type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__))))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        conn.send((*outcome, peak_kib))
    except Exception:  # an exception that does not pickle: say what it was, not what it said
        conn.send(("refused", UnreadableDocument("the document could not be read"), peak_kib))
    conn.close()


def read_invoice_within(
    seconds: float, settings: Settings, data: bytes, document: Document | None = None
) -> Invoice:
    """The invoice in `data` (or in the already parsed `document`) within `seconds`.

    Raises the reader's InvoiceError/ServiceError as it is, OverBudget past the budget, ReaderFailed
    for a bug, and Unprocessable-style UnreadableDocument when the reader died (pdfium crash)."""
    receive, send = _context.Pipe(duplex=False)
    child = _context.Process(target=_child, args=(send, settings, data, document), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            child.kill()
            raise OverBudget(
                f"reading the invoice took longer than the {seconds:g} s processing budget "
                "(PROCESSING_BUDGET_SECONDS); nothing was written: send the invoice PDF itself, "
                "or split a very long document"
            )
        try:
            kind, value, peak_kib = receive.recv()
        except (EOFError, OSError):
            raise UnreadableDocument(
                "the document could not be read (its reader stopped); check that it opens"
            ) from None
    finally:
        receive.close()
        child.join(5)
    note_child_peak(peak_kib)
    if kind == "invoice":
        return value
    if kind == "refused":
        raise value
    raise ReaderFailed(*value)
