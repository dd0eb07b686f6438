"""Raw log lines -> timestamped InvoiceEvents, whatever the source's wrapping.

Parsing is deploy_scripts.metrics.parse_event's (LogEntries from the Logging API, or the function's
own lines from an events file); this module only adds the time each event happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from invoice_processing.events import InvoiceEvent

from ..metrics import parse_event


@dataclass(frozen=True)
class Observed:
    at: datetime
    event: InvoiceEvent

    @property
    def dry_run(self) -> bool:
        return bool((self.event.model_extra or {}).get("dry_run"))

    @property
    def synthetic(self) -> bool:
        return self.event.is_synthetic


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


def observe_one(raw: Any) -> Observed | None:
    if isinstance(raw, Observed):
        return raw
    event = parse_event(raw)
    if event is None:
        return None  # other log lines (framework, stderr) share the stream
    at = parse_time(event.timestamp)
    return Observed(at, event) if at is not None else None


def observe(raws: Iterable[Any]) -> list[Observed]:
    """Every invoice event among `raws`, oldest first; anything else is skipped."""
    found = [o for o in (observe_one(raw) for raw in raws) if o is not None]
    return sorted(found, key=lambda o: o.at)
