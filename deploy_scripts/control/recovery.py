"""What a deploy leaves when it is stopped, and how the next command sets it right.

A signal (Ctrl-C, SIGTERM) puts 100% back on the verified revision at once (`restore_after_interrupt`):
the `stable` tag's, a rollout aborted with its candidate untagged, else the newest known-good one,
pinned by name so a deploy still running server-side leaves its revision without traffic.
A run that died without a word (SIGKILL, a lost machine) is found by the next deploy or rollback
(`recover_interrupted`): it waits for the function's operation still in flight (the API's word),
restores `stable` from an interrupted rollout, and rolls back what serves unverified.
"""

from __future__ import annotations

import time
from pathlib import Path

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from ..config import DeployConfig
from ..errors import RollbackFailed
from ..pipeline.gcloud import serving_revision
from ..pipeline.records import KnownGoodStore, utc_now
from ..pipeline.run import OnInterrupt, Run
from ..pipeline.target import Target
from ..rollout import TrafficControl, load_progress, save_progress
from ..rollout.restore import roll_back
from ..rollout.traffic import TrafficView, view_of
from .requests import clear_request
from .rollouts import abort_to_stable, active_rollout


def recover_interrupted(
    run: Run, target: Target, config: DeployConfig, invoices_dir: Path | None, resume: str | None = None
) -> list[str]:
    """Mark runs a killed process left `running`; if what serves is not verified, go back to one that is.

    `resume`: the run id of an interrupted rollout this run takes over (`deploy --action resume`):
    it is left as it is instead of being restored to `stable`.

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
    if rollout is not None and rollout.run_id in (run.id, resume):
        if rollout.run_id == resume:
            notes.append(f"rollout {resume} of {rollout.candidate} is left as it is: this run resumes it")
            run.reporter.note(notes[-1])
            return notes
        rollout = None  # this run's own
    if not notes and rollout is None:
        return notes
    # until what serves is judged, a failure leaves this run `interrupted` for the next one to check
    run.serving_unsettled = "recovery of an interrupted run did not finish"
    verified = {k.revision for k in KnownGoodStore(run.state).entries(target.key)}
    if rollout is not None and rollout.stable:
        verified.add(rollout.stable)
    if target.gcloud.reader.operation_in_progress():
        notes += pin_while_in_flight(target, verified)
        waited = wait_for_operation(target, config.deploy.deploy_timeout_seconds, run.reporter.note)
        # None: it ended while traffic was being pinned (a note of None once reached the record)
        notes.append(waited or FINISHED_WHILE_PINNING)
    if rollout is not None:  # its run holds no lock any more (this run does): nobody drives it
        notes.append(restore_stable(run, target, rollout))
    service = target.gcloud.service()
    serving, split = serving_revision(service), view_of(service)
    if split.stable is not None:
        verified.add(split.stable)
    unverified_share = [rev for rev in split.weights if rev not in verified]
    if serving is None and unverified_share and split.stable is not None:
        # a split that no rollout drives gives an unverified revision live traffic: back to stable
        abort_to_stable(TrafficControl(target.gcloud), split)
        notes.append(
            f"{', '.join(unverified_share)} took live traffic unverified ({describe_split(split)}); traffic "
            f"restored to stable {split.stable} (100%)"
        )
    elif serving and verified and serving not in verified:
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
    step = rollout.current_step
    where = "verification" if step < 0 else f"step {step + 1} of {len(rollout.steps)}"
    with run.stage("restore_stable") as stage:
        stage.detail.update(rollout=rollout.run_id, weights_before=view.weights)
        if view.stable is not None:
            stable = abort_to_stable(traffic, view)
        elif rollout.stable:  # the tag is gone (someone removed it): the revision the rollout recorded
            stable = rollout.stable
            pin(target, stable, in_flight=False)
        else:
            raise RollbackFailed(
                f"rollout {rollout.run_id} was interrupted and no `stable` revision is known to restore; "
                "name one with `rollback --action rollback --to REVISION`"
            )
        stage.detail["stable"] = stable
        rollout.status = "aborted"
        rollout.reason = f"its run stopped during {where}; restored to stable {stable} by run {run.id}"
        rollout.weights = {stable: 100}
        save_progress(run.state, rollout)
        clear_request(run.state, target.key)
    untagged = f", candidate {view.candidate} untagged" if view.candidate else ""
    return (
        f"rollout {rollout.run_id} of {rollout.candidate} was interrupted during {where} "
        f"({describe_split(view)}); traffic restored to stable {stable} (100%){untagged}"
    )


FINISHED_WHILE_PINNING = (
    "the function's operation still in flight finished before recovery had to wait for it"
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
        return [_abort_own_rollout(run, target, split, in_flight), *flight]
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


def _abort_own_rollout(run: Run, target: Target, split: TrafficView, in_flight: bool) -> str:
    stable, candidate = split.stable, split.candidate
    progress = load_progress(run.state, target.key)
    if progress is not None and progress.run_id == run.id and progress.status == "running":
        progress.status, progress.reason = "interrupted", f"interrupted during {run.record.current_stage}"
        progress.weights = {stable: 100}
        save_progress(run.state, progress)
    untagged = f"; candidate {candidate} untagged" if candidate else ""
    if pinned_to(split, stable) and candidate is None:
        return f"verified {stable} (`stable`) still serves 100%"
    abort_to_stable(TrafficControl(target.gcloud), split, in_flight)
    now = view_of(target.gcloud.service())
    if not pinned_to(now, stable):
        raise RollbackFailed(f"traffic update did not take: {describe_split(now)} serves, not {stable}")
    if pinned_to(split, stable):
        return f"verified {stable} (`stable`) still serves 100%{untagged}"
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
