"""`monitor --action checks`: the scheduled golden checks' history (daily_check LogEntries, read
through the Cloud Logging API like every other event) and each provisioned alert policy with its
state now, judged by policy_judge (the evaluator localcloud fires channels with)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from ..config import DeployConfig
from .policy_judge import daily_checks, judge
from .provision_resources import DAILY_CHECK
from .rules import describe_threshold


class CheckRow(BaseModel):
    timestamp: str
    golden: str
    accuracy: float
    items: int
    items_expected: int
    seconds: float
    status: int
    revision: str


class PolicyRow(BaseModel):
    name: str
    display_name: str
    enabled: bool
    rule: str
    limit: str
    state: str
    value: float | None


class ChecksReport(BaseModel):
    env: str
    checks: list[CheckRow]
    policies: list[PolicyRow]

    @property
    def failing(self) -> bool:
        return any(p.state == "firing" for p in self.policies)


def _entries(config: DeployConfig, env_name: str, since: datetime) -> tuple[list[dict], list[dict]]:
    """(LogEntries of the service since then, its provisioned alert policies)."""
    from ..cloud_clients import CloudAccess
    from ..function_events import ASCENDING, PAGE_SIZE
    from ..pipeline.target import resolve_target
    from .provision_apis import Apis

    environment = config.environment(env_name)
    target = resolve_target(config, env_name)
    access = CloudAccess.from_gcloud_env(target.gcloud.process_env)
    apis = Apis(access, environment.project, environment.region)
    stamp = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
    query = (
        f'resource.type="cloud_run_revision" AND resource.labels.service_name="{environment.service}" AND '
        f'jsonPayload.message=("invoice_processed" OR "invoice_failed" OR "{DAILY_CHECK}") AND timestamp>="{stamp}"'
    )
    client = apis.logging()
    entries = [
        e.to_api_repr()
        for e in client.list_entries(
            resource_names=[f"projects/{environment.project}"],
            filter_=query,
            order_by=ASCENDING,
            page_size=PAGE_SIZE,
        )
    ]
    return entries, apis.list_policies()


def checks_report(
    config: DeployConfig, env_name: str, days: float, now: datetime | None = None
) -> ChecksReport:
    now = now or datetime.now(UTC)
    entries, policies = _entries(config, env_name, now - timedelta(days=days))
    rows = [
        CheckRow(
            timestamp=at.isoformat(timespec="seconds"),
            golden=str(p.get("golden", "")),
            accuracy=float(p.get("accuracy") or 0),
            items=int(p.get("items") or 0),
            items_expected=int(p.get("items_expected") or 0),
            seconds=float(p.get("seconds") or 0),
            status=int(p.get("status") or 0),
            revision=str(p.get("revision", "")),
        )
        for at, p in daily_checks(entries)
    ]
    judged = []
    for policy in policies:
        result = judge(policy, entries, now)
        if result is None:
            continue
        judged.append(
            PolicyRow(
                name=policy["name"],
                display_name=policy.get("displayName", ""),
                enabled=bool(policy.get("enabled", True)),
                rule=result.rule,
                limit=describe_threshold(result.breaches_when, result.threshold, result.unit),
                state=result.state,
                value=result.value,
            )
        )
    return ChecksReport(env=env_name, checks=rows, policies=judged)
