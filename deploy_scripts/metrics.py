"""Figures over the function's per-invoice events (`invoice_processed` / `invoice_failed`).

Shared by the post-deploy load sample, `rollback --action watch` and the `monitor` command, so all
three judge the same numbers the same way. Without ground truth in production, "accuracy" is a
proxy: the share of the quality checks (UPC check digits, extended = qty x price, subtotal
reconciles, invoice number found, no placeholder pattern) that passed.

Synthetic traffic (verification, shadow replay, anything posted as a dry run or marked
`X-Invoice-Synthetic`) is not the business's: by default the figures count real invoices only,
and say how many synthetic events they left out, so 63 dry runs cannot hide 2 failures in 9 real
invoices. The post-deploy load sample, which judges its own dry runs, asks for `traffic="synthetic"`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel

from invoice_processing.events import FAILED, PROCESSED, InvoiceEvent

Traffic = Literal["real", "synthetic", "all"]


class Figures(BaseModel):
    #: which events these figures count; the others are `excluded`
    traffic: Traffic = "real"
    excluded: int = 0
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


def is_counted(event: InvoiceEvent, traffic: Traffic) -> bool:
    return traffic == "all" or event.is_synthetic == (traffic == "synthetic")


def compute_figures(events: Iterable[Any], traffic: Traffic = "real") -> Figures:
    """Figures over LogEntries, the function's lines or InvoiceEvents of one kind of traffic (real
    invoices unless told otherwise); anything else is ignored."""
    every = [e for e in (parse_event(raw) for raw in events) if e is not None]
    parsed = [e for e in every if is_counted(e, traffic)]
    excluded = len(every) - len(parsed)
    if not parsed:
        return Figures(traffic=traffic, excluded=excluded)
    processed = [e for e in parsed if e.message == PROCESSED]
    seconds = [e.duration_ms / 1000 for e in parsed]
    memory = [e.peak_memory_mb for e in parsed if e.peak_memory_mb]
    shares = [s for s in (_quality_share(e) for e in processed) if s is not None]
    return Figures(
        traffic=traffic,
        excluded=excluded,
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
