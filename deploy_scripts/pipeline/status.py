"""What is live, and what happened: read-only views over the function's API and the run records.

Status only reads: it never starts localcloud (nor its storage); when they are not running it says
so and what to run. It judges what serves against what was verified (the `stable` tag, known-good)
and shows a run whose process or lock is gone as `interrupted`, whatever its record still says.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import Any

from ..config import DeployConfig
from ..errors import GcloudFailed
from ..state import open_state
from .gcloud import serving_revision, traffic_split
from .lock import FunctionLock, LockInfo
from .records import KnownGoodStore, RecordStore, RunRecord, process_alive
from .target import Target, function_key, resolve_target

#: run kinds that hold the function's lock while they run (a watch does not)
LOCKING_KINDS = ("deploy", "rollback", "emergency")
EMERGENCY = "rollback --action emergency --reason TEXT"
STOPPED_RUN = "`localcloud start` (or a `deploy`/`rollback`, which start it), then status again"


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


def status(config: DeployConfig, env_name: str | None) -> dict[str, Any]:
    """Everything `deploy --action status` shows, read without starting anything.

    `verdict`: "ok", "unverified" (what serves is not verified), or "unknown" (what serves could not
    be read); `warnings` say what is wrong and what to run."""
    env_name = env_name or config.default_env
    environment = config.environment(env_name)
    data: dict[str, Any] = {"env": env_name, "function": environment.function, "warnings": []}
    stopped = _localcloud_stopped(environment)
    target = None if stopped else resolve_target(config, env_name)
    state = None if stopped and _state_in_localcloud(config, env_name) else open_state(config, env_name)
    data["state"] = state.url if state is not None else config.state_location(env_name)
    data["live"] = (
        {"exists": None, "error": stopped, "run": STOPPED_RUN} if target is None else live_state(target)
    )
    key = function_key(env_name, environment)
    records: list[RunRecord] = []
    lock = None
    known: list = []
    if state is not None:
        lock = FunctionLock(state, key, "status", "status").holder()
        records = with_effective_status(RecordStore(state).all(environment.function, env_name), lock)
        known = KnownGoodStore(state).entries(key)
    data["lock"] = lock.model_dump() if lock else None
    data["known_good"] = known[-1].model_dump() if known else None
    data["summary"] = history_summary(records)
    data["recent"] = history_rows(records, 10)
    data["verdict"] = _judge(data, {k.revision for k in known}, records, state is not None)
    return data


def _localcloud_stopped(environment) -> str | None:
    """Why a localcloud environment cannot be read (localcloud is not running), or None."""
    if environment.target != "localcloud":
        return None
    from ..localcloud.client import running_endpoint
    from ..localcloud.settings import resolve_state_dir

    if running_endpoint(environment.localcloud_dir) is not None:
        return None
    where = resolve_state_dir(environment.localcloud_dir)
    return (
        f"localcloud is not running (state {where}), so what serves cannot be read (status never starts it)"
    )


def _state_in_localcloud(config: DeployConfig, env_name: str) -> bool:
    """The state lives in localcloud's storage, and that is not running (status does not start it)."""
    import os

    from ..localcloud.storage import running_storage

    location = config.state_location(env_name)
    environment = config.environment(env_name)
    return (
        location.startswith("gs://")
        and not os.environ.get("STORAGE_EMULATOR_HOST")
        and running_storage(environment.localcloud_dir) is None
    )


def _judge(data: dict[str, Any], verified: set[str], records: list[RunRecord], state_read: bool) -> str:
    warnings: list[dict[str, str]] = data["warnings"]
    live = data["live"]
    for record in records:
        if record.status == "interrupted" and record.recovered_by is None:
            warnings.append(
                {
                    "problem": f"{record.kind} {record.id} by {record.actor} was interrupted during "
                    f"{record.current_stage or 'an unknown stage'} and nobody has checked what it left",
                    "run": "`deploy` or `rollback --action rollback` (either checks it first and puts the "
                    "verified revision back)",
                }
            )
    if not state_read:
        warnings.append(
            {
                "problem": "the state (runs, known-good revisions) is in localcloud's storage, which is not running",
                "run": "`localcloud start`",
            }
        )
    if live.get("exists") is None:
        run = live.get("run") or "status again once the API answers (see the error: credentials, network)"
        warnings.append({"problem": str(live.get("error")), "run": run})
        return "unknown"
    if not live["exists"]:
        return "ok"
    unverified = [
        entry
        for entry in live["traffic"]
        if entry["percent"] and entry["revision"] not in verified and entry["revision"] != live.get("stable")
    ]
    if not unverified:
        return "ok"
    good = data["known_good"]["revision"] if data.get("known_good") else None
    for entry in unverified:
        warnings.append(
            {
                "problem": f"{entry['revision']} serves {entry['percent']}% but is not verified "
                "(not tagged `stable`, not in known-good)",
                "run": f"`{EMERGENCY}` to put verified {good} back"
                if good
                else "`deploy` to verify a revision (none is recorded as verified)",
            }
        )
    return "unverified"
