"""The two ways back to a verified revision.

Fast path: 100% of traffic to a revision that passed verification (no build, seconds).
Slow path: that revision is gone or fails, so redeploy the source kept in its backup with the
configuration recorded beside it (a build, minutes). Both end with verification.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from ..config import DeployConfig
from ..control.requests import clear_request
from ..control.rollouts import abort_to_stable, active_rollout
from ..errors import BackupInvalid, GcloudFailed, RollbackFailed, UsageError
from ..pipeline.backup import BackupManifest, BackupStore
from ..pipeline.checks import summarize
from ..pipeline.gcloud import Gcloud, revision_names, serving_revision, take_over_deployed
from ..pipeline.records import Check, KnownGoodStore, utc_now
from ..pipeline.run import OnInterrupt, Run
from ..pipeline.source import unpack
from ..pipeline.target import Target
from ..pipeline.verify import Verification, verify_live
from ..rollout import TrafficControl, load_progress, save_progress
from ..rollout.traffic import TrafficView, view_of
from ..state import State, as_backend, work_dir_of


@dataclass
class Outcome:
    path: str  # "fast" | "slow"
    revision: str
    backup_id: str | None
    verification: Verification
    attempts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Candidate:
    revision: str | None
    backup_id: str | None


def pick_candidate(target: Target, state: State, to: str | None, current: str | None) -> Candidate:
    """`--to` (a revision or a backup id), else the newest verified revision that is not serving now."""
    backups = BackupStore(state)
    if to and to.startswith("backup_"):
        if not backups.exists(to):
            raise UsageError(
                f"--to {to}: no such backup in {backups.where} (`rollback --action history` lists them)"
            )
        manifest = backups.load(to)
        return Candidate(manifest.deployed_revision, manifest.id)
    if to:
        manifest = backups.find_by_revision(to)
        return Candidate(to, manifest.id if manifest else None)
    known = KnownGoodStore(state).latest(target.key, excluding=current)
    if known is None:
        raise RollbackFailed(
            f"no verified revision of {target.environment.function} other than the serving one "
            f"({current or 'none'}) is recorded in {as_backend(state).url}; name one with --to REVISION|BACKUP"
        )
    return Candidate(known.revision, known.backup_id)


def fast_path(gcloud: Gcloud, revision: str) -> None:
    existing = revision_names(gcloud.revisions())
    if revision not in existing:
        raise RollbackFailed(
            f"revision {revision} no longer exists (live revisions: {', '.join(existing) or 'none'})"
        )
    gcloud.route_all_traffic(revision)
    serving = serving_revision(gcloud.service())
    if serving != revision:
        raise RollbackFailed(
            f"traffic update did not take: {serving or 'a split'} is serving, not {revision}"
        )


def slow_path(target: Target, state: State, manifest: BackupManifest, run_id: str) -> str:
    """Redeploy a backup's source with its recorded configuration; returns the new revision."""
    zip_path = BackupStore(state).verified_zip(
        manifest
    )  # raises on a checksum mismatch (or a bucket download)
    staging = work_dir_of(state) / "staging" / f"{run_id}-restore"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        unpack(zip_path, staging)
        recorded = manifest.environment.model_copy(update={"function": target.environment.function})
        replace(target.gcloud, env=recorded).deploy(staging)  # same process env, timeouts, history
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    revision = take_over_deployed(target.gcloud).revision
    if not revision:
        raise RollbackFailed("the slow-path deploy finished but the function reports no revision")
    return revision


def verify_rollback(
    target: Target, config: DeployConfig, revision: str, invoices_dir: Path | None
) -> Verification:
    url = target.live_url()
    if not url:
        return Verification([Check(name="function_url", passed=False, detail="the function has no URL")])
    return verify_live(
        url, revision, config, invoices_dir=invoices_dir,
        min_accuracy=config.thresholds.rollback.min_accuracy, full=False,
    )  # fmt: skip


def roll_back(
    run: Run,
    target: Target,
    config: DeployConfig,
    *,
    to: str | None = None,
    allow_slow: bool = True,
    invoices_dir: Path | None = None,
    current: str | None = None,
) -> Outcome:
    """Fast path, then (if allowed) slow path; each attempt recorded as a stage of `run`."""
    state = run.state
    current = current or serving_revision(target.gcloud.service())
    candidate = pick_candidate(target, state, to, current)
    attempts: list[dict[str, Any]] = []
    if candidate.revision:
        try:
            with run.stage("fast_path") as stage:
                stage.detail.update(revision=candidate.revision, from_revision=current)
                fast_path(target.gcloud, candidate.revision)
                verification = verify_rollback(target, config, candidate.revision, invoices_dir)
                run.record.checks += verification.checks
                stage.detail["verification"] = verification.metrics
                if not verification.passed:
                    raise RollbackFailed(
                        f"{candidate.revision} failed verification: {summarize(verification.checks)}"
                    )
            KnownGoodStore(state).remember(target.key, candidate.revision, candidate.backup_id, run.id)
            return Outcome("fast", candidate.revision, candidate.backup_id, verification, attempts)
        except (RollbackFailed, GcloudFailed) as exc:
            attempts.append({"path": "fast", "revision": candidate.revision, "error": str(exc)})
            run.reporter.note(f"fast path failed: {exc}")
    if not allow_slow:
        raise RollbackFailed(
            "fast path failed and this action allows no slow path: " + "; ".join(a["error"] for a in attempts)
        )
    if not candidate.backup_id:
        raise RollbackFailed(
            "fast path failed and no backup holds the source of "
            f"{candidate.revision}: " + "; ".join(a["error"] for a in attempts)
        )
    try:
        with run.stage("slow_path") as stage:
            manifest = BackupStore(state).load(candidate.backup_id)
            stage.detail.update(
                backup=manifest.id, source_sha256=manifest.source_sha256, git_commit=manifest.git_commit
            )
            revision = slow_path(target, state, manifest, run.id)
            stage.detail["revision"] = revision
            verification = verify_rollback(target, config, revision, invoices_dir)
            run.record.checks += verification.checks
            stage.detail["verification"] = verification.metrics
            if not verification.passed:
                raise RollbackFailed(
                    f"redeployed {revision} failed verification: {summarize(verification.checks)}"
                )
    except (BackupInvalid, GcloudFailed) as exc:
        raise RollbackFailed(f"slow path failed: {exc}") from None
    KnownGoodStore(state).remember(target.key, revision, manifest.id, run.id)
    return Outcome("slow", revision, manifest.id, verification, attempts)


def recover_interrupted(
    run: Run, target: Target, config: DeployConfig, invoices_dir: Path | None
) -> list[str]:
    """Mark runs a killed process left `running`; if what serves is not verified, go back to one that is.

    A killed deploy can leave its `gcloud functions deploy` running, on this machine or only on the
    server: what serves is judged only once the function's own operation has finished (the API says
    so), never from a local guess, so its revision cannot take traffic after the judgement."""
    notes = []
    for stale in run.store.unrecovered(target.environment.function, target.env_name):
        if stale.id == run.id:
            continue
        if stale.status == "running":  # the process died without a word (SIGKILL, power loss)
            stale.status = "interrupted"
            stale.error = f"interrupted during stage {stale.current_stage!r} (pid {stale.pid} is gone)"
            stale.finished_at = utc_now().isoformat(timespec="seconds")
        stale.recovered_by = run.id
        run.store.save(stale)
        notes.append(f"{stale.kind} {stale.id} by {stale.actor} was interrupted during {stale.current_stage}")

    rollout = active_rollout(run.state, target.key)
    if rollout is not None and rollout.run_id == run.id:
        rollout = None  # this run's own (a resumed one)
    if not notes and rollout is None:
        return notes
    # until what serves is judged, a failure leaves this run `interrupted` for the next one to check
    run.serving_unsettled = "recovery of an interrupted run did not finish"
    verified = {k.revision for k in KnownGoodStore(run.state).entries(target.key)}
    if rollout is not None and rollout.stable:
        verified.add(rollout.stable)
    if target.gcloud.reader.operation_in_progress():
        notes += pin_while_in_flight(target, verified)
        notes.append(wait_for_operation(target, config.deploy.deploy_timeout_seconds, run.reporter.note))
    if rollout is not None:  # its run holds no lock any more (this run does): nobody drives it
        notes.append(restore_stable(run, target, rollout))
    serving = serving_revision(target.gcloud.service())
    if serving and verified and serving not in verified:
        with run.stage("recover") as stage:
            stage.detail["unverified_serving"] = serving
            outcome = roll_back(run, target, config, invoices_dir=invoices_dir)
            stage.detail["restored"] = outcome.revision
        notes.append(
            f"{serving} was serving unverified; traffic restored to verified {outcome.revision} ({outcome.path} path)"
        )
    else:
        notes.append(f"serving revision {serving or 'none'} is verified; nothing to restore")
    run.serving_unsettled = None
    for note in notes:
        run.reporter.note(note)
    run.log.warning("interrupted_run_recovered", notes=notes)
    return notes


def restore_stable(run: Run, target: Target, rollout) -> str:
    """An interrupted rollout: 100% back to `stable`, the candidate untagged, the rollout `aborted`."""

    traffic = TrafficControl(target.gcloud)
    view = traffic.view()
    where = (
        "verification"
        if rollout.current_step < 0
        else f"step {rollout.current_step + 1} of {len(rollout.steps)}"
    )
    weights = ", ".join(f"{rev} {pct}%" for rev, pct in view.weights.items()) or "nothing"
    if view.stable is not None:
        stable = abort_to_stable(traffic, view.stable, view.candidate is not None)
    elif rollout.stable:  # the tag is gone (someone removed it): the revision the rollout recorded
        stable = rollout.stable
        pin(target, stable, in_flight=False)
    else:
        raise RollbackFailed(
            f"rollout {rollout.run_id} was interrupted and no `stable` revision is known to restore; "
            "name one with `rollback --action rollback --to REVISION`"
        )
    rollout.status = "aborted"
    rollout.reason = f"its run stopped during {where}; restored to stable {stable} by run {run.id}"
    rollout.weights = {stable: 100}
    save_progress(run.state, rollout)
    clear_request(run.state, target.key)
    with run.stage("restore_stable") as stage:
        stage.detail.update(rollout=rollout.run_id, stable=stable, weights_before=view.weights)
    return (
        f"rollout {rollout.run_id} of {rollout.candidate} was interrupted during {where} ({weights}); "
        f"traffic restored to stable {stable} (100%)"
        + (f", candidate {view.candidate} untagged" if view.candidate else "")
    )


def pin_while_in_flight(target: Target, verified: set[str]) -> list[str]:
    """A verified revision serving as "the latest" would lose its traffic to the deploy still in flight:
    pin it by name first (pinned traffic survives a deploy), so that revision never takes traffic."""
    service = target.gcloud.service()
    split, serving = view_of(service), serving_revision(service)
    if serving not in verified or pinned_to(split, serving):
        return []
    pin(target, serving, in_flight=True)
    return [f"pinned traffic to verified {serving} while the interrupted deploy's operation finishes"]


def wait_for_operation(target: Target, timeout: float, say=None, interval: float = 1.0) -> str | None:
    """Wait until no operation runs on the function (the API's word); None when none was running.

    Raises RollbackFailed when it still runs after `timeout` seconds: judging what serves before it
    ends would be a guess."""
    reader = target.gcloud.reader
    if not reader.operation_in_progress():
        return None
    if say is not None:
        say(
            f"an operation on {target.environment.function} is still running (an interrupted deploy's); waiting for it"
        )
    started = time.monotonic()
    try:
        Retrying(retry=retry_if_result(bool), stop=stop_after_delay(timeout), wait=wait_fixed(interval))(
            reader.operation_in_progress
        )
    except RetryError:
        raise RollbackFailed(
            f"an operation on {target.environment.function} is still running after {timeout:.0f}s; what serves "
            "cannot be judged before it ends: run `deploy --action status` later, then this command again"
        ) from None
    return f"waited {time.monotonic() - started:.1f}s for the function's operation still in flight to finish"


def restore_after_interrupt(target: Target) -> OnInterrupt:
    """What a deploy does when a signal stops it: stages before `deploy` changed nothing; later ones
    may have, so 100% of traffic goes back to the newest verified revision, pinned (a deploy still
    running server-side then leaves its revision without traffic)."""

    def restore(run: Run, stage: str | None) -> list[str]:
        if stage in (None, "lock", "gate", "backup"):
            return [
                f"nothing was deployed; {describe_split(view_of(target.gcloud.service()))} serves as before"
            ]
        return put_back_verified(run, target)

    return restore


def put_back_verified(run: Run, target: Target) -> list[str]:
    """100% back on the verified revision: the `stable` tag's (a rollout aborted, its candidate untagged),
    else the newest known-good one, pinned by name."""
    service = target.gcloud.service()
    split = view_of(service)
    in_flight = target.gcloud.reader.operation_in_progress()
    flight = (
        ["the deploy's operation is still running server-side; traffic is pinned, so its revision gets none "
         "(the next deploy or rollback waits for it and checks what serves)"]
        if in_flight
        else []
    )  # fmt: skip
    if split.stable is not None:
        return [_abort_own_rollout(run, target, split.stable, split.candidate, split, in_flight), *flight]
    verified = KnownGoodStore(run.state).latest(target.key)
    if verified is None:
        return [
            f"no verified revision is recorded, so traffic was left as it is: {describe_split(split)}; "
            "run `deploy` again to verify a revision",
            *flight,
        ]
    if pinned_to(split, verified.revision):
        return [f"verified {verified.revision} still serves 100%", *flight]
    pin(target, verified.revision, in_flight)
    return [f"traffic put back on verified {verified.revision} (100%; was {describe_split(split)})", *flight]


def _abort_own_rollout(
    run: Run, target: Target, stable: str, candidate: str | None, split: TrafficView, in_flight: bool
) -> str:

    progress = load_progress(run.state, target.key)
    if progress is not None and progress.run_id == run.id and progress.status == "running":
        progress.status, progress.reason = "interrupted", f"interrupted during {run.record.current_stage}"
        progress.weights = {stable: 100}
        save_progress(run.state, progress)
    if pinned_to(split, stable) and candidate is None:
        return f"verified {stable} (`stable`) still serves 100%"
    abort_to_stable(TrafficControl(target.gcloud), stable, candidate is not None, in_flight)
    now = view_of(target.gcloud.service())
    if not pinned_to(now, stable):
        raise RollbackFailed(f"traffic update did not take: {describe_split(now)} serves, not {stable}")
    untagged = f", candidate {candidate} untagged" if candidate else ""
    return f"traffic put back on verified {stable} (`stable`, 100%; was {describe_split(split)}){untagged}"


def pin(target: Target, revision: str, in_flight: bool) -> None:
    """100% to `revision` by name, and check that it took. While the function's operation runs, gcloud
    would wait for the service to be Ready, i.e. for that operation: `--async` returns at once."""

    traffic = TrafficControl(target.gcloud)
    target.gcloud.run([*traffic.pin_command(revision), *(["--async"] if in_flight else [])])
    now = view_of(target.gcloud.service())
    if not pinned_to(now, revision):
        raise RollbackFailed(f"traffic update did not take: {describe_split(now)} serves, not {revision}")


def pinned_to(split: TrafficView, revision: str) -> bool:
    """100% on `revision` by name (not "the latest", which a finishing deploy would move)."""
    return any(e.revision == revision and e.percent == 100 and not e.latest for e in split.entries)


def describe_split(split: TrafficView) -> str:
    """`rev-a 90%, rev-b 10% (latest)`, or "nothing" when no revision takes traffic."""
    shown = [
        f"{e.revision} {e.percent}%" + (" (latest)" if e.latest else "") for e in split.entries if e.percent
    ]
    return ", ".join(shown) or "nothing"


__all__ = [
    "Outcome",
    "fast_path",
    "pick_candidate",
    "put_back_verified",
    "recover_interrupted",
    "restore_after_interrupt",
    "roll_back",
    "slow_path",
]
