"""Operator control of a rollout: promote (skip the remaining steps), abort (100% back to `stable`),
and what an interrupted rollout leaves for the next command to restore.

A rollout whose run is alive is told through a request (control/requests.py) and, for an abort,
traffic goes back to `stable` at once as well; a rollout whose run is gone is settled here, under
the function's lock, as a recorded run.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_fixed

from ..config import DeployConfig
from ..errors import DeployError, GcloudFailed, RollbackFailed, UsageError
from ..pipeline.lock import FunctionLock, actor
from ..pipeline.records import KnownGoodStore, RecordStore, RunRecord
from ..pipeline.run import Reporter, Run
from ..pipeline.target import Target, function_key, resolve_target
from ..rollout import CANDIDATE, RolloutProgress, TrafficControl, TrafficView, load_progress, save_progress
from ..state import open_state
from .requests import Action, clear_request, post_request

#: a rollout in one of these states still owns (part of) the traffic
ACTIVE = ("running", "paused", "interrupted")
SETTLED_BY = {"promote": "promoted", "abort": "aborted"}


class RolloutNotAcknowledged(DeployError):
    """The run driving the rollout did not act on the operator's request in time."""

    exit_code = 1


def active_rollout(state, key: str) -> RolloutProgress | None:
    progress = load_progress(state, key)
    return progress if progress is not None and progress.status in ACTIVE else None


def driver_alive(state, key: str, progress: RolloutProgress) -> bool:
    """Is the rollout's own run still holding the function's lock (lease not expired, process alive)?"""
    holder = FunctionLock(state, key, "control", "control").holder()
    return (
        holder is not None
        and holder.run_id == progress.run_id
        and holder.stale_reason(datetime.now(UTC)) is None
    )


def control_rollout(
    config: DeployConfig,
    env_name: str | None,
    action: Action,
    reporter: Reporter | None = None,
    wait_seconds: float = 60.0,
    reason: str | None = None,
) -> dict:
    """`deploy --action promote|abort`. Returns what happened (for the CLI); raises UsageError when no
    rollout is in progress, RolloutNotAcknowledged when a live rollout did not act in time."""
    env_name = env_name or config.default_env
    environment = config.environment(env_name)
    state = open_state(config, env_name)
    progress = load_progress(state, function_key(env_name, environment))
    if progress is None or progress.status not in ACTIVE:
        last = f" (the last one, of {progress.candidate}, is {progress.status})" if progress else ""
        raise UsageError(
            f"no rollout of {environment.function} is in progress{last}; `deploy --action status` shows what serves"
        )
    target = resolve_target(config, env_name)  # only now: it starts localcloud when needed
    if driver_alive(state, target.key, progress):
        return _ask_driver(state, target, progress, action, wait_seconds)
    record = _settle_orphan(state, target, progress, action, reporter, reason)
    return {
        "action": action,
        "rollout": progress.run_id,
        "driver": "gone",
        "serving": record.revision_after,
        "message": record.decision.reason,
        "record": record.model_dump(mode="json"),
    }


def _ask_driver(
    state, target: Target, progress: RolloutProgress, action: Action, wait_seconds: float
) -> dict:
    traffic = TrafficControl(target.gcloud)
    if action == "abort":  # at once: the candidate takes no more live traffic, whatever the run is doing;
        # before the request, so the run finds traffic on stable and has nothing left to move
        retrying_modified(lambda: abort_to_stable(traffic, traffic.view()))
    post_request(state, target.key, action, progress.run_id)
    wanted = SETTLED_BY[action]
    deadline = time.monotonic() + wait_seconds
    current = progress
    while time.monotonic() < deadline:
        current = load_progress(state, target.key) or progress
        if current.status == wanted or current.run_id != progress.run_id:
            break
        time.sleep(0.5)
    view = traffic.view()
    answer = {"action": action, "rollout": progress.run_id, "driver": "alive", "serving": view.serving,
              "weights": view.weights, "status": current.status}  # fmt: skip
    if current.status == wanted:
        answer["message"] = f"rollout {progress.run_id} {wanted}: {_describe(view.weights)}"
        return answer
    if action == "abort":
        answer["message"] = (
            f"traffic is back on stable {view.stable} ({_describe(view.weights)}); rollout run "
            f"{progress.run_id} has not recorded the abort yet and will at its next check"
        )
        return answer
    raise RolloutNotAcknowledged(
        f"rollout run {progress.run_id} did not act on the promote within {wait_seconds:.0f}s (it is {current.status}, "
        f"traffic {_describe(view.weights)}); the request stands and it acts at its next check: "
        "follow it with `deploy --action status --watch`"
    )


def _settle_orphan(
    state,
    target: Target,
    progress: RolloutProgress,
    action: Action,
    reporter: Reporter | None,
    reason: str | None,
) -> RunRecord:
    """The rollout's run is gone: promote or abort under the lock, recorded as a run of its own."""
    run = Run(
        "emergency" if reason else "deploy", target.env_name, target.environment.function, state, reporter,
        reason=reason or f"operator {action} of rollout {progress.run_id} (its run is no longer running)",
    )  # fmt: skip
    with run.locked(target.key), run.stage(action) as stage:
        traffic = TrafficControl(target.gcloud)
        view = traffic.view()
        run.record.revision_before = view.serving
        stage.detail.update(rollout=progress.run_id, weights_before=view.weights)
        if action == "abort":
            revision = abort_to_stable(traffic, view)
        else:
            revision = _promote(run, target, traffic, progress)
        progress.status = SETTLED_BY[action]
        progress.reason = f"{action} by {actor()} (run {run.id}): the rollout's run had stopped"
        progress.weights = {revision: 100}
        save_progress(state, progress)
        clear_request(state, target.key)
        _mark_recovered(run, progress.run_id)
        after = traffic.view()
        stage.detail["weights_after"] = after.weights
        if after.serving != revision:
            raise RollbackFailed(
                f"traffic update did not take: {_describe(after.weights)} serves, not {revision}"
            )
        run.record.revision_after = revision
        run.record.decision.outcome = "keep" if action == "promote" else "rolled_back"
        run.record.decision.reason = (
            f"{SETTLED_BY[action]} rollout {progress.run_id}: {revision} serves 100%"
            + (
                " and carries the `stable` tag"
                if action == "promote"
                else " (`stable`), the candidate untagged"
            )
        )
        return run.finish("succeeded")


def _promote(run: Run, target: Target, traffic: TrafficControl, progress: RolloutProgress) -> str:
    candidate = progress.candidate
    if not candidate or progress.current_step < 0:
        raise UsageError(
            f"candidate {candidate or '(none)'} had not passed verification when its rollout stopped: it cannot "
            "be promoted; `deploy --action abort` puts `stable` back, `deploy` verifies a new one"
        )
    traffic.promote(candidate)
    backup = next((r.backup_id for r in RecordStore(run.state).all() if r.id == progress.run_id), None)
    KnownGoodStore(run.state).remember(target.key, candidate, backup, run.id)
    return candidate


def abort_to_stable(traffic: TrafficControl, view: TrafficView, in_flight: bool = False) -> str:
    """100% to the `stable` tag's revision, the `candidate` tag dropped (TrafficControl.restore); with
    `--async` while the function's operation runs (gcloud would otherwise wait for the service to be
    Ready, i.e. for that operation). Returns the stable revision."""
    if view.stable is None:
        raise RollbackFailed(
            "no revision carries the `stable` tag, so there is nothing to abort to; "
            "`rollback --action rollback --to REVISION` names one"
        )
    if in_flight:
        remove = [CANDIDATE] if view.candidate else None
        traffic.gcloud.run([*traffic.restore_command(view.stable, remove), "--async"])
    else:
        traffic.restore(view.stable, view)
    return view.stable


def retrying_modified(update) -> None:
    """Cloud Run refuses a traffic update made from a stale read (409 ABORTED "the object has been
    modified") when the rollout's run moved traffic at the same moment: read again and retry."""
    Retrying(
        retry=retry_if_exception(
            lambda exc: isinstance(exc, GcloudFailed) and "has been modified" in str(exc)
        ),
        stop=stop_after_attempt(4),
        wait=wait_fixed(0.5),
        reraise=True,
    )(update)


def _mark_recovered(run: Run, run_id: str) -> None:
    for record in RecordStore(run.state).all(run.record.function, run.record.env):
        if record.id == run_id and record.recovered_by is None:
            if record.status == "running":
                record.status = "interrupted"
            record.recovered_by = run.id
            run.store.save(record)


def _describe(weights: dict[str, int]) -> str:
    return ", ".join(f"{rev} {pct}%" for rev, pct in weights.items()) or "nothing"
