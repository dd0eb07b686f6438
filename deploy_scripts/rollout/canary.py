"""Canary steps after blue-green verification: shift, wait, analyse, then the next step, promote or abort."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import RolloutSettings
from .analysis import Analysis, analyze, real_figures
from .progress import RolloutProgress
from .traffic import TrafficControl

#: (revision, since) -> that revision's LogEntries since then (Target.read_events)
EventReader = Callable[[str, datetime], list[dict]]


@dataclass
class CanaryOutcome:
    #: "promote" (every step passed, or inconclusive with `inconclusive = "promote"`), "abort", "pause"
    action: str
    reason: str
    analyses: list[dict[str, Any]]
    last: Analysis | None = None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def run_steps(
    control: TrafficControl,
    settings: RolloutSettings,
    progress: RolloutProgress,
    read_events: EventReader,
    save: Callable[[RolloutProgress], None],
    *,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 1.0,
) -> CanaryOutcome:
    """Each step: the candidate takes its weight, the rest stays on stable; after `step_seconds` the
    analysis judges the window. Too few events: wait (up to `max_wait_seconds`), then `inconclusive`."""
    candidate, stable = progress.candidate, progress.stable
    assert candidate and stable, "a canary needs a candidate and a stable revision"
    analyses: list[dict[str, Any]] = []
    failures = 0
    last: Analysis | None = None
    for index, weight in enumerate(settings.weights):
        control.shift(candidate, weight, stable)
        started = datetime.now(UTC)
        progress.current_step = index
        progress.weights = {candidate: weight, stable: 100 - weight}
        progress.step_started_at = _iso(started)
        progress.step_ends_at = _iso(started + timedelta(seconds=settings.step_seconds))
        save(progress)
        sleep(settings.step_seconds)
        deadline = time.monotonic() + settings.max_wait_seconds
        while True:
            last = analyze(
                real_figures(candidate, read_events(candidate, started)),
                real_figures(stable, read_events(stable, started)),
                settings,
            )
            if last.verdict == "failure":
                failures += 1
            if last.verdict == "success" or failures >= settings.failure_limit:
                break
            if time.monotonic() >= deadline:
                break
            sleep(poll_seconds if last.verdict == "inconclusive" else settings.step_seconds)
        entry = {"step": index, "weight": weight, "at": _iso(datetime.now(UTC)), **last.model_dump()}
        analyses.append(entry)
        progress.analysis = {candidate: last.candidate.model_dump(), stable: last.stable.model_dump(),
                             "verdict": last.verdict, "failures": last.failures}  # fmt: skip
        save(progress)
        if last.verdict == "failure":
            return CanaryOutcome("abort", f"step {index + 1} ({weight}%): analysis failed: {last.summary()}",
                                 analyses, last)  # fmt: skip
        if last.verdict == "inconclusive":
            why = (
                f"step {index + 1} ({weight}%): inconclusive, {last.candidate.events} real candidate events "
                f"(< {settings.min_events}) after {settings.step_seconds:g}s + {settings.max_wait_seconds:g}s"
            )
            if settings.inconclusive != "promote":
                return CanaryOutcome(settings.inconclusive, why, analyses, last)
            analyses[-1]["inconclusive_promoted"] = why  # configured: promote, and say so
    reason = "every canary step passed" if all(a["verdict"] == "success" for a in analyses) else (
        "promoted although inconclusive (rollout.inconclusive = \"promote\"): "
        + "; ".join(a.get("inconclusive_promoted", "") for a in analyses if a["verdict"] == "inconclusive")
    )  # fmt: skip
    return CanaryOutcome("promote", reason, analyses, last)
