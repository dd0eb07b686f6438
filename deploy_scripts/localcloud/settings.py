"""Where localcloud keeps its state and which port it listens on (flags > environment > defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 8790
STATE_DIR_ENV = "LOCALCLOUD_STATE_DIR"
PORT_ENV = "LOCALCLOUD_PORT"
REPO_ROOT = Path(__file__).resolve().parents[2]
# API host label (`<api>.localcloud`) -> the path prefix the app serves that API under.
HOST_PREFIXES = {
    "cloudfunctions": "/_cloudfunctions",
    "run": "/_run",
    "cloudresourcemanager": "/_crm",
    "serviceusage": "/_serviceusage",
    "cloudbuild": "/_cloudbuild",
    "iam": "/_iam",
    "artifactregistry": "/_artifactregistry",
    "logging": "/_logging",
    "monitoring": "/_monitoring",  # Cloud Monitoring v3 and the dashboards API (v1) share the host
    "cloudscheduler": "/_cloudscheduler",
    "secretmanager": "/_secretmanager",
}


def default_state_dir() -> Path:
    """One localcloud per user and machine, shared by every checkout (as the real cloud is):
    $XDG_DATA_HOME/localcloud, else ~/.local/share/localcloud."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "localcloud"


def resolve_state_dir(state_dir: str | Path | None = None) -> Path:
    chosen = state_dir or os.environ.get(STATE_DIR_ENV) or default_state_dir()
    return Path(chosen).expanduser().resolve()


def resolve_port(port: int | None = None) -> int:
    if port is not None:
        return int(port)
    raw = os.environ.get(PORT_ENV)
    if raw is None or raw == "":
        return DEFAULT_PORT
    try:
        return int(raw)
    except ValueError as exc:
        from .errors import LocalCloudUsageError

        raise LocalCloudUsageError(
            f"{PORT_ENV}={raw!r} is not a port number; set it to an integer such as 8790"
        ) from exc


@dataclass(frozen=True)
class StatePaths:
    """The layout of one state directory."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "localcloud.sqlite3"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def revisions(self) -> Path:
        return self.root / "revisions"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def secrets_toml(self) -> Path:
        return self.root / "secrets.toml"

    @property
    def secrets_json(self) -> Path:
        return self.root / "secrets.json"

    @property
    def pid_file(self) -> Path:
        return self.root / "localcloud.pid"

    @property
    def endpoint_file(self) -> Path:
        return self.root / "endpoint.json"

    @property
    def server_log(self) -> Path:
        return self.root / "server.log"

    @property
    def gcloud_config(self) -> Path:
        return self.root / "gcloud-config"

    def revision_dir(self, revision: str) -> Path:
        return self.revisions / revision

    def revision_log(self, revision: str) -> Path:
        return self.logs / f"{revision}.jsonl"

    def create(self) -> StatePaths:
        for directory in (self.root, self.sources, self.revisions, self.logs):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)  # it holds secrets.toml, the environment values and the logs
        return self
