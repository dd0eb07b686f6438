"""Where the function's events come from: Cloud Logging (Google's, or localcloud's API), or JSON-lines files.

Each source yields raw dicts (LogEntries, or the function's own lines from a file); the `observed`
module turns them into timestamped events. The reader is deploy_scripts.function_events, shared with
deploy verification and `rollback --action watch`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ..config import Environment
from ..errors import ConfigError
from ..function_events import ClientFactory, client_factory, google_client, read_entries


class EventSource(Protocol):
    description: str

    def read(self, since: datetime | None) -> Iterator[dict]: ...


class JsonLinesSource:
    """JSON lines files (a captured stdout, an exported log); lines that are not JSON are skipped."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = list(paths)
        self.description = "files: " + ", ".join(str(p) for p in self.paths)

    def read(self, since: datetime | None) -> Iterator[dict]:
        for path in self.paths:
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError as exc:
                raise ConfigError(f"cannot read events file {path}: {exc.strerror}") from None
            for line in lines:  # `since` is applied when windows are cut
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record


class CloudLoggingSource:
    """The function's Cloud Logging entries: Google's in production, localcloud's Logging API locally."""

    def __init__(
        self,
        environment: Environment,
        client_factory: ClientFactory = google_client,
        where: str | None = None,
    ):
        self.environment = environment
        self._client_factory = client_factory
        self.description = f"Cloud Logging ({where or environment.project}, service {environment.service})"

    def read(self, since: datetime | None) -> Iterator[dict]:
        client = self._client_factory(self.environment.project)
        yield from read_entries(client, self.environment, None, since)


def source_for(environment: Environment, events_files: Sequence[Path] = ()) -> EventSource:
    if events_files:
        return JsonLinesSource(events_files)
    if environment.target == "localcloud":
        from ..localcloud.client import ensure_running

        endpoint = ensure_running(environment.localcloud_dir)
        return CloudLoggingSource(
            environment, client_factory(endpoint), where=f"localcloud at {endpoint.url}"
        )
    return CloudLoggingSource(environment)
