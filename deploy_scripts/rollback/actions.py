"""`rollback --action rollback|emergency`: locked, recorded runs around the fast/slow paths."""

from __future__ import annotations

from pathlib import Path

from ..config import DeployConfig
from ..control.recovery import recover_interrupted
from ..errors import DeployError, RollbackFailed
from ..pipeline.backup import BackupStore
from ..pipeline.checks import summarize
from ..pipeline.gcloud import serving_revision
from ..pipeline.records import KnownGoodStore, RunRecord
from ..pipeline.run import Reporter, Run
from ..pipeline.target import resolve_target
from ..rollout.progress import abandon
from ..rollout.restore import Outcome, roll_back, verify_rollback
from ..rollout.traffic import TrafficControl, TrafficView, view_of
from ..state import open_state


def run_rollback(
    config: DeployConfig,
    env_name: str | None,
    *,
    to: str | None = None,
    reason: str | None = None,
    emergency: bool = False,
    invoices_dir: Path | None = None,
    reporter: Reporter | None = None,
) -> RunRecord:
    """Emergency: no gates, fast path only, verification afterwards. Otherwise fast then slow path."""
    target = resolve_target(config, env_name)
    state = open_state(config, target.env_name)
    kind = "emergency" if emergency else "rollback"
    run = Run(kind, target.env_name, target.environment.function, state, reporter, reason=reason)
    # Ctrl-C or a bug leaves the run `interrupted`: the next run checks what is serving.
    with run.locked(target.key):
        try:
            service = target.gcloud.service()  # read once: the emergency's tags come from the same read
            run.record.revision_before = serving_revision(service)
            if not emergency:
                run.record.recovered = recover_interrupted(run, target, config, invoices_dir)
                # Nothing recovered: nothing moved traffic, so what serves is still revision_before.
                restored = (
                    serving_revision(target.gcloud.service())
                    if run.record.recovered
                    else run.record.revision_before
                )
                if restored != run.record.revision_before and not to:
                    # Recovery already took the unverified revision out of service: rolling back
                    # again would undo a verified one.
                    run.record.revision_after = restored
                    run.record.decision.outcome = "rolled_back"
                    run.record.decision.reason = f"recovery of an interrupted run restored {restored}"
                    return run.finish("succeeded")
            outcome = (emergency and not to and _to_stable_tag(run, target, config, invoices_dir, view_of(service))) or roll_back(
                run, target, config, to=to, allow_slow=not emergency, invoices_dir=invoices_dir,
                current=run.record.revision_before,
            )  # fmt: skip
            run.record.revision_after = outcome.revision
            run.record.backup_id = outcome.backup_id
            run.record.decision.outcome = "rolled_back"
            run.record.decision.reason = f"{outcome.path} path to {outcome.revision}" + (
                f": {reason}" if reason else ""
            )
            run.record.metrics["path"] = outcome.path
            run.record.metrics["attempts"] = outcome.attempts
            run.record.metrics.update(outcome.verification.metrics)
            return run.finish("succeeded")
        except DeployError:
            run.record.decision.outcome = "rollback_failed"  # run.locked then finishes the run `failed`
            raise


def _to_stable_tag(
    run: Run, target, config: DeployConfig, invoices_dir: Path | None, view: TrafficView
) -> Outcome | None:
    """Emergency by the service's tags (the cloud-side truth, the same from any machine): a rollout
    under way goes back to `stable`; a promoted `stable` goes back to `previous`. One traffic update,
    then verification. None when the tags say nothing (a function deployed before tags): the
    recorded verified revisions decide instead."""
    control = TrafficControl(target.gcloud)
    destination, abandoned = control.emergency_target(view)
    if destination is None:
        return None
    with run.stage("fast_path") as stage:
        stage.detail.update(revision=destination, from_revision=run.record.revision_before, by="tags",
                            abandoned=abandoned, traffic_was=view.weights)  # fmt: skip
        control.restore(destination, view)
        if abandoned:
            abandon(run.state, target.key, abandoned, f"emergency rollback by run {run.id} to {destination}")
        verification = verify_rollback(target, config, destination, invoices_dir)
        run.record.checks += verification.checks
        stage.detail["verification"] = verification.metrics
        if not verification.passed:
            raise RollbackFailed(f"{destination} failed verification: {summarize(verification.checks)}")
    backup = BackupStore(run.state).find_by_revision(destination)  # keeps its backup protected from pruning
    backup_id = backup.id if backup else None
    KnownGoodStore(run.state).remember(target.key, destination, backup_id, run.id)
    return Outcome("fast", destination, backup_id, verification)
