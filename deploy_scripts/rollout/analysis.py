"""One canary step's analysis, like an Argo Rollouts AnalysisRun: success, failure or inconclusive.

The candidate's REAL events (dry runs, i.e. verification and replay traffic, are left out) are
compared with the stable revision's over the same window: error rate, quality score, p95 processing
seconds and peak memory, each against an absolute limit and against stable plus an allowed margin.
Events come from the one reader (deploy_scripts/function_events.py) and the one parser
(deploy_scripts/metrics.parse_event).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel

from invoice_processing.events import PROCESSED

from ..config import RolloutSettings
from ..metrics import parse_event

Verdict = Literal["success", "failure", "inconclusive"]


class RevisionFigures(BaseModel):
    revision: str | None = None
    events: int = 0
    #: dry-run events seen in the window and left out of the figures
    synthetic: int = 0
    errors: int = 0
    error_rate: float | None = None
    quality_score: float | None = None
    p95_seconds: float | None = None
    peak_memory_mb: float | None = None


class Analysis(BaseModel):
    verdict: Verdict
    candidate: RevisionFigures
    stable: RevisionFigures
    #: each failed limit, readable: "error_rate = 1.0 (needs <= 0.05)"
    failures: list[str] = []

    def summary(self) -> str:
        c, s = self.candidate, self.stable
        figures = (
            f"candidate {c.revision}: {c.events} real events, error rate {_fmt(c.error_rate)}, quality "
            f"{_fmt(c.quality_score)}, p95 {_fmt(c.p95_seconds)}s, memory {_fmt(c.peak_memory_mb)} MB; "
            f"stable {s.revision}: {s.events} real events, error rate {_fmt(s.error_rate)}, quality "
            f"{_fmt(s.quality_score)}, p95 {_fmt(s.p95_seconds)}s, memory {_fmt(s.peak_memory_mb)} MB"
        )
        return f"{'; '.join(self.failures)} ({figures})" if self.failures else figures


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def real_figures(revision: str | None, entries: Iterable[Any]) -> RevisionFigures:
    """Figures over a revision's real events (the function marks verification traffic `dry_run`)."""
    parsed = [e for e in (parse_event(raw) for raw in entries) if e is not None]
    real = [e for e in parsed if not e.is_synthetic]  # dry runs, and traffic marked synthetic
    figures = RevisionFigures(revision=revision, events=len(real), synthetic=len(parsed) - len(real))
    if not real:
        return figures
    processed = [e for e in real if e.message == PROCESSED]
    scores = [e.quality_score for e in processed if e.quality_score is not None]
    memory = [e.peak_memory_mb for e in real if e.peak_memory_mb]
    figures.errors = len(real) - len(processed)
    figures.error_rate = figures.errors / len(real)
    figures.quality_score = statistics.fmean(scores) if scores else None
    figures.p95_seconds = _p95([e.duration_ms / 1000 for e in real])
    figures.peak_memory_mb = max(memory) if memory else None
    return figures


def analyze(candidate: RevisionFigures, stable: RevisionFigures, limits: RolloutSettings) -> Analysis:
    """Too few candidate events: inconclusive. Otherwise every limit must hold."""
    if candidate.events < limits.min_events:
        return Analysis(verdict="inconclusive", candidate=candidate, stable=stable)
    worse = limits.max_worse_than_stable
    failures: list[str] = []

    def at_most(name: str, value: float | None, limit: float | None, what: str) -> None:
        if value is not None and limit is not None and value > limit:
            failures.append(f"{name} = {value:.4g} (needs <= {limit:.4g}, {what})")

    def at_least(name: str, value: float | None, limit: float | None, what: str) -> None:
        if value is not None and limit is not None and value < limit:
            failures.append(f"{name} = {value:.4g} (needs >= {limit:.4g}, {what})")

    at_most("error_rate", candidate.error_rate, limits.max_error_rate, "absolute")
    at_least("quality_score", candidate.quality_score, limits.min_quality_score, "absolute")
    at_most("p95_seconds", candidate.p95_seconds, limits.max_p95_seconds, "absolute")
    at_most("peak_memory_mb", candidate.peak_memory_mb, limits.max_memory_mb, "absolute")
    if stable.events:  # stable over the same window: the candidate may not be worse beyond a margin
        relative = "stable " + "{} + {}"
        if stable.error_rate is not None:
            at_most("error_rate", candidate.error_rate, stable.error_rate + worse.error_rate,
                    relative.format(_fmt(stable.error_rate), worse.error_rate))  # fmt: skip
        if stable.quality_score is not None:
            at_least("quality_score", candidate.quality_score, stable.quality_score - worse.quality_score,
                     f"stable {_fmt(stable.quality_score)} - {worse.quality_score}")  # fmt: skip
        if stable.p95_seconds is not None:
            at_most("p95_seconds", candidate.p95_seconds, stable.p95_seconds * worse.p95_seconds_ratio,
                    f"stable {_fmt(stable.p95_seconds)} x {worse.p95_seconds_ratio}")  # fmt: skip
        if stable.peak_memory_mb is not None:
            at_most("peak_memory_mb", candidate.peak_memory_mb, stable.peak_memory_mb + worse.memory_mb,
                    relative.format(_fmt(stable.peak_memory_mb), worse.memory_mb))  # fmt: skip
    # the same limit failed absolutely and relatively is one failure
    unique = list(dict.fromkeys(failures))
    return Analysis(
        verdict="failure" if unique else "success", candidate=candidate, stable=stable, failures=unique
    )
