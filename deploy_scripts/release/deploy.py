"""`deploy --action deploy`: lock -> gate -> backup -> pin -> deploy -> verify -> canary -> decide.

Blue-green (the default): live traffic is pinned to `stable` before the deploy, so the candidate
starts with none; it is tagged `candidate` and verified through its tag URL; then canary steps
(deploy_scripts/rollout) judge its real traffic against stable, and it is promoted or aborted.
All-at-once (first deploy, emergency fix; recorded): the new revision takes 100%, then is verified.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import DeployConfig
from ..control.recovery import recover_interrupted, restore_after_interrupt
from ..control.requests import OperatorRequested, clear_request, sleep_watching_requests
from ..control.rollouts import retrying_modified
from ..errors import DeployError, GateFailed, GcloudFailed, RollbackFailed, VerificationFailed
from ..pipeline.backup import BackupStore
from ..pipeline.checks import summarize, truth
from ..pipeline.gate_stage import GateOutcome, run_gate_for_source
from ..pipeline.gcloud import (
    Deployed,
    deploy_command,
    mask_command,
    serving_revision,
    take_over_deployed,
    traffic_split,
)
from ..pipeline.records import Check, KnownGoodStore, RunRecord
from ..pipeline.run import Reporter, Run
from ..pipeline.source import unpack
from ..pipeline.target import Target, resolve_target
from ..pipeline.verify import Verification, verify_live
from ..rollout.canary import CanaryOutcome, run_steps
from ..rollout.progress import RolloutProgress, abandon, save_progress
from ..rollout.restore import roll_back
from ..rollout.traffic import CANDIDATE, TrafficControl
from ..state import open_state


@dataclass
class DeployOptions:
    env_name: str | None = None
    source_dir: Path | None = None  # None: the project's (config.project.source_dir)
    skip_validation: bool = False
    invoices_dir: Path | None = None
    #: None: the environment's `[rollout] strategy`
    strategy: str | None = None
    #: a reviewed shadow-replay diff whose differences are intended (recorded in the run record)
    accept_diff: Path | None = None


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
    try:
        # Ctrl-C, SIGTERM or a bug leaves the run `interrupted`: whatever was deployed is unverified,
        # so a signal puts traffic back on the verified revision and the next run checks it again.
        with run.locked(target.key, on_interrupt=restore_after_interrupt(target)):
            return _pipeline(run, target, config, options)
    finally:
        shutil.rmtree(run.state_dir / "staging" / run.id, ignore_errors=True)


def _pipeline(run: Run, target: Target, config: DeployConfig, options: DeployOptions) -> RunRecord:
    run.record.recovered = recover_interrupted(run, target, config, options.invoices_dir)
    _gate(run, config, options)
    manifest, staging = _backup(run, target, config, options)
    control = TrafficControl(target.gcloud)
    strategy = options.strategy or config.rollout_for(target.env_name).strategy
    stable = _pin(run, control) if strategy == "blue-green" else None
    if stable is None:  # all-at-once: asked for, or a first deploy with nothing to pin
        run.record.metrics["strategy"] = "all-at-once"
        deployed = _deploy(run, target, staging, manifest)
        verification = _verify(run, target, config, deployed, options)
        return _decide(run, target, config, verification, deployed, manifest.id, options)
    run.record.metrics["strategy"] = "blue-green"
    candidate, tag_url = _deploy_candidate(run, target, staging, manifest, control, stable)
    checks = _verify_candidate(run, target, config, control, candidate, tag_url, options)
    if not all(c.passed for c in checks):
        _refuse(run, target, control, candidate, stable, checks)
    return run_canary(run, target, config, control, candidate, stable, manifest.id)


def _pin(run: Run, control: TrafficControl) -> str | None:
    """Pin 100% of live traffic to the stable revision, so the deploy's revision starts with none.

    Returns the stable revision, or None when there is nothing to pin (first deploy: all-at-once)."""
    with run.stage("pin") as stage:
        view = control.view()
        stable = view.stable or view.serving
        if stable is None:
            stage.status = "skipped"
            stage.detail["why"] = (
                "first deploy: no revision to pin, all-at-once" if not view.exists
                else "no `stable` tag and traffic is split: nothing verified to pin, all-at-once"
            )  # fmt: skip
            run.reporter.note(f"{stage.detail['why']} (recorded)")
            return None
        control.restore(stable, view)  # 100% on stable, tagged; a stale `candidate` tag goes too
        stage.detail.update(stable=stable, traffic_was=view.weights, command=control.restore_command(stable))
        return stable


def _gcloud_deploy(run: Run, target: Target, staging: Path, detail: dict) -> None:
    """`gcloud functions deploy`, recorded (secrets masked); a failed one leaves its gcloud output in
    the stage and what served before serving again."""
    run.record.command = mask_command(deploy_command(target.environment, staging), target.environment)
    try:
        target.gcloud.deploy(staging)
    except GcloudFailed:
        detail["gcloud"] = target.gcloud.history[-1:]
        _restore_if_moved(run, target)
        raise


def _deploy_candidate(
    run: Run, target: Target, staging: Path, manifest, control: TrafficControl, stable: str
) -> tuple[str, str | None]:
    """Deploy with traffic pinned (the new revision gets 0%), then tag it `candidate`."""
    with run.stage("deploy") as stage:
        _gcloud_deploy(run, target, staging, stage.detail)
        described = target.gcloud.describe() or {}
        candidate = described.get("serviceConfig", {}).get("revision")
        if not candidate or candidate == stable:
            raise VerificationFailed(f"gcloud reported success but built no new revision (serving: {stable})")
        run.record.revision_after = candidate
        BackupStore(run.state).save(manifest.model_copy(update={"deployed_revision": candidate}))
        control.tag(candidate, CANDIDATE)
        view = control.view()
        deploy_calls = [h for h in target.gcloud.history if h["command"][1:3] == ["functions", "deploy"]]
        stage.detail.update(
            revision=candidate, stable=stable, traffic=view.weights, tag_url=view.tag_url(CANDIDATE),
            gcloud_seconds=deploy_calls[-1]["seconds"] if deploy_calls else None, gcloud_attempts=len(deploy_calls),
        )  # fmt: skip
        return candidate, view.tag_url(CANDIDATE)


def _verify_candidate(
    run: Run, target: Target, config: DeployConfig, control: TrafficControl, candidate: str,
    tag_url: str | None, options: DeployOptions,
) -> list[Check]:  # fmt: skip
    """Every verification check through the candidate's tag URL; live traffic stays on stable."""
    with run.stage("verify") as stage:
        live = control.view().percent_of(candidate)
        checks = [truth("candidate_has_no_live_traffic", live == 0, live, "percent of live traffic")]
        stage.detail.update(url=tag_url, live_percent=live)
        if not tag_url:
            checks.append(Check(name="tag_url", passed=False, detail="the `candidate` tag has no URL"))
        else:
            verification = _verification(tag_url, candidate, config, target, options)
            checks += verification.checks
            run.record.metrics.update(verification.metrics)
        return _recorded(run, stage, checks)


def _verification(url: str, revision: str, config: DeployConfig, target: Target, options: DeployOptions):
    """verify_live's answer; a broken check is a failed check, never a pass."""
    try:
        return verify_live(
            url, revision, config, invoices_dir=options.invoices_dir, read_events=target.read_events,
            env_name=target.env_name, accept_diff=options.accept_diff,
        )  # fmt: skip
    except (DeployError, OSError, ValueError) as exc:
        return Verification([truth("verification_error", False, exc.__class__.__name__, str(exc))])


def _recorded(run: Run, stage, checks: list[Check]) -> list[Check]:
    """The verify stage's checks into the record; the stage fails when any of them does."""
    run.record.checks += checks
    stage.detail["passed"] = all(c.passed for c in checks)
    if not stage.detail["passed"]:
        stage.status = "failed"
        stage.error = summarize(checks)
    return checks


def _refuse(
    run: Run, target: Target, control: TrafficControl, candidate: str, stable: str, checks: list[Check]
) -> None:
    """A candidate that failed verification: it never served; its tag goes, the record says why."""
    failed = [c for c in checks if not c.passed]
    reason = f"candidate {candidate} refused by verification: {summarize(checks)}"
    with run.stage("decide") as stage:
        control.untag(CANDIDATE)
        view = control.view()
        stage.detail.update(outcome="refused", failed=[c.name for c in failed], traffic=view.weights)
    abandon(run.state, target.key, candidate, reason)
    run.record.decision.outcome = "aborted"
    run.record.decision.failed_checks = failed
    run.record.decision.reason = reason
    run.record.revision_after = view.serving
    run.finish("failed", reason)
    raise VerificationFailed(
        f"{reason}; it never received live traffic, {view.serving or stable} serves "
        f"{view.percent_of(view.serving or stable)}%, the `candidate` tag was removed"
    )


def run_canary(
    run: Run, target: Target, config: DeployConfig, control: TrafficControl, candidate: str, stable: str,
    backup_id: str,
) -> RunRecord:  # fmt: skip
    settings = config.rollout_for(target.env_name)
    progress = RolloutProgress(
        run_id=run.id, key=target.key, candidate=candidate, stable=stable, strategy="blue-green",
        steps=[*settings.weights, 100],
    )  # fmt: skip
    with run.stage("canary") as stage:
        stage.detail["weights"] = progress.steps
        run.serving_unsettled = "the canary gave the candidate live traffic; the next run restores stable"
        try:  # waits between steps watch for `deploy --action promote|abort` from an operator
            outcome = run_steps(
                control, settings, progress, target.read_events, lambda p: save_progress(run.state, p),
                sleep=sleep_watching_requests(run.state, target.key, run.id),
            )  # fmt: skip
        except OperatorRequested as asked:
            outcome = CanaryOutcome(asked.request.action, asked.reason, [])
            clear_request(run.state, target.key)
            run.reporter.note(asked.reason)
        except Exception as exc:  # a step that cannot be judged never leaves the candidate live traffic
            stage.detail["aborted_on_error"] = _abort_after_error(run, control, progress, exc)
            raise
        stage.detail.update(action=outcome.action, reason=outcome.reason, steps=outcome.analyses)
        run.record.metrics["canary"] = outcome.analyses
        if outcome.action == "abort":
            stage.status = "failed"
            stage.error = outcome.reason
    with run.stage("decide") as stage:
        stage.detail["outcome"] = outcome.action
        if outcome.action == "promote":
            control.promote(candidate)
            KnownGoodStore(run.state).remember(target.key, candidate, backup_id, run.id)
            progress.status, progress.current_step = "promoted", len(progress.steps) - 1
            progress.weights = {candidate: 100}
        elif outcome.action == "abort":

            def abort() -> None:  # unless an operator's abort already did it
                view = control.view()
                if view.candidate is not None or view.serving != stable:
                    control.abort()

            retrying_modified(abort)  # an operator's update at the same moment: Cloud Run's 409
            abandon(run.state, target.key, candidate, outcome.reason)
            progress.status, progress.weights = "aborted", {stable: 100}
        else:
            progress.status = "paused"
        progress.reason = outcome.reason
        save_progress(run.state, progress)
        run.serving_unsettled = None  # settled: promoted, aborted, or paused (the progress says so)
        stage.detail["traffic"] = control.view().weights
    run.record.decision.reason = outcome.reason
    if outcome.action == "promote":
        run.record.decision.outcome = "keep"
        _prune(run, config)
        return run.finish("succeeded")
    if outcome.action == "pause":
        run.reporter.note(
            f"rollout paused: {outcome.reason}; run `deploy --action promote` or `--action abort`"
        )
        return run.finish("inconclusive", outcome.reason)
    run.record.decision.outcome = "rolled_back"
    run.record.revision_after = stable
    run.finish("rolled_back", outcome.reason)
    _prune(run, config)
    raise VerificationFailed(
        f"canary of {candidate} aborted: {outcome.reason}; 100% back on stable {stable}, candidate untagged"
    )


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
        _gcloud_deploy(run, target, staging, stage.detail)
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
        verification = _verification(url, revision, config, target, options)
        run.record.metrics.update(verification.metrics)
        return _recorded(run, stage, [traffic, *verification.checks])


def _decide(
    run: Run,
    target: Target,
    config: DeployConfig,
    checks: list[Check],
    deployed: Deployed,
    backup_id: str,
    options,
) -> RunRecord:
    revision = deployed.revision
    failed = [c for c in checks if not c.passed]
    with run.stage("decide") as stage:
        if not failed:
            KnownGoodStore(run.state).remember(target.key, revision, backup_id, run.id)
            TrafficControl(target.gcloud).promote(revision)  # verified: it carries `stable` now
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


def _abort_after_error(run: Run, control: TrafficControl, progress: RolloutProgress, exc: Exception) -> str:
    """100% back on stable after an error mid-canary; what happened, for the record."""
    progress.status, progress.reason = "aborted", f"{type(exc).__name__}: {exc}"
    try:
        control.abort()
    except GcloudFailed as failed:
        note = f"the canary failed ({exc}) and the abort failed too ({failed}): run `rollback --action emergency`"
    else:
        progress.weights = {progress.stable or "": 100}
        note = f"the canary failed ({type(exc).__name__}: {exc}); 100% back on stable {progress.stable}"
    save_progress(run.state, progress)
    run.reporter.note(note)
    return note


def _prune(run: Run, config: DeployConfig) -> None:
    protected = KnownGoodStore(run.state).latest_backup_ids() | {run.record.backup_id or ""}
    removed = BackupStore(run.state).prune(config.backups.keep, protected)
    if removed:
        run.log.info("backups_pruned", removed=removed)
