"""Raw log lines -> timestamped InvoiceEvents, whatever the source's wrapping.

localcloud hands back the function's stdout lines as dicts; Cloud Logging wraps the same line in
`jsonPayload` with the time and revision on the entry itself. Both end up as one `Observed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from invoice_processing.events import FAILED, PROCESSED, InvoiceEvent


@dataclass(frozen=True)
class Observed:
    at: datetime
    event: InvoiceEvent

    @property
    def dry_run(self) -> bool:
        return bool((self.event.model_extra or {}).get("dry_run"))


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _payload(raw: dict) -> dict:
    """The function's own fields; entry-level time and revision fill gaps (Cloud Logging shape)."""
    payload = raw.get("jsonPayload")
    if not isinstance(payload, dict):
        return raw
    merged = dict(payload)
    merged.setdefault("timestamp", raw.get("timestamp"))
    labels = (raw.get("resource") or {}).get("labels") or {}
    if not merged.get("revision") and labels.get("revision_name"):
        merged["revision"] = labels["revision_name"]
    return merged


def observe_one(raw: Any) -> Observed | None:
    if isinstance(raw, Observed):
        return raw
    if not isinstance(raw, dict):
        return None
    payload = _payload(raw)
    if payload.get("message") not in (PROCESSED, FAILED):
        return None  # other log lines (framework, stderr) share the stream
    at = parse_time(payload.get("timestamp"))
    if at is None:
        return None
    if isinstance(payload.get("timestamp"), datetime):
        payload = {**payload, "timestamp": at.isoformat()}
    try:
        return Observed(at, InvoiceEvent.model_validate(payload))
    except ValidationError:
        return None


def observe(raws: Iterable[Any]) -> list[Observed]:
    """Every invoice event among `raws`, oldest first; anything else is skipped."""
    found = [o for o in (observe_one(raw) for raw in raws) if o is not None]
    return sorted(found, key=lambda o: o.at)
