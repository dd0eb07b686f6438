"""Revision output as Cloud Logging LogEntries, one JSON object per line in `<state-dir>/logs/<revision>.jsonl`.

Each stdout/stderr line becomes a LogEntry the way Cloud Run makes one (see "Structured logging:
special JSON fields" in Google's Cloud Logging docs): a JSON object line becomes `jsonPayload`, with
`severity`, `time`/`timestamp`/`timestampSeconds`+`timestampNanos`, `httpRequest` and the
`logging.googleapis.com/*` fields lifted out of it onto the entry; any other line is `textPayload`.
Secret values are redacted before anything is written. The Logging API (api_logging.py) serves these.
"""

from __future__ import annotations

import json
import os
import secrets as random_secrets
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from .settings import StatePaths, resolve_state_dir

REDACTED = "[REDACTED]"
SEVERITIES = ["DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"]
_SEVERITY_ALIASES = {"WARN": "WARNING", "ERR": "ERROR", "FATAL": "CRITICAL", "TRACE": "DEBUG"}
_SPECIAL = "logging.googleapis.com/"
# special JSON field -> LogEntry field (string values)
_SPECIAL_STRINGS = {
    f"{_SPECIAL}insertId": "insertId",
    f"{_SPECIAL}spanId": "spanId",
    f"{_SPECIAL}trace": "trace",
}
# special JSON field -> LogEntry field (object values)
_SPECIAL_OBJECTS = {
    f"{_SPECIAL}operation": "operation",
    f"{_SPECIAL}sourceLocation": "sourceLocation",
    "httpRequest": "httpRequest",
}


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _redact(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, REDACTED)
    return text


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_timestamp(value: Any) -> datetime | None:
    """RFC 3339 text (any offset, up to 9 fractional digits) or {seconds, nanos}; None if neither."""
    if isinstance(value, dict) and "seconds" in value:
        try:
            seconds = float(value["seconds"]) + float(value.get("nanos", 0)) / 1e9
        except (TypeError, ValueError):
            return None
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("z", "Z").replace("Z", "+00:00")
    if "." in text:  # Python takes at most 6 fractional digits
        head, _, rest = text.partition(".")
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def timestamp_nanos(value: Any) -> int | None:
    """Nanoseconds since the epoch, keeping all 9 fractional digits (filters and ordering need them)."""
    moment = parse_timestamp(value)
    if moment is None:
        return None
    whole = int(moment.replace(microsecond=0).timestamp()) * 1_000_000_000
    if isinstance(value, dict):
        return whole + moment.microsecond * 1000 + int(value.get("nanos", 0)) % 1000
    fraction = value.partition(".")[2] if "." in value else ""
    digits = fraction[: len(fraction) - len(fraction.lstrip("0123456789"))]
    return whole + int((digits + "000000000")[:9])


def normalize_severity(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):  # numeric LogSeverity (100 = DEBUG …)
        return SEVERITIES[min(value // 100, len(SEVERITIES) - 1)]
    if not isinstance(value, str):
        return None
    upper = value.strip().upper()
    upper = _SEVERITY_ALIASES.get(upper, upper)
    return upper if upper in SEVERITIES else None


def _lift_time(payload: dict) -> datetime | None:
    """Cloud Run's time fields, in its order of preference; the used ones leave the payload."""
    if "timestampSeconds" in payload:
        stamp = parse_timestamp(
            {"seconds": payload["timestampSeconds"], "nanos": payload.get("timestampNanos", 0)}
        )
        if stamp is not None:
            payload.pop("timestampSeconds")
            payload.pop("timestampNanos", None)
            return stamp
    for key in ("timestamp", "time"):
        if key in payload:
            stamp = parse_timestamp(payload[key])
            if stamp is not None:
                payload.pop(key)
                return stamp
    return None


def log_entry(
    line: str, stream: str, resource: dict, secrets: Iterable[str] = (), instance_id: str = ""
) -> dict:
    """One output line of a revision -> the LogEntry Cloud Run would write for it."""
    line = _redact(line.rstrip("\r\n"), secrets)
    project = resource["labels"]["project_id"]
    now = datetime.now(UTC)
    entry: dict[str, Any] = {
        "logName": f"projects/{project}/logs/{quote('run.googleapis.com/' + stream, safe='')}",
        "resource": resource,
        "severity": "ERROR" if stream == "stderr" else "DEFAULT",
        # Cloud Functions' revisions carry this label; `gcloud functions logs read` filters on it
        "labels": {
            "goog-managed-by": "cloudfunctions",
            **({"instanceId": instance_id} if instance_id else {}),
        },
    }
    try:
        parsed = json.loads(line)
    except ValueError:
        parsed = None
    stamp = None
    if isinstance(parsed, dict):
        payload = dict(parsed)
        severity = normalize_severity(payload.get("severity"))
        if severity is not None:
            payload.pop("severity")
            entry["severity"] = severity
        stamp = _lift_time(payload)
        labels = payload.pop(f"{_SPECIAL}labels", None)
        if isinstance(labels, dict):
            entry["labels"].update({str(k): str(v) for k, v in labels.items()})
        for field, target in _SPECIAL_STRINGS.items():
            if isinstance(payload.get(field), str):
                entry[target] = payload.pop(field)
        for field, target in _SPECIAL_OBJECTS.items():
            if isinstance(payload.get(field), dict):
                entry[target] = payload.pop(field)
        sampled = payload.get(f"{_SPECIAL}trace_sampled")
        if isinstance(sampled, bool):
            entry["traceSampled"] = payload.pop(f"{_SPECIAL}trace_sampled")
        entry["jsonPayload"] = payload
    else:
        entry["textPayload"] = line
    entry.setdefault("insertId", random_secrets.token_hex(8))
    entry["timestamp"] = rfc3339(stamp or now)
    entry["receiveTimestamp"] = rfc3339(now)
    return entry


def entry_text(entry: dict) -> str:
    """What a person reads of an entry: its text, or its JSON message."""
    if "textPayload" in entry:
        return str(entry["textPayload"])
    payload = entry.get("jsonPayload") or {}
    return str(payload.get("message", json.dumps(payload)))


def revision_resource(project: str, location: str, service: str, revision: str) -> dict:
    """The monitored resource of a Cloud Run revision (Cloud Functions 2nd gen runs on one)."""
    return {
        "type": "cloud_run_revision",
        "labels": {
            "project_id": project,
            "service_name": service,
            "revision_name": revision,
            "location": location,
            "configuration_name": service,
        },
    }


class RevisionLog:
    """Appends LogEntries for one revision process; shared by the stdout and stderr pump threads."""

    def __init__(self, path: Path, resource: dict, secrets: Iterable[str] = ()):
        self.path = path
        self.resource = resource
        self.revision = resource["labels"]["revision_name"]
        self.instance_id = random_secrets.token_hex(16)  # one process = one Cloud Run instance
        self._secrets = [s for s in secrets if s]
        self._lock = threading.Lock()
        self.tail: list[str] = []  # last stderr lines, quoted in a failed start's message

    def write(self, line: str, stream: str) -> None:
        entry = log_entry(line, stream, self.resource, self._secrets, self.instance_id)
        with self._lock:
            if stream == "stderr":
                self.tail = [*self.tail[-19:], entry_text(entry)]
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # owner-only
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")

    def pump(self, pipe: IO[bytes], stream: str) -> threading.Thread:
        def run() -> None:
            with pipe:
                for raw in iter(pipe.readline, b""):
                    self.write(raw.decode("utf-8", errors="replace"), stream)

        thread = threading.Thread(target=run, name=f"log-{self.revision}-{stream}", daemon=True)
        thread.start()
        return thread


def _read_file(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: skip rather than fail the reader
            if isinstance(record, dict):
                yield record


def read_entries(state_dir: str | Path | None = None, revision: str | None = None) -> Iterator[dict]:
    """Every stored LogEntry (of one revision, or of all), file by file, in write order."""
    paths = StatePaths(resolve_state_dir(state_dir))
    if revision is not None:
        files = [paths.revision_log(revision)]
    else:
        files = sorted(paths.logs.glob("*.jsonl")) if paths.logs.is_dir() else []
    for path in files:
        if path.is_file():
            yield from _read_file(path)


def read_revision_logs(
    state_dir: str | Path | None = None,
    revision: str | None = None,
    since: str | datetime | None = None,
) -> Iterator[dict]:
    """LogEntries of one revision (or all), optionally only those at/after `since`. For tests and
    tools on this machine; clients read through the Logging API."""
    cutoff = since if isinstance(since, datetime) or since is None else parse_timestamp(since)
    if cutoff is not None and cutoff.tzinfo is None:
        cutoff = cutoff.replace(tzinfo=UTC)
    for entry in read_entries(state_dir, revision):
        if cutoff is not None:
            when = parse_timestamp(entry.get("timestamp"))
            if when is None or when < cutoff:
                continue
        yield entry
