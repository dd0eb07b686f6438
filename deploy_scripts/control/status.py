"""`deploy --action status`: what serves, whether it is verified, the rollout, the runs; read only.

Status never starts localcloud (nor its storage): when they are not running it says so and what to
run. It judges what serves against what was verified (the `stable` tag, known-good), leaves a
rollout's candidate alone while the rollout's run drives it, and warns about everything a later
command must act on (an interrupted run or rollout), naming the command.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from ..config import DeployConfig
from ..pipeline.lock import FunctionLock
from ..pipeline.records import KnownGoodStore, RecordStore, RunRecord
from ..pipeline.status import history_rows, history_summary, live_state, with_effective_status
from ..pipeline.target import function_key, resolve_target
from ..rollout import load_progress
from ..state import open_state
from .rollouts import ACTIVE

EMERGENCY = "rollback --action emergency --reason TEXT"
STOPPED_RUN = "`localcloud start` (or a `deploy`/`rollback`, which start it), then status again"


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
    lock = progress = None
    known: list = []
    if state is not None:
        lock = FunctionLock(state, key, "status", "status").holder()
        records = with_effective_status(RecordStore(state).all(environment.function, env_name), lock)
        known = KnownGoodStore(state).entries(key)
        progress = load_progress(state, key)
    data["lock"] = lock.model_dump() if lock else None
    data["rollout"] = progress.model_dump() if progress else None
    if progress is not None and progress.status in ACTIVE:
        driven = (
            lock is not None
            and lock.run_id == progress.run_id
            and lock.stale_reason(datetime.now(UTC)) is None
        )
        data["rollout"]["driven"] = driven
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
    rollout = data.get("rollout") or {}
    if rollout.get("driven") is False:
        warnings.append(
            {
                "problem": f"rollout {rollout['run_id']} of {rollout['candidate']} is {rollout['status']} but its run "
                "is gone: nobody drives it",
                "run": "`deploy --action abort` (or any `deploy`/`rollback`, which restore `stable` first), "
                "`deploy --action resume` to go on with it, or `deploy --action promote` to finish it",
            }
        )
    # a candidate its live rollout is judging takes traffic by design; anything else must be verified
    expected = {rollout.get("candidate")} if rollout.get("driven") else set()
    unverified = [
        entry
        for entry in live["traffic"]
        if entry["percent"]
        and entry["revision"] not in verified | expected
        and entry["revision"] != live.get("stable")
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
