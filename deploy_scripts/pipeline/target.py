"""Where an environment's gcloud commands go: localcloud on loopback, or Google itself.

The same gcloud commands run in both cases; only gcloud's environment differs (localcloud hands
out a CLOUDSDK_* configuration that points gcloud at it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import DeployConfig, Environment
from ..errors import ConfigError
from .gcloud import Gcloud


@dataclass
class Target:
    env_name: str
    environment: Environment
    gcloud: Gcloud
    endpoint: Any = None  # localcloud's Endpoint, when the target is localcloud

    @property
    def key(self) -> str:
        return function_key(self.env_name, self.environment)

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
        """The function's per-invoice LogEntries, through the Cloud Logging API (localcloud's or Google's)."""
        from ..function_events import client_factory, read_entries

        if self.endpoint is None and self.environment.target == "localcloud":
            raise ConfigError("this environment's events are in localcloud, which was not started for it")
        client = client_factory(self.endpoint)(self.environment.project)
        return read_entries(client, self.environment, revision, since)


def function_key(env_name: str, e: Environment) -> str:
    """What names one function of one environment in the state (its lock, its known-good list)."""
    return f"{env_name}.{e.project}.{e.region}.{e.function}"


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
