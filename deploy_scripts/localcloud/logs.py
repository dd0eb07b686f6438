"""Revision logs: one JSON object per line in `<state-dir>/logs/<revision>.jsonl`.

Lines the function writes as JSON are kept as they are (plus `revision` and `timestamp` if absent);
other lines are wrapped with a severity from the stream. Secret values are redacted before writing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from .settings import StatePaths, resolve_state_dir

REDACTED = "[REDACTED]"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _redact(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, REDACTED)
    return text


def log_record(line: str, stream: str, revision: str, secrets: Iterable[str] = ()) -> dict:
    """Turn one output line into the record kept for it."""
    line = _redact(line.rstrip("\r\n"), secrets)
    try:
        parsed = json.loads(line)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        parsed.setdefault("revision", revision)
        parsed.setdefault("timestamp", utc_now())
        return parsed
    return {
        "severity": "ERROR" if stream == "stderr" else "INFO",
        "message": line,
        "stream": stream,
        "revision": revision,
        "timestamp": utc_now(),
    }


class RevisionLog:
    """Appends records for one revision; shared by the stdout and stderr pump threads."""

    def __init__(self, path: Path, revision: str, secrets: Iterable[str] = ()):
        self.path = path
        self.revision = revision
        self._secrets = [s for s in secrets if s]
        self._lock = threading.Lock()
        self.tail: list[str] = []  # last stderr lines, quoted in a failed start's message

    def write(self, line: str, stream: str) -> None:
        record = log_record(line, stream, self.revision, self._secrets)
        with self._lock:
            if stream == "stderr":
                self.tail = [*self.tail[-19:], str(record.get("message", ""))]
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    def pump(self, pipe: IO[bytes], stream: str) -> threading.Thread:
        def run() -> None:
            with pipe:
                for raw in iter(pipe.readline, b""):
                    self.write(raw.decode("utf-8", errors="replace"), stream)

        thread = threading.Thread(target=run, name=f"log-{self.revision}-{stream}", daemon=True)
        thread.start()
        return thread


def _parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _read_file(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: skip rather than fail the reader
            if isinstance(record, dict):
                yield record


def read_revision_logs(
    state_dir: str | Path | None = None,
    revision: str | None = None,
    since: str | datetime | None = None,
) -> Iterator[dict]:
    """Yield log records of one revision (or all, file by file), optionally only those at/after `since`."""
    paths = StatePaths(resolve_state_dir(state_dir))
    if revision is not None:
        files = [paths.revision_log(revision)]
    else:
        files = sorted(paths.logs.glob("*.jsonl")) if paths.logs.is_dir() else []
    cutoff = _parse_time(since)
    if cutoff is not None and cutoff.tzinfo is None:
        cutoff = cutoff.replace(tzinfo=UTC)
    for path in files:
        if not path.is_file():
            continue
        for record in _read_file(path):
            if cutoff is not None:
                stamp = record.get("timestamp")
                try:
                    when = _parse_time(stamp) if isinstance(stamp, str) else None
                except ValueError:
                    when = None
                if when is None or when < cutoff:
                    continue
            yield record
