"""What is live, and what happened: read-only views over the function's API and the run records.

A run whose process or lock is gone shows as `interrupted`, whatever its record still says.
`deploy --action status` puts these views together (deploy_scripts/control/status.py).
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import Any

from ..errors import GcloudFailed
from .gcloud import serving_revision, traffic_split
from .lock import LockInfo
from .records import RunRecord, process_alive
from .target import Target

#: run kinds that hold the function's lock while they run (a watch does not)
LOCKING_KINDS = ("deploy", "rollback", "emergency")


def live_state(target: Target) -> dict[str, Any]:
    try:
        described = target.gcloud.describe()
    except GcloudFailed as exc:
        return {"exists": None, "error": f"what serves could not be read: {exc}"}
    if described is None:
        return {"exists": False}
    service = target.gcloud.service()
    latest = (service or {}).get("latestReadyRevision", "").rsplit("/", 1)[-1] or None
    traffic = [dict(e, revision=e["revision"] or latest) for e in traffic_split(service)]
    return {
        "exists": True,
        "state": described.get("state"),
        "url": target.function_url(described),
        "revision": described.get("serviceConfig", {}).get("revision"),
        "serving": serving_revision(service),
        "traffic": traffic,
        "tags": _tags(service),
        "stable": _tags(service).get("stable"),
        "updated": described.get("updateTime"),
    }


def _tags(service: dict | None) -> dict[str, str]:
    """tag -> revision, from the service's traffic statuses (the cloud-side word on what is verified)."""
    return {
        e["tag"]: e.get("revision") or ""
        for e in (service or {}).get("trafficStatuses", []) or []
        if e.get("tag")
    }


def effective_status(record: RunRecord, lock: LockInfo | None, now: datetime | None = None) -> str:
    """The record's status, except that a `running` run whose process is gone, or (for a run that
    holds the lock) whose lock is no longer its own or has an expired lease, is `interrupted`."""
    if record.status != "running":
        return record.status
    if not process_alive(record):
        return "interrupted"
    # a locking run's record is first saved once it holds the lock, and it releases the lock only
    # after its record is final: a running record without its (live) lock is a dead run's
    lock_gone = lock is None or lock.run_id != record.id or lock.stale_reason(now or datetime.now(UTC))
    return "interrupted" if record.kind in LOCKING_KINDS and lock_gone else "running"


def with_effective_status(records: list[RunRecord], lock: LockInfo | None) -> list[RunRecord]:
    return [r.model_copy(update={"status": effective_status(r, lock)}) for r in records]


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
