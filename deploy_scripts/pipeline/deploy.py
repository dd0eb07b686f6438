"""`deploy --action deploy`: lock -> gate -> backup -> deploy -> verify -> decide, one record per run."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import DeployConfig
from ..errors import DeployError, GateFailed, GcloudFailed, RollbackFailed, VerificationFailed
from ..state import open_state
from .backup import BackupStore
from .checks import summarize, truth
from .gate_stage import GateOutcome, run_gate_for_source
from .gcloud import (
    Deployed,
    deploy_command,
    mask_command,
    serving_revision,
    take_over_deployed,
    traffic_split,
)
from .records import Check, KnownGoodStore, RunRecord
from .run import Reporter, Run
from .source import unpack
from .target import Target, resolve_target
from .verify import Verification, verify_live


@dataclass
class DeployOptions:
    env_name: str | None = None
    source_dir: Path | None = None  # None: the project's (config.project.source_dir)
    skip_validation: bool = False
    invoices_dir: Path | None = None


def run_deploy(config: DeployConfig, options: DeployOptions, reporter: Reporter | None = None) -> RunRecord:
    """Returns the finished record on success; raises a DeployError (with `.record`) otherwise."""
    if options.source_dir is None:
        options = replace(options, source_dir=config.project.source_dir)
    target = resolve_target(config, options.env_name)
    state = open_state(config, target.env_name)
    run = Run(
        "deploy", target.env_name, target.environment.function, state, reporter,
        skip_validation=options.skip_validation, source_dir=str(options.source_dir),
    )  # fmt: skip
    from ..rollback.paths import restore_after_interrupt

    try:
        # Ctrl-C, SIGTERM or a bug leaves the run `interrupted`: whatever was deployed is unverified,
        # so a signal puts traffic back on the verified revision and the next run checks it again.
        with run.locked(target.key, on_interrupt=restore_after_interrupt(target)):
            return _pipeline(run, target, config, options)
    finally:
        shutil.rmtree(run.state_dir / "staging" / run.id, ignore_errors=True)


def _pipeline(run: Run, target: Target, config: DeployConfig, options: DeployOptions) -> RunRecord:
    from ..rollback.paths import recover_interrupted

    run.record.recovered = recover_interrupted(run, target, config, options.invoices_dir)
    _gate(run, config, options)
    manifest, staging = _backup(run, target, config, options)
    deployed = _deploy(run, target, staging, manifest)
    verification = _verify(run, target, config, deployed, options)
    return _decide(run, target, config, verification, deployed, manifest.id, options)


def _gate(run: Run, config: DeployConfig, options: DeployOptions) -> GateOutcome | None:
    with run.stage("gate") as stage:
        if options.skip_validation:
            stage.status = "skipped"
            stage.detail["skipped"] = f"--skip-validation by {run.record.actor} (emergencies only)"
            run.log.warning("gate_skipped", actor=run.record.actor)
            return None
        outcome = run_gate_for_source(config, options.source_dir, options.invoices_dir)
        stage.detail.update(
            passed=outcome.passed, readiness_score=round(outcome.readiness_score, 4), extractor=outcome.extractor_path,
            failed_checks=outcome.failed_checks(),
        )  # fmt: skip
        run.record.checks.append(
            truth("gate", outcome.passed, round(outcome.readiness_score, 4), outcome.summary())
        )
        if not outcome.passed:
            run.record.decision.outcome = "aborted"
            run.record.decision.reason = f"gate failed: {outcome.summary()}"
            error = GateFailed(f"the readiness gate failed ({outcome.summary()}); nothing was deployed")
            error.gate = outcome  # type: ignore[attr-defined]
            raise error
        return outcome


def _backup(run: Run, target: Target, config: DeployConfig, options: DeployOptions):
    with run.stage("backup") as stage:
        live = target.gcloud.describe()  # None: the function does not exist yet
        service = target.gcloud.service() if live else None
        serving = serving_revision(service)
        run.record.revision_before = serving
        manifest, archive = BackupStore(run.state).create(
            run.id, target.env_name, target.environment, options.source_dir, live, None, serving
        )
        staging = unpack(archive.zip_path, run.state_dir / "staging" / run.id)
        run.record.backup_id = manifest.id
        stage.detail.update(
            backup=manifest.id, source_sha256=archive.sha256, files=len(archive.files), git_commit=manifest.git_commit,
            serving_revision=serving, function_existed=live is not None,
        )  # fmt: skip
        return manifest, staging


def _deploy(run: Run, target: Target, staging: Path, manifest) -> Deployed:
    """The deployed revision, serving 100%; what was read on the way (description, service) comes along."""
    with run.stage("deploy") as stage:
        run.serving_unsettled = "the deploy may have changed what serves; the next run checks it"
        run.record.command = mask_command(deploy_command(target.environment, staging), target.environment)
        try:
            target.gcloud.deploy(staging)
        except GcloudFailed:
            stage.detail["gcloud"] = target.gcloud.history[-1:]
            _restore_if_moved(run, target)
            raise
        deployed = take_over_deployed(target.gcloud, stage.detail)
        revision = deployed.revision
        if not revision:
            raise VerificationFailed("gcloud reported success but the function names no serving revision")
        run.record.revision_after = revision
        BackupStore(run.state).save(manifest.model_copy(update={"deployed_revision": revision}))
        deploy_calls = [h for h in target.gcloud.history if h["command"][1:3] == ["functions", "deploy"]]
        stage.detail.update(
            revision=revision,
            gcloud_seconds=deploy_calls[-1]["seconds"] if deploy_calls else None,
            gcloud_attempts=len(deploy_calls),  # more than one: a 409 "unable to queue" was waited out
        )
        if deployed.moved:  # read the split again only when it changed since it was read
            deployed = replace(deployed, service=target.gcloud.service(), moved=False)
        return deployed


def _restore_if_moved(run: Run, target: Target) -> None:
    """A deploy that failed (or timed out) may still have moved traffic: say so in the record."""
    try:
        now = serving_revision(target.gcloud.service())
    except GcloudFailed:
        return  # what serves is unknown: the run stays unsettled (recorded `interrupted`)
    if now == run.record.revision_before:
        run.serving_unsettled = None  # nothing moved: a plain failure
    elif now:
        run.record.revision_after = now
        run.reporter.note(
            f"traffic moved to {now} although gcloud reported failure; the next run will verify it"
        )


def _verify(run: Run, target: Target, config: DeployConfig, deployed: Deployed, options: DeployOptions):
    """Checks the deployed revision against what `_deploy` read; nothing has moved traffic since."""
    revision = deployed.revision
    with run.stage("verify") as stage:
        serving = serving_revision(deployed.service)
        traffic = truth("new_revision_serving_100", serving == revision, serving, f"expected {revision}")
        url = target.function_url(deployed.description)
        stage.detail.update(url=url, traffic=traffic_split(deployed.service))
        if not url:
            verification_checks = [
                traffic,
                Check(name="function_url", passed=False, detail="the function has no URL"),
            ]
            run.record.checks += verification_checks
            return verification_checks
        try:
            verification = verify_live(
                url, revision, config, invoices_dir=options.invoices_dir, read_events=target.read_events
            )
        except (DeployError, OSError, ValueError) as exc:  # a broken check is a failed check, never a pass
            verification = Verification(
                [truth("verification_error", False, exc.__class__.__name__, str(exc))]
            )
        checks = [traffic, *verification.checks]
        run.record.checks += checks
        run.record.metrics.update(verification.metrics)
        stage.detail["passed"] = all(c.passed for c in checks)
        if not stage.detail["passed"]:
            stage.status = "failed"
            stage.error = summarize(checks)
        return checks


def _decide(
    run: Run,
    target: Target,
    config: DeployConfig,
    checks: list[Check],
    deployed: Deployed,
    backup_id: str,
    options,
) -> RunRecord:
    from ..rollback.paths import roll_back

    revision = deployed.revision
    failed = [c for c in checks if not c.passed]
    with run.stage("decide") as stage:
        if not failed:
            KnownGoodStore(run.state).remember(target.key, revision, backup_id, run.id)
            run.serving_unsettled = None
            run.record.decision.outcome = "keep"
            run.record.decision.reason = summarize(checks)
            stage.detail["outcome"] = "keep"
        else:
            stage.detail["outcome"] = "roll back"
            stage.detail["failed"] = [c.name for c in failed]
    if not failed:
        _prune(run, config)
        return run.finish("succeeded")
    reason = f"verification of {revision} failed: {summarize(checks)}"
    run.record.decision.failed_checks = failed
    run.record.decision.reason = reason
    run.reporter.note(reason)
    try:
        outcome = roll_back(
            run, target, config, invoices_dir=options.invoices_dir, current=serving_revision(deployed.service)
        )
    except (RollbackFailed, GcloudFailed) as exc:
        run.record.decision.outcome = "rollback_failed"
        # what serves is unverified: `interrupted` is the mark the next command acts on
        run.finish("interrupted", f"{reason}; automatic rollback failed: {exc}")
        raise VerificationFailed(f"{reason}; automatic rollback FAILED: {exc}") from None
    run.record.decision.outcome = "rolled_back"
    run.record.revision_after = outcome.revision
    run.serving_unsettled = None
    run.finish("rolled_back", reason)
    _prune(run, config)
    raise VerificationFailed(f"{reason}; rolled back to {outcome.revision} ({outcome.path} path, verified)")


def _prune(run: Run, config: DeployConfig) -> None:
    protected = KnownGoodStore(run.state).latest_backup_ids() | {run.record.backup_id or ""}
    removed = BackupStore(run.state).prune(config.backups.keep, protected)
    if removed:
        run.log.info("backups_pruned", removed=removed)
