"""Operator control of a rollout on localcloud through the real gcloud: status --watch, abort, promote,
an interrupted rollout restored to `stable` by the next command, and an emergency during a canary.

The rollout is set up with the real traffic commands (pin, deploy at 0%, tag, shift 10%) and its
progress as the rollout module stores it. "Driven" means its run holds the function's lock, as a
deploy driving a canary does; a rollout whose run is gone is "orphaned".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.control.requests import pending_request
from deploy_scripts.pipeline.gcloud import deploy_command
from deploy_scripts.pipeline.lock import FunctionLock, actor
from deploy_scripts.pipeline.records import RecordStore, RunRecord, new_run_id
from deploy_scripts.rollout import RolloutProgress, TrafficControl, load_progress, save_progress

from .conftest import localcloud_environment
from .test_e2e_localcloud import Cloud, run_cli

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    root = tmp_path_factory.mktemp("operator")
    with localcloud_environment(root) as target:
        world = Cloud(root, target)
        code, out = run_cli(deploy, "--skip-validation")
        assert code == 0, out
        world.stable = out["record"]["revision_after"]
        traffic = TrafficControl(target.gcloud)
        traffic.pin(world.stable)
        traffic.tag(world.stable, "stable")
        target.gcloud.run(deploy_command(target.environment, world.source_copy("candidate")))  # 0%: pinned
        (world.candidate,) = set(world.revisions()) - {world.stable}
        yield world


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def start_canary(cloud: Cloud, pid: int) -> RolloutProgress:
    """10% to the candidate at step 1 of 3, recorded as the rollout of a run with process `pid`."""
    traffic = TrafficControl(cloud.target.gcloud)
    traffic.tag(cloud.candidate, "candidate")
    traffic.shift(cloud.candidate, 10, cloud.stable)
    run_id = new_run_id()
    RecordStore(cloud.state).save(
        RunRecord(id=run_id, kind="deploy", env="local", function=cloud.target.environment.function, actor=actor(),
                  pid=pid, started_at=datetime.now(UTC).isoformat(timespec="seconds"), current_stage="canary")
    )  # fmt: skip
    now = datetime.now(UTC)
    progress = RolloutProgress(
        run_id=run_id, key=cloud.target.key, candidate=cloud.candidate, stable=cloud.stable, steps=[10, 50, 100],
        current_step=0, weights={cloud.stable: 90, cloud.candidate: 10},
        step_started_at=now.isoformat(), step_ends_at=(now + timedelta(seconds=300)).isoformat(),
        analysis={cloud.candidate: {"events": 4, "error_rate": 0.0, "p95_seconds": 1.2},
                  cloud.stable: {"events": 36, "error_rate": 0.0, "p95_seconds": 1.1}},
    )  # fmt: skip
    save_progress(cloud.state, progress)
    return progress


def weights(cloud: Cloud) -> tuple[dict[str, int], str | None, str | None]:
    view = TrafficControl(cloud.target.gcloud).view()
    return view.weights, view.stable, view.candidate


def test_status_watch_shows_the_rollout_of_a_live_run(cloud: Cloud):
    progress = start_canary(cloud, os.getpid())
    lock = FunctionLock(cloud.state, cloud.target.key, progress.run_id, "deploy").acquire()  # the driver
    try:
        result = CliRunner().invoke(
            deploy, ["--action", "status", "--watch", "--watch-seconds", "0", "--json"]
        )
        assert result.exit_code == 0, result.output
        (line,) = result.output.splitlines()  # one frame
        frame = json.loads(line)
        rollout = frame["rollout"]
        assert (rollout["run_id"], rollout["status"], rollout["step"], rollout["candidate_weight"]) == (
            progress.run_id,
            "running",
            "1/3",
            10,
        )
        assert 0 < rollout["seconds_left_in_step"] <= 300
        assert rollout["analysis"][cloud.candidate] == {"events": 4, "error_rate": 0.0, "p95_seconds": 1.2}
        assert {e["revision"]: e["percent"] for e in frame["traffic"] if e["percent"]} == {
            cloud.stable: 90,
            cloud.candidate: 10,
        }
        assert frame["tags"] == {"stable": cloud.stable, "candidate": cloud.candidate}
        assert frame["verdict"] == "ok" and frame["warnings"] == []  # the candidate's 10% is the rollout's
        shown = CliRunner().invoke(deploy, ["--action", "status", "--watch", "--watch-seconds", "0"])
        assert shown.exit_code == 0
        assert (
            f"rollout {progress.run_id}  status running  strategy blue-green  step 1/3 (steps [10, 50, 100])"
            in (shown.output)
        )
        assert (
            f"│ {cloud.candidate} │ candidate │ 10       │ 0.0        │ 4      │ 1.2         │"
            in shown.output
        )
        # abort while the driver holds the lock: traffic back at once, the driver told (it acknowledges)
        acknowledged = threading.Event()

        def driver() -> None:
            while not acknowledged.is_set():
                request = pending_request(cloud.state, cloud.target.key, progress.run_id)
                if request is not None:
                    assert request.action == "abort"
                    assert weights(cloud) == ({cloud.stable: 100}, cloud.stable, None)  # done before it asked
                    save_progress(cloud.state, progress.model_copy(update={"status": "aborted"}))
                    acknowledged.set()
                acknowledged.wait(0.2)

        thread = threading.Thread(target=driver, daemon=True)
        thread.start()
        code, out = run_cli(deploy, "--action", "abort")
        acknowledged.set()
        thread.join(10)
    finally:
        lock.release()
    assert code == 0, out
    assert out["driver"] == "alive" and out["status"] == "aborted"
    assert out["message"] == f"rollout {progress.run_id} aborted: {cloud.stable} 100%"
    assert weights(cloud) == ({cloud.stable: 100}, cloud.stable, None)


def test_a_rollout_killed_mid_step_is_restored_to_stable_by_the_next_command(cloud: Cloud):
    progress = start_canary(cloud, _dead_pid())
    code, status = run_cli(deploy, "--action", "status")
    assert code == 1 and status["verdict"] == "unverified"
    assert status["warnings"][-2]["problem"] == (
        f"rollout {progress.run_id} of {cloud.candidate} is running but its run is gone: nobody drives it"
    )
    assert status["warnings"][-1]["problem"].startswith(f"{cloud.candidate} serves 10% but is not verified")
    code, out = run_cli(rollback, "--action", "rollback", "--reason", "after a killed rollout")
    assert code == 0, out
    recovered = out["record"]["recovered"]
    assert recovered[0].startswith(f"deploy {progress.run_id} by ")
    assert recovered[1] == (
        f"rollout {progress.run_id} of {cloud.candidate} was interrupted during step 1 of 3 "
        f"({cloud.stable} 90%, {cloud.candidate} 10%); traffic restored to stable {cloud.stable} (100%), "
        f"candidate {cloud.candidate} untagged"
    )
    assert weights(cloud) == ({cloud.stable: 100}, cloud.stable, None)
    stored = load_progress(cloud.state, cloud.target.key)
    assert stored.status == "aborted" and stored.reason.startswith("its run stopped during step 1 of 3")
    assert run_cli(deploy, "--action", "status")[0] == 0


def test_promote_an_orphaned_rollout_moves_stable_to_the_candidate(cloud: Cloud):
    progress = start_canary(cloud, _dead_pid())
    code, out = run_cli(deploy, "--action", "promote")
    assert code == 0, out
    assert out["driver"] == "gone" and out["serving"] == cloud.candidate
    assert out["message"] == (
        f"promoted rollout {progress.run_id}: {cloud.candidate} serves 100% and carries the `stable` tag"
    )
    assert weights(cloud) == ({cloud.candidate: 100}, cloud.candidate, None)
    assert cloud.known_good()[-1] == cloud.candidate
    assert load_progress(cloud.state, cloud.target.key).status == "promoted"
    code, again = run_cli(deploy, "--action", "promote")
    assert code == 2
    assert again["error"] == (
        f"no rollout of process_invoice is in progress (the last one, of {cloud.candidate}, is promoted); "
        "`deploy --action status` shows what serves"
    )
    cloud.stable, cloud.candidate = cloud.candidate, cloud.stable  # the old stable is the next candidate


def test_emergency_during_a_canary_aborts_it_while_its_run_holds_the_lock(cloud: Cloud):
    progress = start_canary(cloud, os.getpid())
    lock = FunctionLock(cloud.state, cloud.target.key, progress.run_id, "deploy").acquire()
    try:
        code, out = run_cli(rollback, "--action", "emergency", "--reason", "drill: bad canary")
        request = pending_request(cloud.state, cloud.target.key, progress.run_id)
    finally:
        lock.release()
    assert code == 0, out
    assert weights(cloud) == ({cloud.stable: 100}, cloud.stable, None)
    assert request is not None and request.action == "abort"  # the driver is told to stop
    assert out["message"] == (
        f"traffic is back on stable {cloud.stable} ({cloud.stable} 100%); rollout run {progress.run_id} has not "
        "recorded the abort yet and will at its next check"
    )
