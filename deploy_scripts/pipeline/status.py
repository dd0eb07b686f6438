"""What is live, and what happened: read-only views over gcloud and the run records."""

from __future__ import annotations

import statistics
from typing import Any

from ..config import DeployConfig
from ..errors import GcloudFailed
from ..state import as_backend
from .gcloud import serving_revision, traffic_split
from .lock import FunctionLock
from .records import KnownGoodStore, RecordStore, RunRecord, process_alive
from .target import Target


def live_state(target: Target) -> dict[str, Any]:
    try:
        described = target.gcloud.describe()
    except GcloudFailed as exc:
        return {"exists": None, "error": str(exc)}
    if described is None:
        return {"exists": False}
    service = target.gcloud.service()
    return {
        "exists": True,
        "state": described.get("state"),
        "url": target.function_url(described),
        "revision": described.get("serviceConfig", {}).get("revision"),
        "serving": serving_revision(service),
        "traffic": traffic_split(service),
        "updated": described.get("updateTime"),
    }


def history_summary(records: list[RunRecord]) -> dict[str, Any]:
    finished = [r for r in records if r.status != "running"]
    deploys = [r for r in finished if r.kind == "deploy"]
    durations = [r.duration_s for r in deploys if r.duration_s is not None]
    return {
        "runs": len(records),
        "deploys": len(deploys),
        "deploy_success_rate": _rate(sum(r.status == "succeeded" for r in deploys), len(deploys)),
        "deploy_rollback_rate": _rate(sum(r.status == "rolled_back" for r in deploys), len(deploys)),
        "median_deploy_seconds": round(statistics.median(durations), 2) if durations else None,
        "max_deploy_seconds": max(durations) if durations else None,
        "rollbacks": sum(r.kind in ("rollback", "emergency") for r in finished),
        "interrupted": sum(
            r.status == "interrupted" or (r.status == "running" and not process_alive(r)) for r in records
        ),
        "running": [r.id for r in records if r.status == "running" and process_alive(r)],
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def history_rows(records: list[RunRecord], limit: int = 20) -> list[dict[str, Any]]:
    rows = []
    for record in records[-limit:]:
        failed = record.decision.failed_checks or [c for c in record.checks if not c.passed]
        rows.append(
            {
                "id": record.id,
                "kind": record.kind,
                "status": record.status,
                "actor": record.actor,
                "started_at": record.started_at,
                "duration_s": record.duration_s,
                "from": record.revision_before,
                "to": record.revision_after,
                "reason": record.reason or record.decision.reason or record.error or "",
                "trigger": {c.name: c.measured for c in failed},
            }
        )
    return rows


def status(target: Target, config: DeployConfig, state) -> dict[str, Any]:
    """`state`: a State (deploy_scripts.state), a backend, or a local directory."""
    records = RecordStore(state).all(target.environment.function, target.env_name)
    known = KnownGoodStore(state).latest(target.key)
    lock = FunctionLock(state, target.key, "status", "status").holder()
    return {
        "env": target.env_name,
        "function": target.environment.function,
        "state": as_backend(state).url,
        "lock": lock.model_dump() if lock else None,
        "live": live_state(target),
        "known_good": known.model_dump() if known else None,
        "summary": history_summary(records),
        "recent": history_rows(records, 10),
    }
