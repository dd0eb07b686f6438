"""Rolling figures per time window and per revision, on top of deploy_scripts.metrics.

`compute_figures` (shared with `rollback --action watch`) gives every figure it knows; this module
only chooses which events go into a window and adds what metrics.py does not compute: the 95th
percentile of processing time, rows written and dry-run counts. `figures` (what alerts judge) count
the business's real invoices only; `synthetic` shows verification and replay traffic beside them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from ..metrics import Figures, compute_figures
from .observed import Observed


class WindowFigures(BaseModel):
    """compute_figures over one slice of events, plus the extras monitoring shows."""

    label: str
    start: datetime | None = None
    end: datetime | None = None
    figures: Figures
    #: the same figures over synthetic traffic (verification, replay, dry runs): shown, never judged
    synthetic: Figures = Figures(traffic="synthetic")
    p95_seconds: float | None = None
    rows_written: int = 0
    dry_runs: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def window_figures(
    observed: Sequence[Observed], label: str, start: datetime | None = None, end: datetime | None = None
) -> WindowFigures:
    events = [o.event for o in observed]
    real = [e for e in events if not e.is_synthetic]
    return WindowFigures(
        label=label,
        start=start,
        end=end,
        figures=compute_figures(events),
        synthetic=compute_figures(events, traffic="synthetic"),
        p95_seconds=percentile([e.duration_ms / 1000 for e in real], 0.95),
        rows_written=sum(e.rows_added for e in real),
        dry_runs=sum(1 for o in observed if o.dry_run),
        first_seen=observed[0].at if observed else None,
        last_seen=observed[-1].at if observed else None,
    )


def in_range(observed: Sequence[Observed], start: datetime, end: datetime) -> list[Observed]:
    """Events with start < at <= end (a bucket owns its end, so no event is counted twice)."""
    return [o for o in observed if start < o.at <= end]


def current_window(observed: Sequence[Observed], now: datetime, minutes: float) -> WindowFigures:
    start = now - timedelta(minutes=minutes)
    return window_figures(in_range(observed, start, now), f"last {minutes:g} min", start, now)


def timeline(observed: Sequence[Observed], now: datetime, hours: float, buckets: int) -> list[WindowFigures]:
    """`buckets` equal slices of the last `hours`, oldest first; empty slices have zero events."""
    width = timedelta(hours=hours) / buckets
    start = now - timedelta(hours=hours)
    slices = []
    for index in range(buckets):
        lo, hi = start + width * index, start + width * (index + 1)
        slices.append(window_figures(in_range(observed, lo, hi), hi.isoformat(timespec="seconds"), lo, hi))
    return slices


def per_revision(observed: Sequence[Observed]) -> list[WindowFigures]:
    """One entry per revision, in the order revisions first appeared."""
    groups: dict[str, list[Observed]] = {}
    for item in observed:
        groups.setdefault(item.event.revision or "(unknown)", []).append(item)
    return [window_figures(items, name) for name, items in groups.items()]
