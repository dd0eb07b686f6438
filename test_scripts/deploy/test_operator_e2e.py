"""Operator control of a rollout on localcloud through the real gcloud, against a real `deploy`
process driving a canary step (here 120 s long, so the operator acts mid-step): status --watch,
`rollback --action emergency` during the canary, a rollout killed mid-step restored to `stable` by
the next command, `deploy --action resume` then `promote` of a live rollout, and abort / promote of
a rollout whose run is gone.
The tests share one localcloud and run in file order.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.pipeline.lock import actor
from deploy_scripts.pipeline.records import RecordStore, RunRecord, new_run_id
from deploy_scripts.rollout import RolloutProgress, TrafficControl, load_progress, save_progress
from test_scripts.polling import poll

from .conftest import localcloud_environment, write_config
from .test_e2e_localcloud import Cloud, run_cli, spawn

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]

STEP_SECONDS = 120


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    root = tmp_path_factory.mktemp("operator")
    with localcloud_environment(root) as target:
        # one long canary step of 50%: the operator acts while the deploy waits in it
        write_config(
            root / "deploy.toml",
            environments__local__localcloud_dir=str(root / "localcloud"),
            rollout__environments__local__weights=[50],
            rollout__environments__local__step_seconds=STEP_SECONDS,
        )
        world = Cloud(root, target)
        code, out = run_cli(deploy, "--skip-validation")
        assert code == 0, out
        world.stable = out["record"]["revision_after"]
        yield world


def start_rollout(cloud: Cloud, name: str) -> tuple[subprocess.Popen, RolloutProgress]:
    """A real deploy of a copy of the source, waited for until its canary step runs."""
    driver = spawn(
        "deploy", "--skip-validation", "--source-dir", str(cloud.source_copy(name)), start_new_session=True
    )

    def canary_running() -> RolloutProgress | None:
        if driver.poll() is not None:
            raise AssertionError(f"deploy ended before its canary: {driver.stdout.read()[-2000:]}")
        progress = load_progress(cloud.state, cloud.target.key)
        fresh = progress is not None and progress.status == "running" and progress.current_step == 0
        return progress if fresh and progress.candidate != cloud.stable else None

    progress = poll(canary_running, bool, timeout=300, interval=0.2)  # a deploy: backup, build, verify
    assert progress, "timed out waiting for the canary step to start"
    return driver, progress


def weights(cloud: Cloud) -> tuple[dict[str, int], str | None, str | None]:
    view = TrafficControl(cloud.target.gcloud).view()
    return view.weights, view.stable, view.candidate


def finished(driver: subprocess.Popen) -> tuple[int, dict]:
    out, _ = driver.communicate(timeout=60)
    return driver.returncode, json.loads(out)


def test_watch_then_an_emergency_aborts_a_live_rollout(cloud: Cloud):
    driver, progress = start_rollout(cloud, "abort")
    candidate = progress.candidate
    result = CliRunner().invoke(deploy, ["--action", "status", "--watch", "--watch-seconds", "0", "--json"])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()  # one frame
    frame = json.loads(line)
    rollout = frame["rollout"]
    assert (rollout["run_id"], rollout["status"], rollout["step"], rollout["candidate_weight"]) == (
        progress.run_id,
        "running",
        "1/2",
        50,
    )
    assert 0 < rollout["seconds_left_in_step"] <= STEP_SECONDS
    assert {e["revision"]: e["percent"] for e in frame["traffic"] if e["percent"]} == {
        cloud.stable: 50,
        candidate: 50,
    }
    assert frame["tags"] == {"stable": cloud.stable, "candidate": candidate}
    assert frame["verdict"] == "ok" and frame["warnings"] == []  # the candidate's 50% is the rollout's
    shown = CliRunner().invoke(deploy, ["--action", "status", "--watch", "--watch-seconds", "0"])
    assert shown.exit_code == 0
    assert (
        f"rollout {progress.run_id}  status running  strategy blue-green  step 1/2 (steps [50, 100])"
        in shown.output
    )
    assert f"│ {candidate} │ candidate │ 50       │" in shown.output
    # an emergency during the canary aborts it, though the rollout's run holds the lock: `deploy
    # --action abort` takes the same path (control_rollout), the CLI adds only the reason
    code, out = run_cli(rollback, "--action", "emergency", "--reason", "drill: bad canary")
    assert code == 0, out
    assert out["driver"] == "alive" and out["status"] == "aborted"
    assert out["message"] == f"rollout {progress.run_id} aborted: {cloud.stable} 100%"
    assert weights(cloud) == ({cloud.stable: 100}, cloud.stable, None)
    code, answer = finished(driver)  # the deploy acted at once, long before its step's end
    assert code == 1
    assert answer["error"].startswith(f"canary of {candidate} aborted: abort by {actor()} at ")
    assert load_progress(cloud.state, cloud.target.key).status == "aborted"


def test_a_rollout_killed_mid_step_is_restored_to_stable_by_the_next_command(cloud: Cloud):
    driver, progress = start_rollout(cloud, "killed")
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait(10)
    candidate = progress.candidate
    code, status = run_cli(deploy, "--action", "status")
    assert code == 1 and status["verdict"] == "unverified"
    problems = [w["problem"] for w in status["warnings"]]
    assert (
        f"rollout {progress.run_id} of {candidate} is running but its run is gone: nobody drives it"
        in problems
    )
    assert f"{candidate} serves 50% but is not verified (not tagged `stable`, not in known-good)" in problems
    code, out = run_cli(rollback, "--action", "rollback", "--reason", "after a killed rollout")
    assert code == 0, out
    recovered = out["record"]["recovered"]
    assert recovered[0] == f"deploy {progress.run_id} by {actor()} was interrupted during canary"
    assert recovered[1].startswith(
        f"rollout {progress.run_id} of {candidate} was interrupted during step 1 of 2 ("
    )
    assert f"{cloud.stable} 50%" in recovered[1] and f"{candidate} 50%" in recovered[1]
    assert recovered[1].endswith(
        f"); traffic restored to stable {cloud.stable} (100%), candidate {candidate} untagged"
    )
    assert out["record"]["decision"]["reason"] == f"recovery of an interrupted run restored {cloud.stable}"
    assert weights(cloud) == ({cloud.stable: 100}, cloud.stable, None)
    stored = load_progress(cloud.state, cloud.target.key)
    assert stored.status == "aborted" and stored.reason.startswith("its run stopped during step 1 of 2")
    assert run_cli(deploy, "--action", "status")[0] == 0
    cloud.killed_candidate = candidate


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def orphan_rollout(cloud: Cloud, candidate: str) -> str:
    """`candidate` at 50% in step 1 of a rollout whose run is gone (as above, after it passed verification)."""
    traffic = TrafficControl(cloud.target.gcloud)
    traffic.tag(candidate, "candidate")
    traffic.shift(candidate, 50, cloud.stable)
    run_id = new_run_id()
    RecordStore(cloud.state).save(
        RunRecord(id=run_id, kind="deploy", env="local", function=cloud.target.environment.function, actor=actor(),
                  pid=_dead_pid(), started_at=datetime.now(UTC).isoformat(timespec="seconds"), current_stage="canary")
    )  # fmt: skip
    save_progress(cloud.state, RolloutProgress(
        run_id=run_id, key=cloud.target.key, candidate=candidate, stable=cloud.stable, steps=[50, 100],
        current_step=0, weights={cloud.stable: 50, candidate: 50},
    ))  # fmt: skip
    return run_id


def test_resume_takes_over_an_orphaned_rollout_and_promote_finishes_it(cloud: Cloud):
    candidate = cloud.killed_candidate
    orphan = orphan_rollout(cloud, candidate)
    driver = spawn("deploy", "--action", "resume", start_new_session=True)

    def resumed() -> RolloutProgress | None:
        if driver.poll() is not None:
            raise AssertionError(f"resume ended early: {driver.stdout.read()[-2000:]}")
        progress = load_progress(cloud.state, cloud.target.key)
        return progress if progress.run_id != orphan and progress.status == "running" else None

    progress = poll(resumed, bool, timeout=120, interval=0.2)
    assert progress and progress.candidate == candidate and progress.current_step == 0
    assert weights(cloud) == ({cloud.stable: 50, candidate: 50}, cloud.stable, candidate)  # left as it was
    code, out = run_cli(deploy, "--action", "promote")
    assert code == 0, out
    assert (
        out["driver"] == "alive" and out["message"] == f"rollout {progress.run_id} promoted: {candidate} 100%"
    )
    code, answer = finished(driver)
    assert code == 0, answer
    record = answer["record"]
    assert record["recovered"][-1] == f"rollout {orphan} of {candidate} is left as it is: this run resumes it"
    assert record["decision"]["reason"].startswith(f"promote by {actor()} at ")
    assert weights(cloud) == ({candidate: 100}, candidate, None)
    assert cloud.known_good()[-1] == candidate
    cloud.stable, cloud.killed_candidate = candidate, cloud.stable


def test_abort_and_promote_a_rollout_whose_run_is_gone(cloud: Cloud):
    candidate = cloud.killed_candidate  # the previous stable
    run_id = orphan_rollout(cloud, candidate)
    code, out = run_cli(deploy, "--action", "abort")
    assert code == 0, out
    assert out["driver"] == "gone" and out["serving"] == cloud.stable
    assert out["message"] == (
        f"aborted rollout {run_id}: {cloud.stable} serves 100% (`stable`), the candidate untagged"
    )
    assert weights(cloud) == ({cloud.stable: 100}, cloud.stable, None)
    assert load_progress(cloud.state, cloud.target.key).status == "aborted"
    run_id = orphan_rollout(cloud, candidate)
    code, out = run_cli(deploy, "--action", "promote")
    assert code == 0, out
    assert out["driver"] == "gone" and out["serving"] == candidate
    assert (
        out["message"] == f"promoted rollout {run_id}: {candidate} serves 100% and carries the `stable` tag"
    )
    assert weights(cloud) == ({candidate: 100}, candidate, None)
    assert cloud.known_good()[-1] == candidate
    assert load_progress(cloud.state, cloud.target.key).status == "promoted"
    code, again = run_cli(deploy, "--action", "promote")
    assert code == 2
    assert again["error"] == (
        f"no rollout of process_invoice is in progress (the last one, of {candidate}, is promoted); "
        "`deploy --action status` shows what serves"
    )
