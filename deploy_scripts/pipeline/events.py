"""structlog JSON-line events of the orchestrator, appended to <state_dir>/events.jsonl.

Cloud Logging field names (`severity`, `message`) and the run's id as `correlation_id`, so one
`grep` on an id gives a run's whole story. Values are masked by the callers before they get here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog

_SEVERITY = {"debug": "DEBUG", "info": "INFO", "warning": "WARNING", "error": "ERROR", "critical": "CRITICAL"}


def _cloud_logging_fields(_logger: Any, method: str, event: dict) -> dict:
    event["severity"] = _SEVERITY.get(method, "INFO")
    event["message"] = event.pop("event")
    return event


class _AppendWriter:
    """A structlog logger that appends each rendered line to a file (opened per line: runs are short
    and several processes may append; O_APPEND keeps lines whole)."""

    def __init__(self, path: Path):
        self.path = path

    def msg(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    debug = info = warning = error = critical = msg


def run_logger(state_dir: Path, run_id: str, **context: Any) -> structlog.typing.FilteringBoundLogger:
    return structlog.wrap_logger(
        _AppendWriter(state_dir / "events.jsonl"),
        processors=[
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            _cloud_logging_fields,
            structlog.processors.JSONRenderer(sort_keys=False, default=str),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(0),
    ).bind(correlation_id=run_id, **context)
