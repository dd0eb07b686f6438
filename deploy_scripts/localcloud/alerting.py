"""Cloud Monitoring's alerting engine on localcloud: every stored alert policy is judged over the
stored LogEntries by the project's own evaluator (deploy_scripts/monitoring/policy_judge.py, rules
from monitoring/rules.py), and a policy that starts or stops firing notifies its channels once per
incident (monitoring/store.py's incidents; webhook channels through monitoring/webhook.py, loopback
only here). Runs every `LOCALCLOUD_ALERT_SECONDS` (default 60) and on
`POST /_localcloud/alerting:evaluate` (body `{"at": RFC 3339}` judges as of that time).
"""

from __future__ import annotations

import datetime as dt
import os
import threading

import structlog

from ..monitoring.policy_judge import judge
from ..monitoring.store import AlertStore, Transition
from ..monitoring.webhook import WebhookNotifier, check_webhook_url, slack_payload
from .api_monitoring import CHANNELS, POLICIES
from .logs import read_entries
from .resources import Resources
from .settings import StatePaths

log = structlog.get_logger("localcloud")
INTERVAL_ENV = "LOCALCLOUD_ALERT_SECONDS"


class Alerting:
    def __init__(self, paths: StatePaths):
        self.paths = paths
        self.resources = Resources(paths.root)
        self.incidents = AlertStore(paths.root / "alerting.sqlite3")
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        interval = float(os.environ.get(INTERVAL_ENV) or 60)
        threading.Thread(target=self._loop, args=(interval,), name="alerting", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.evaluate(dt.datetime.now(dt.UTC))
            except Exception:  # a broken policy must not stop alerting
                log.exception("alerting_evaluation_failed")

    def evaluate(self, now: dt.datetime) -> list[dict]:
        """Judge every policy as of `now`; returns one record per policy (state, value, notifications)."""
        with self._lock:  # the loop and an explicit evaluation never judge at once
            entries = list(read_entries(self.paths.root))
            records = []
            for policy in self.resources.list(POLICIES, "projects/"):
                result = judge(policy, entries, now)
                if result is None:
                    continue
                if not policy.get("enabled", True):
                    result = result.model_copy(update={"state": "no_data"})  # a disabled policy opens nothing
                transitions = self.incidents.apply(policy["name"], [result], now, [], [])
                notified = [self._notify(policy, t) for t in transitions]
                records.append(
                    {
                        "policy": policy["name"],
                        "displayName": policy.get("displayName", ""),
                        **result.model_dump(),
                        "transitions": [t.kind for t in transitions],
                        "notifications": [n for group in notified for n in group],
                    }
                )
            return records

    def _notify(self, policy: dict, transition: Transition) -> list[str]:
        outcomes = []
        for name in policy.get("notificationChannels") or []:
            channel = self.resources.get(CHANNELS, name)
            if channel is None or not channel.get("enabled", True):
                continue
            url = (channel.get("labels") or {}).get("url")
            if not url:
                outcomes.append(f"{name}: {channel.get('type')} channels are not delivered by localcloud")
                continue
            try:
                notifier = WebhookNotifier(check_webhook_url(url))
                notifier.send(slack_payload(transition))
                outcomes.append(f"{name}: delivered to {notifier.host}")
            except Exception as exc:  # the URL never goes into the log: the host only, via the notifier
                outcomes.append(f"{name}: not delivered ({type(exc).__name__})")
            log.info("alert_notification", policy=policy["name"], kind=transition.kind, outcome=outcomes[-1])
        return outcomes
