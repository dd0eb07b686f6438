"""Where an environment's gcloud commands go: localcloud on loopback, or Google itself.

The same gcloud commands run in both cases; only gcloud's environment differs (localcloud hands
out a CLOUDSDK_* configuration that points gcloud at it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import DeployConfig, Environment
from .gcloud import Gcloud


@dataclass
class Target:
    env_name: str
    environment: Environment
    gcloud: Gcloud
    endpoint: Any = None  # localcloud's Endpoint, when the target is localcloud

    @property
    def key(self) -> str:
        e = self.environment
        return f"{self.env_name}.{e.project}.{e.region}.{e.function}"

    def function_url(self, description: dict | None) -> str | None:
        if self.endpoint is not None:
            from ..localcloud.client import function_url

            e = self.environment
            return function_url(self.endpoint, e.function, project=e.project, region=e.region)
        if not description:
            return None
        return description.get("url") or description.get("serviceConfig", {}).get("uri")

    def live_url(self) -> str | None:
        """The function's URL; localcloud's is known without asking gcloud (one call less)."""
        return self.function_url(None if self.endpoint is not None else self.gcloud.describe())

    def read_events(self, revision: str | None, since: datetime | None) -> list[dict]:
        """The function's per-invoice log lines: localcloud's revision logs, or Cloud Logging via gcloud."""
        if self.endpoint is None:
            return self.gcloud.run_json(logging_read_command(self.environment, revision, since)) or []
        from ..localcloud.logs import read_revision_logs

        return list(read_revision_logs(self._localcloud_dir(), revision=revision, since=since))

    def _localcloud_dir(self) -> Path | None:
        return getattr(self.endpoint, "state_dir", None) or self.environment.localcloud_dir


def logging_read_command(env: Environment, revision: str | None, since: datetime | None) -> list[str]:
    """`gcloud logging read` for the function's invoice events (Cloud Logging keeps jsonPayload)."""
    clauses = [
        'resource.type="cloud_run_revision"',
        f'resource.labels.service_name="{env.service}"',
        'jsonPayload.message=("invoice_processed" OR "invoice_failed")',
    ]
    if revision:
        clauses.append(f'resource.labels.revision_name="{revision}"')
    if since:
        clauses.append(f'timestamp>="{since.isoformat()}"')
    return ["gcloud", "logging", "read", " AND ".join(clauses), "--project", env.project, "--limit", "1000"]


def resolve_target(config: DeployConfig, env_name: str | None, *, start_localcloud: bool = True) -> Target:
    env_name = env_name or config.default_env
    environment = config.environment(env_name)
    endpoint = None
    process_env = dict(os.environ)
    if environment.target == "localcloud" and start_localcloud:
        from ..localcloud.client import ensure_running, gcloud_env

        endpoint = ensure_running(state_dir=environment.localcloud_dir)
        process_env.update(gcloud_env(endpoint, project=environment.project, region=environment.region))
    gcloud = Gcloud(
        environment,
        process_env,
        timeout=config.deploy.gcloud_timeout_seconds,
        deploy_timeout=config.deploy.deploy_timeout_seconds,
        conflict_retries=config.deploy.conflict_retries,
    )
    return Target(env_name, environment, gcloud, endpoint)
