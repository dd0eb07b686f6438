"""The two ways back to a verified revision (moved here from deploy_scripts/rollback/paths.py).

Fast path: 100% of traffic to a revision that passed verification (no build, seconds).
Slow path: that revision is gone or fails, so redeploy the source kept in its backup with the
configuration recorded beside it (a build, minutes). Both end with verification.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import DeployConfig
from ..errors import BackupInvalid, GcloudFailed, RollbackFailed, UsageError
from ..pipeline.backup import BackupManifest, BackupStore
from ..pipeline.checks import summarize
from ..pipeline.gcloud import Gcloud, revision_names, serving_revision, take_over_deployed
from ..pipeline.records import Check, KnownGoodStore
from ..pipeline.run import Run
from ..pipeline.source import unpack
from ..pipeline.target import Target
from ..pipeline.verify import Verification, verify_live
from ..state import State, as_backend, work_dir_of
from .progress import abandoned
from .traffic import TrafficControl


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
    # a revision an abort or an emergency walked away from is never picked again without --to
    skipped = abandoned(state, target.key)
    known = next(
        (
            k
            for k in reversed(KnownGoodStore(state).entries(target.key))
            if k.revision not in {current, *skipped}
        ),
        None,
    )
    if known is None:
        raise RollbackFailed(
            f"no verified revision of {target.environment.function} other than the serving one "
            f"({current or 'none'}) is recorded in {as_backend(state).url}; name one with --to REVISION|BACKUP"
        )
    return Candidate(known.revision, known.backup_id)


def fast_path(gcloud: Gcloud, revision: str) -> None:
    """100% to `revision`, which becomes `stable` (one `update-traffic`; a rollout under way ends)."""
    existing = revision_names(gcloud.revisions())
    if revision not in existing:
        raise RollbackFailed(
            f"revision {revision} no longer exists (live revisions: {', '.join(existing) or 'none'})"
        )
    TrafficControl(gcloud).restore(revision)
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
    # A named backup (--to) is the only one tried; otherwise the newest intact verified one.
    verified = [] if to else [k.backup_id for k in reversed(KnownGoodStore(state).entries(target.key))]
    backup_ids = list(dict.fromkeys(b for b in [candidate.backup_id, *verified] if b))
    if not backup_ids:
        raise RollbackFailed(
            "fast path failed and no backup holds the source of "
            f"{candidate.revision}: " + "; ".join(a["error"] for a in attempts)
        )
    try:
        with run.stage("slow_path") as stage:
            manifest, refused = BackupStore(state).newest_intact(backup_ids)
            stage.detail["refused"] = refused
            for reason in refused:
                run.reporter.note(f"backup refused: {reason}")
            if manifest is None:
                raise BackupInvalid("no intact verified backup is left: " + "; ".join(refused))
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


__all__ = [
    "Candidate",
    "Outcome",
    "fast_path",
    "pick_candidate",
    "roll_back",
    "slow_path",
    "verify_rollback",
]
