"""`monitor --action provision`: make an environment's monitoring match the config, idempotently.

For each desired resource (provision_resources.py) the existing one is found by its key (name, or
display name for resources Google names itself); it is created when missing, updated when a field
the config sets differs, and left alone otherwise, so a second run changes nothing and a changed
threshold updates exactly the one policy that uses it. Fields Google adds (names, times, records)
and defaults it omits are not differences. Every resource is checked against Google's discovery
document before anything is sent. `--dry-run` shows the plan without writing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from ..config import DeployConfig
from ..errors import ConfigError, DeployError
from ..localcloud.contract import problems
from .provision_apis import Apis
from .provision_resources import (
    SECRET_SHOWN,
    Resource,
    desired,
    notification_channel,
    production_function_url,
)

#: kind -> (discovery document, schema, how an existing resource is keyed)
SCHEMAS: dict[str, tuple[str, str, Callable[[dict], str]]] = {
    "metric": ("logging.v2", "LogMetric", lambda r: r.get("name", "")),
    "channel": ("monitoring.v3", "NotificationChannel", lambda r: r.get("displayName", "")),
    "policy": ("monitoring.v3", "AlertPolicy", lambda r: r.get("displayName", "")),
    "dashboard": ("monitoring.v1", "Dashboard", lambda r: r.get("displayName", "")),
    "job": ("cloudscheduler.v1", "Job", lambda r: r.get("name", "")),
}
PLACEHOLDER_CHANNEL = "projects/{project}/notificationChannels/(created by this run)"

Action = Literal["create", "update", "unchanged"]


class ProvisionFailed(DeployError):
    exit_code = 1


class Step(BaseModel):
    action: Action
    kind: str
    key: str
    changes: list[str] = []
    resource: dict
    name: str | None = None  # the resource's name once it exists


class Plan(BaseModel):
    env: str
    project: str
    compared: bool  # False: what exists was not read (an offline dry run)
    applied: bool
    steps: list[Step]

    def count(self, action: Action) -> int:
        return sum(1 for s in self.steps if s.action == action)


def _is_default(value: Any) -> bool:
    return value in (None, 0, 0.0, "", False, [], {})


def differences(want: Any, have: Any, where: str = "") -> list[str]:
    """Paths where `have` does not hold what `want` sets (fields only `have` has are ignored; a field
    Google omits because it holds the default is equal to that default)."""
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return [where or "."] if not (_is_default(want) and _is_default(have)) else []
        found = []
        for key, value in want.items():
            path = f"{where}.{key}" if where else key
            if key not in have:
                if not _is_default(value):
                    found.append(path)
            else:
                found += differences(value, have[key], path)
        return found
    if isinstance(want, list):
        if not isinstance(have, list) or len(want) != len(have):
            return [where] if not (_is_default(want) and _is_default(have)) else []
        return [
            p
            for index, (w, h) in enumerate(zip(want, have, strict=True))
            for p in differences(w, h, f"{where}[{index}]")
        ]
    if isinstance(want, float) or isinstance(have, float):
        try:
            return [] if abs(float(want) - float(have)) <= 1e-9 * max(1.0, abs(float(want))) else [where]
        except (TypeError, ValueError):
            return [where]
    if isinstance(want, int) and isinstance(have, str) and have.lstrip("-").isdigit():
        return [] if want == int(have) else [where]  # int64 travel as strings in proto JSON
    return [] if want == have else [where]


def masked(resource: Resource, shown: str) -> dict:
    """The body with its secret fields replaced by `shown`, for printing and records."""
    body = _copy(resource.body)
    for path in resource.secret_paths:
        node = body
        for key in path[:-1]:
            node = node.get(key, {})
        if path[-1] in node:
            node[path[-1]] = shown
    return body


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def check_schemas(resources: list[Resource]) -> None:
    found = []
    for resource in resources:
        document, schema, _ = SCHEMAS[resource.kind]
        found += [f"{resource.kind} {resource.key}: {p}" for p in problems(document, schema, resource.body)]
    if found:
        raise ConfigError(
            "resources Google would refuse (discovery documents):\n  " + "\n  ".join(found[:10])
        )


@dataclass
class Provisioner:
    config: DeployConfig
    env_name: str
    apis: Apis | None  # None: offline (a dry run that reads nothing)
    function_url: str
    notes: list[str] = field(default_factory=list)

    def _channel_target(self) -> str:
        settings = self.config.monitoring
        if settings.notification == "email":
            if not settings.email:
                raise ConfigError('[monitoring] notification = "email" needs email = "on-call@…"')
            return settings.email
        if self.apis is None:
            return SECRET_SHOWN.format(settings.webhook_secret)
        try:
            return self.apis.secret(settings.webhook_secret)
        except Exception as exc:  # the client's NotFound/PermissionDenied: say what to create
            raise ProvisionFailed(
                f"cannot read the webhook URL from Secret Manager secret {settings.webhook_secret} "
                f"({type(exc).__name__}); create it (gcloud secrets create … --data-file=-) or set "
                '[monitoring] notification = "email"'
            ) from None

    def _existing(self) -> dict[str, dict[str, dict]]:
        if self.apis is None:
            return {kind: {} for kind in SCHEMAS}
        a = self.apis
        listed = {
            "metric": a.list_metrics(), "channel": a.list_channels(), "policy": a.list_policies(),
            "dashboard": a.list_dashboards(), "job": a.list_jobs(),
        }  # fmt: skip
        return {kind: {SCHEMAS[kind][2](item): item for item in items} for kind, items in listed.items()}

    def run(self, dry_run: bool) -> Plan:
        environment = self.config.environment(self.env_name)
        existing = self._existing()
        target = self._channel_target()
        channel_key = notification_channel(self.env_name, environment, self.config.monitoring, target).key
        channel = existing["channel"].get(channel_key)
        channel_name = channel["name"] if channel else PLACEHOLDER_CHANNEL.format(project=environment.project)
        resources = desired(self.config, self.env_name, self.function_url, target, channel_name)
        check_schemas(resources)
        shown = SECRET_SHOWN.format(self.config.monitoring.webhook_secret)
        steps = []
        for resource in resources:
            have = existing[resource.kind].get(resource.key)
            if resource.kind == "policy" and channel is None and not dry_run:
                resource = _with_channel(resource, self._channel_created(steps))
            if have is None:
                step = Step(
                    action="create", kind=resource.kind, key=resource.key, resource=masked(resource, shown)
                )
                if not dry_run:
                    step.name = self._create(resource).get("name")
            else:
                changes = differences(resource.body, have)
                step = Step(
                    action="update" if changes else "unchanged", kind=resource.kind, key=resource.key,
                    changes=changes, resource=masked(resource, shown), name=have.get("name"),
                )  # fmt: skip
                if changes and not dry_run:
                    self._update(resource, have)
            steps.append(step)
        return Plan(env=self.env_name, project=environment.project, compared=self.apis is not None,
                    applied=not dry_run, steps=steps)  # fmt: skip

    @staticmethod
    def _channel_created(steps: list[Step]) -> str:
        return next(s.name for s in steps if s.kind == "channel")

    def _create(self, resource: Resource) -> dict:
        return getattr(self.apis, f"create_{resource.kind}")(resource.body)

    def _update(self, resource: Resource, have: dict) -> dict:
        return getattr(self.apis, f"update_{resource.kind}")(have, resource.body)


def _with_channel(resource: Resource, channel_name: str) -> Resource:
    body = {**resource.body, "notificationChannels": [channel_name]}
    return Resource(resource.kind, resource.key, body, resource.secret_paths)


def provisioner(config: DeployConfig, env_name: str, dry_run: bool) -> Provisioner:
    """The environment's clients: localcloud's (started if needed) or Google's; none for a dry run of
    a Google environment, which contacts nothing and shows every resource in full."""
    from ..cloud_clients import CloudAccess
    from ..pipeline.target import resolve_target

    environment = config.environment(env_name)
    if environment.target != "localcloud" and dry_run:
        return Provisioner(config, env_name, None, production_function_url(environment))
    target = resolve_target(config, env_name)
    access = CloudAccess.from_gcloud_env(target.gcloud.process_env)
    apis = Apis(access, environment.project, environment.region)
    url = target.function_url(None) if target.endpoint is not None else production_function_url(environment)
    return Provisioner(config, env_name, apis, url)
