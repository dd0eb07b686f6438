"""Figures over the function's per-invoice events (`invoice_processed` / `invoice_failed`).

Shared by the post-deploy load sample, `rollback --action watch` and the `monitor` command, so all
three judge the same numbers the same way. Without ground truth in production, "accuracy" is a
proxy: the share of the quality checks (UPC check digits, extended = qty x price, subtotal
reconciles, invoice number found, no placeholder pattern) that passed.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel

from invoice_processing.events import FAILED, PROCESSED, InvoiceEvent


class Figures(BaseModel):
    events: int = 0
    processed: int = 0
    failed: int = 0
    error_rate: float | None = None
    average_seconds: float | None = None
    median_seconds: float | None = None
    max_seconds: float | None = None
    peak_memory_mb: float | None = None
    accuracy_proxy: float | None = None
    invoice_number_rate: float | None = None
    placeholder_detections: int = 0
    revisions: list[str] = []

    @property
    def has_traffic(self) -> bool:
        return self.events > 0


_SEVERITIES = set(get_args(InvoiceEvent.model_fields["severity"].annotation))


def _entry_fields(raw: dict) -> dict:
    """A LogEntry's event fields: Cloud Run lifts `severity` and `timestamp` out of the function's JSON
    line onto the entry, and names the revision in `resource.labels`; a bare line is used as it is."""
    payload = raw.get("jsonPayload")
    if not isinstance(payload, dict):
        return raw  # the function's own line (an events file, captured stdout)
    fields = dict(payload)
    stamp = raw.get("timestamp")
    if isinstance(stamp, datetime):
        stamp = stamp.isoformat()
    if stamp and not fields.get("timestamp"):
        fields["timestamp"] = stamp
    if raw.get("severity") in _SEVERITIES and not fields.get("severity"):
        fields["severity"] = raw["severity"]  # DEFAULT and the like stay out: the event says INFO
    labels = (raw.get("resource") or {}).get("labels") or {}
    if not fields.get("revision") and labels.get("revision_name"):
        fields["revision"] = labels["revision_name"]
    return fields


def parse_event(raw: Any) -> InvoiceEvent | None:
    """The one parser of the function's events: a LogEntry (dict, as the Logging API returns it), the
    function's bare JSON line, or an InvoiceEvent; None for anything else (framework lines, text)."""
    if isinstance(raw, InvoiceEvent):
        return raw
    if not isinstance(raw, dict):
        return None
    fields = _entry_fields(raw)
    if fields.get("message") not in (PROCESSED, FAILED):
        return None
    try:
        return InvoiceEvent.model_validate(fields)
    except ValueError:
        return None


def _quality_share(event: InvoiceEvent) -> float | None:
    if event.quality_score is not None:
        return event.quality_score
    if event.quality:
        return sum(event.quality.values()) / len(event.quality)
    return None


def compute_figures(events: Iterable[Any]) -> Figures:
    """Figures over LogEntries, the function's lines or InvoiceEvents; anything else is ignored."""
    parsed = [e for e in (parse_event(raw) for raw in events) if e is not None]
    if not parsed:
        return Figures()
    processed = [e for e in parsed if e.message == PROCESSED]
    seconds = [e.duration_ms / 1000 for e in parsed]
    memory = [e.peak_memory_mb for e in parsed if e.peak_memory_mb]
    shares = [s for s in (_quality_share(e) for e in processed) if s is not None]
    return Figures(
        events=len(parsed),
        processed=len(processed),
        failed=len(parsed) - len(processed),
        error_rate=(len(parsed) - len(processed)) / len(parsed),
        average_seconds=statistics.fmean(seconds),
        median_seconds=statistics.median(seconds),
        max_seconds=max(seconds),
        peak_memory_mb=max(memory) if memory else None,
        accuracy_proxy=statistics.fmean(shares) if shares else None,
        invoice_number_rate=(sum(1 for e in processed if e.invoice_number) / len(processed))
        if processed
        else None,
        placeholder_detections=sum(1 for e in processed if e.quality.get("no_placeholder_pattern") is False),
        revisions=sorted({e.revision for e in parsed if e.revision}),
    )
