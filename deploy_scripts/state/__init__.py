"""The orchestrator's shared state: backups, run records, events, known-good revisions, the lock.

`open_state(config, env)` picks the backend from the state location (`state_url` in the config, or
`DEPLOY_STATE_URL`; `--state-dir`/`DEPLOY_STATE_DIR` for a local directory): `gs://BUCKET/PREFIX`
through google-cloud-storage (for a localcloud environment, the bucket localcloud's storage
emulator serves on this machine), else the directory. Staging stays local (`work_dir`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .backend import GcsBackend, LocalBackend, PreconditionFailed, StateBackend, StoredObject

if TYPE_CHECKING:
    from ..config import DeployConfig

__all__ = [
    "GcsBackend",
    "LocalBackend",
    "PreconditionFailed",
    "State",
    "StateBackend",
    "StoredObject",
    "as_backend",
    "open_state",
]


@dataclass(frozen=True)
class State:
    backend: StateBackend
    #: this machine's scratch space: staging directories, downloaded backups
    work_dir: Path
    lock_lease_seconds: float = 60

    @property
    def url(self) -> str:
        return self.backend.url


def as_backend(where: State | StateBackend | Path | str) -> StateBackend:
    if isinstance(where, State):
        return where.backend
    if isinstance(where, Path | str):
        return LocalBackend(Path(where))
    return where


def work_dir_of(where: State | StateBackend | Path | str) -> Path:
    if isinstance(where, State):
        return where.work_dir
    if isinstance(where, Path | str):
        return Path(where)
    return Path.cwd() / ".deploy"  # a bare backend carries no scratch space


def open_state(config: DeployConfig, env_name: str | None = None) -> State:
    from ..errors import ConfigError

    location = config.state_location(env_name)
    lease = config.deploy.lock_lease_seconds
    work_dir = config.resolved_state_dir()
    if not location.startswith("gs://"):
        return State(LocalBackend(config.project.resolve(Path(location))), work_dir, lease)
    bucket, _, prefix = location[len("gs://") :].partition("/")
    environment = config.environment(env_name)
    if environment.target == "localcloud":
        from ..localcloud.storage import local_storage_client

        client = local_storage_client(environment.localcloud_dir, environment.project, bucket)
    else:
        client = _google_client(environment.project, location)
    if client is None:
        raise ConfigError(f"state URL {location}: no storage client")
    return State(GcsBackend(bucket, prefix, client), work_dir, lease)


def _google_client(project: str, location: str):
    from ..errors import ConfigError

    try:
        from google.auth.exceptions import DefaultCredentialsError
        from google.cloud import storage
    except ImportError as exc:  # pragma: no cover - a dependency of this package
        raise ConfigError(f"state URL {location} needs google-cloud-storage: {exc}") from None
    try:
        return storage.Client(project=project)
    except DefaultCredentialsError as exc:
        raise ConfigError(
            f"state URL {location}: no Google credentials ({exc.__class__.__name__}); run "
            "`gcloud auth application-default login`, or use --state-dir DIR for a local state"
        ) from None
