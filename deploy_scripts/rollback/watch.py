"""`rollback --action watch`: judge the live revision by its own events and roll back when it trips.

Figures come from deploy_scripts.metrics (shared with `monitor`). A window with fewer than
`watch.min_events` events is inconclusive, never a rollback; a breach must persist for
`watch.failure_limit` consecutive evaluations before traffic moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..config import DeployConfig, RollbackThresholds
from ..metrics import Figures, compute_figures
from ..pipeline.checks import at_least, at_most, summarize
from ..pipeline.gcloud import serving_revision
from ..pipeline.records import Check, RunRecord
from ..pipeline.run import Reporter, Run
from ..pipeline.target import resolve_target
from ..state import open_state
from .actions import run_rollback


@dataclass
class Verdict:
    figures: Figures
    conclusive: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def breached(self) -> list[Check]:
        return [c for c in self.checks if not c.passed] if self.conclusive else []


def evaluate(figures: Figures, limits: RollbackThresholds, min_events: int) -> Verdict:
    if figures.events < min_events:
        return Verdict(figures, conclusive=False)
    checks = [
        at_most("error_rate", figures.error_rate, limits.max_error_rate),
        at_most("max_processing_seconds", figures.max_seconds, limits.max_processing_seconds),
    ]
    if figures.accuracy_proxy is not None:
        checks.append(at_least("accuracy_proxy", figures.accuracy_proxy, limits.min_accuracy))
    if figures.peak_memory_mb is not None:
        checks.append(at_most("memory_mb", figures.peak_memory_mb, limits.max_memory_mb))
    return Verdict(figures, conclusive=True, checks=checks)


@dataclass
class WatchPolicy:
    """Consecutive breaching evaluations, counted; trips at `failure_limit`."""

    failure_limit: int
    consecutive: int = 0

    def observe(self, verdict: Verdict) -> bool:
        if not verdict.conclusive:
            return False  # no traffic is no evidence either way; keep the count as it is
        self.consecutive = self.consecutive + 1 if verdict.breached else 0
        return self.consecutive >= self.failure_limit


def watch(
    config: DeployConfig,
    env_name: str | None,
    minutes: float,
    *,
    interval: float | None = None,
    invoices_dir: Path | None = None,
    reporter: Reporter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunRecord:
    target = resolve_target(config, env_name)
    run = Run(
        "watch", target.env_name, target.environment.function, open_state(config, target.env_name), reporter
    )
    interval = interval or config.watch.interval_seconds
    policy = WatchPolicy(config.watch.failure_limit)
    started = datetime.now(UTC)
    deadline = time.monotonic() + minutes * 60
    revision = serving_revision(target.gcloud.service())
    run.record.revision_before = revision
    windows: list[dict] = []
    run.record.metrics["windows"] = windows
    verdict = Verdict(Figures(), conclusive=False)
    with run.failures_recorded():
        with run.stage("watch") as stage:
            stage.detail.update(revision=revision, minutes=minutes, interval_s=interval)
            while time.monotonic() < deadline:
                sleep(min(interval, max(deadline - time.monotonic(), 0)))
                figures = compute_figures(target.read_events(revision, started))
                verdict = evaluate(figures, config.thresholds.rollback, config.watch.min_events)
                tripped = policy.observe(verdict)
                windows.append({"at": datetime.now(UTC).isoformat(timespec="seconds"), "events": figures.events,
                                "conclusive": verdict.conclusive, "breached": [c.name for c in verdict.breached]})  # fmt: skip
                run.log.info("watch_window", **windows[-1])
                run.save()
                if tripped:
                    break
        run.record.metrics["figures"] = verdict.figures.model_dump()
        run.record.checks = verdict.checks
        if policy.consecutive >= policy.failure_limit:
            return _trip(run, config, env_name, verdict, invoices_dir, reporter)
        if not verdict.conclusive:
            run.record.decision.reason = (
                f"inconclusive: {verdict.figures.events} events (< {config.watch.min_events}) for {revision}"
            )
            return run.finish("inconclusive")
        run.record.decision.outcome = "keep"
        run.record.decision.reason = summarize(verdict.checks)
        return run.finish("succeeded")


def _trip(run: Run, config, env_name, verdict: Verdict, invoices_dir, reporter) -> RunRecord:
    reason = f"watch: {summarize(verdict.breached)} over {verdict.figures.events} events"
    run.record.decision.failed_checks = verdict.breached
    run.record.decision.reason = reason
    rollback = run_rollback(config, env_name, reason=reason, invoices_dir=invoices_dir, reporter=reporter)
    run.record.decision.outcome = "rolled_back"
    run.record.revision_after = rollback.revision_after
    run.record.metrics["rollback_run"] = rollback.id
    return run.finish("rolled_back", reason)
