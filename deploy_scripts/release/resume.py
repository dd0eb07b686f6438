"""`deploy --action resume` (or `deploy --resume`): take over a rollout whose run is gone.

Without it the next command restores `stable`. Resuming keeps the candidate's share and runs the
canary steps again from the first under a new run (the killed run's analysis windows are not
trusted: they may have been cut short); promote and abort then work as for any rollout.
"""

from __future__ import annotations

from ..config import DeployConfig
from ..control.recovery import recover_interrupted, restore_after_interrupt
from ..control.rollouts import ACTIVE, driver_alive
from ..errors import LockHeld, UsageError
from ..pipeline.records import RecordStore, RunRecord
from ..pipeline.run import Reporter, Run
from ..pipeline.target import function_key, resolve_target
from ..rollout import CANDIDATE, TrafficControl, load_progress
from ..state import open_state
from .deploy import run_canary


def resume_rollout(config: DeployConfig, env_name: str | None, reporter: Reporter | None = None) -> RunRecord:
    env_name = env_name or config.default_env
    environment = config.environment(env_name)
    state = open_state(config, env_name)
    progress = load_progress(state, function_key(env_name, environment))
    if progress is None or progress.status not in ACTIVE:
        raise UsageError(
            f"no interrupted rollout of {environment.function} to resume; `deploy` starts a new one"
        )
    target = resolve_target(config, env_name)  # only now: it starts localcloud when needed
    if driver_alive(state, target.key, progress):
        raise LockHeld(
            f"rollout {progress.run_id} is still driven by its own run; follow it with "
            "`deploy --action status --watch`, or `deploy --action promote|abort`"
        )
    if progress.current_step < 0 or not progress.candidate or not progress.stable:
        raise UsageError(
            f"rollout {progress.run_id} stopped before its candidate passed verification: there is nothing "
            "to resume; `deploy` verifies a candidate again"
        )
    run = Run(
        "deploy", target.env_name, target.environment.function, state, reporter,
        reason=f"resume rollout {progress.run_id} of {progress.candidate}",
    )  # fmt: skip
    with run.locked(target.key, on_interrupt=restore_after_interrupt(target)):
        run.record.recovered = recover_interrupted(run, target, config, None, resume=progress.run_id)
        control = TrafficControl(target.gcloud)
        with run.stage("resume") as stage:
            view = control.view()
            stage.detail.update(
                rollout=progress.run_id, weights=view.weights, tags=[e.tag for e in view.entries if e.tag]
            )
            if view.candidate != progress.candidate:
                control.tag(progress.candidate, CANDIDATE)
        killed = next((r for r in RecordStore(state).all() if r.id == progress.run_id), None)
        run.record.revision_before = progress.stable
        run.record.revision_after = progress.candidate
        run.record.backup_id = killed.backup_id if killed else None
        return run_canary(
            run, target, config, control, progress.candidate, progress.stable, run.record.backup_id
        )
