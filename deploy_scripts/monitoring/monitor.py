"""One evaluation: read events, cut windows, compute figures, judge alert rules, record incidents.

`monitor`, `monitor --watch`, `--serve` and `--report` all go through `Monitor.evaluate`, so the
terminal, the JSON, the dashboard and the webhook always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ..config import DeployConfig
from .figures import WindowFigures, current_window, per_revision, timeline
from .marks import Mark, run_marks
from .observed import observe
from .rules import RuleResult, evaluate, rules_from
from .sources import EventSource
from .store import AlertStore, Incident, Transition
from .webhook import CHANNEL, WebhookNotifier


class Snapshot(BaseModel):
    generated_at: datetime
    env: str
    function: str
    scope: str
    source: str
    window_minutes: float
    history_hours: float
    current: WindowFigures
    revisions: list[WindowFigures]
    timeline: list[WindowFigures]
    marks: list[Mark]
    alerts: list[RuleResult]
    open_incidents: list[Incident]
    recent_incidents: list[Incident]
    #: the rollout's progress (RolloutProgress as JSON) when one is recorded; see rollout_view.py
    rollout: dict[str, Any] | None = None

    @property
    def firing(self) -> list[RuleResult]:
        return [a for a in self.alerts if a.state == "firing"]


@dataclass
class Windows:
    window_minutes: float = 60.0
    history_hours: float = 24.0
    buckets: int = 24
    min_events: int = 1


@dataclass
class Evaluation:
    snapshot: Snapshot
    transitions: list[Transition]
    problems: list[str] = field(default_factory=list)


def scope_key(config: DeployConfig, env_name: str) -> str:
    environment = config.environment(env_name)
    return f"{env_name}.{environment.project}.{environment.region}.{environment.function}"


class Monitor:
    def __init__(
        self,
        config: DeployConfig,
        env_name: str,
        source: EventSource,
        *,
        windows: Windows | None = None,
        webhook: WebhookNotifier | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rollout: Callable[[str], dict[str, Any] | None] | None = None,
    ):
        self.config = config
        self.env_name = env_name
        self.environment = config.environment(env_name)
        self.source = source
        self.windows = windows or Windows()
        self.webhook = webhook
        self.clock = clock
        #: scope key -> the rollout's progress, or None (read_rollout over the state backend)
        self.rollout = rollout
        self.state_dir = config.resolved_state_dir()
        self.store = AlertStore.in_state_dir(self.state_dir)
        self.scope = scope_key(config, env_name)
        self.rules = rules_from(config.thresholds.alerts)

    def evaluate(self) -> Evaluation:
        now = self.clock()
        w = self.windows
        history_start = now - timedelta(hours=w.history_hours)
        since = min(history_start, now - timedelta(minutes=w.window_minutes))
        observed = [o for o in observe(self.source.read(since)) if since < o.at <= now]
        current = current_window(observed, now, w.window_minutes)
        results = evaluate(self.rules, current.figures, w.min_events)
        channels = [CHANNEL] if self.webhook else []
        transitions = self.store.apply(self.scope, results, now, current.figures.revisions, channels)
        problems = self.webhook.flush(self.store, now) if self.webhook else []
        snapshot = Snapshot(
            generated_at=now,
            env=self.env_name,
            function=self.environment.function,
            scope=self.scope,
            source=self.source.description,
            window_minutes=w.window_minutes,
            history_hours=w.history_hours,
            current=current,
            revisions=per_revision([o for o in observed if o.at > history_start]),
            timeline=timeline(observed, now, w.history_hours, w.buckets),
            marks=run_marks(self.state_dir, self.environment.function, self.env_name, history_start),
            alerts=results,
            open_incidents=self.store.open_incidents(self.scope),
            recent_incidents=self.store.recent_incidents(self.scope),
            rollout=self.rollout(self.scope) if self.rollout else None,
        )
        return Evaluation(snapshot, transitions, problems)
