"""Where the function's events come from: localcloud's revision logs, JSON-lines files, Cloud Logging.

Each source yields raw dicts (the function's log line, or a Cloud Logging entry around it); the
`observed` module turns them into timestamped events. Production's Cloud Logging client sits behind
a one-method boundary (`list_entries`) so it can be exercised without Google.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from invoice_processing.events import FAILED, PROCESSED

from ..config import Environment
from ..errors import ConfigError
from ..localcloud.logs import _read_file as read_json_lines

ASCENDING = "timestamp asc"


class EventSource(Protocol):
    description: str

    def read(self, since: datetime | None) -> Iterator[dict]: ...


class LocalcloudSource:
    """Every revision's log of a localcloud state directory (None: localcloud's default)."""

    def __init__(self, state_dir: Path | None):
        self.state_dir = state_dir
        self.description = f"localcloud logs ({state_dir or 'default state dir'})"

    def read(self, since: datetime | None) -> Iterator[dict]:
        from ..localcloud.logs import read_revision_logs

        return read_revision_logs(self.state_dir, since=since)


class JsonLinesSource:
    """JSON lines files (a captured stdout, an exported log); lines that are not JSON are skipped."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = list(paths)
        self.description = "files: " + ", ".join(str(p) for p in self.paths)

    def read(self, since: datetime | None) -> Iterator[dict]:
        for path in self.paths:
            try:
                yield from read_json_lines(path)  # `since` is applied when windows are cut
            except OSError as exc:
                raise ConfigError(f"cannot read events file {path}: {exc.strerror}") from None


def cloud_logging_filter(environment: Environment, since: datetime | None) -> str:
    """The function's invoice events: its Cloud Run service (2nd gen), these two messages, since then."""
    clauses = [
        'resource.type="cloud_run_revision"',
        f'resource.labels.service_name="{environment.service}"',
        f'resource.labels.location="{environment.region}"',
        f'jsonPayload.message=("{PROCESSED}" OR "{FAILED}")',
    ]
    if since is not None:
        clauses.append(f'timestamp>="{since.isoformat().replace("+00:00", "Z")}"')
    return " AND ".join(clauses)


def entry_dict(entry: Any) -> dict | None:
    """A google.cloud.logging StructEntry -> the dict shape `observed` understands."""
    payload = getattr(entry, "payload", None)
    if not isinstance(payload, dict):
        return None
    resource = getattr(entry, "resource", None)
    timestamp = getattr(entry, "timestamp", None)
    return {
        "jsonPayload": dict(payload),
        "timestamp": timestamp.isoformat() if isinstance(timestamp, datetime) else timestamp,
        "resource": {"labels": dict(getattr(resource, "labels", None) or {})},
    }


def _default_client(project: str) -> Any:
    try:
        from google.cloud import logging as cloud_logging
    except ImportError:
        raise ConfigError(
            "reading production events needs google-cloud-logging: pip install google-cloud-logging"
        ) from None
    return cloud_logging.Client(project=project)


class CloudLoggingSource:
    """Production: Cloud Logging entries of the function's Cloud Run service."""

    def __init__(self, environment: Environment, client_factory: Callable[[str], Any] = _default_client,
                 page_size: int = 1000):  # fmt: skip
        self.environment = environment
        self._client_factory = client_factory
        self._page_size = page_size
        self.description = f"Cloud Logging ({environment.project}, service {environment.service})"

    def read(self, since: datetime | None) -> Iterator[dict]:
        client = self._client_factory(self.environment.project)
        entries = client.list_entries(
            resource_names=[f"projects/{self.environment.project}"],
            filter_=cloud_logging_filter(self.environment, since),
            order_by=ASCENDING,  # google.cloud.logging.ASCENDING
            page_size=self._page_size,
        )
        for entry in entries:
            record = entry_dict(entry)
            if record is not None:
                yield record


def source_for(environment: Environment, events_files: Sequence[Path] = ()) -> EventSource:
    if events_files:
        return JsonLinesSource(events_files)
    if environment.target == "localcloud":
        return LocalcloudSource(environment.localcloud_dir)
    return CloudLoggingSource(environment)
