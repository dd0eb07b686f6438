"""End to end: the real gcloud CLI deploying to localcloud, verified over HTTP, rolled back for real.

The tests share one localcloud and one function and run in file order, each leaving the function
serving a verified revision (which is itself one of the things being tested).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.localcloud.settings import StatePaths
from deploy_scripts.localcloud.staging import stage_project_source
from deploy_scripts.pipeline.backup import BackupStore
from deploy_scripts.pipeline.gcloud import deploy_command, env_vars_file, revision_names, serving_revision
from deploy_scripts.pipeline.records import KnownGoodStore, RecordStore
from test_scripts.polling import poll

from .conftest import localcloud_environment, sabotage, write_config

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    # these tests exercise the all-at-once path, its rollbacks and recovery; blue-green and canary
    # deploys are test_rollout_e2e.py's
    with localcloud_environment(root) as target:
        patch = pytest.MonkeyPatch()
        patch.setenv("DEPLOY_ROLLOUT_STRATEGY", "all-at-once")
        try:
            yield Cloud(root, target)
        finally:
            patch.undo()


class Cloud:
    def __init__(self, root: Path, target):
        self.root = root
        self.state = root / "state"
        self.target = target

    def serving(self) -> str | None:
        return serving_revision(self.target.gcloud.service())

    def revisions(self) -> list[str]:
        return revision_names(self.target.gcloud.revisions())

    def known_good(self) -> list[str]:
        return [k.revision for k in KnownGoodStore(self.state).entries(self.target.key)]

    def records(self):
        return RecordStore(self.state).all()

    def source_copy(self, name: str) -> Path:
        return stage_project_source(self.root / name)


def run_cli(command, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(command, [*args, "--json"], catch_exceptions=False)
    try:
        return result.exit_code, json.loads(result.stdout)
    except ValueError:
        raise AssertionError(f"not JSON (exit {result.exit_code}): {result.output[-3000:]}") from None


def spawn(*args: str, **kw) -> subprocess.Popen:
    script = Path(sys.executable).with_name(args[0])
    return subprocess.Popen(
        [str(script), *args[1:], "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
    )


def check(record: dict, name: str) -> dict:
    return next(c for c in record["checks"] if c["name"] == name)


def test_good_deploy(cloud: Cloud):
    code, out = run_cli(deploy, "--action", "deploy")
    assert code == 0, out
    record = out["record"]
    assert [s["name"] for s in record["stages"]] == ["lock", "gate", "backup", "deploy", "verify", "decide"]
    assert all(s["status"] == "passed" for s in record["stages"])
    revision = record["revision_after"]
    assert cloud.serving() == revision
    assert check(record, "new_revision_serving_100")["passed"]
    assert check(record, "reference_accuracy")["measured"] >= 0.90
    assert check(record, "reference_items")["measured"] >= 130
    assert check(record, "health")["passed"]
    # the production event path: memory and the function's own count come from LogEntries read
    # through the Cloud Logging API (localcloud's here), parsed by the one parser
    sample = record["metrics"]["load_sample"]
    assert sample["function_events"] == sample["requests"] == 2 and sample["errors"] == 0
    assert (
        check(record, "memory_mb")["passed"]
        and check(record, "memory_mb")["measured"] == sample["peak_memory_mb"] > 0
    )
    entries = cloud.target.read_events(revision, None)
    assert entries and all(e["logName"].endswith("run.googleapis.com%2Fstdout") for e in entries)
    assert all("timestamp" not in e["jsonPayload"] and "severity" not in e["jsonPayload"] for e in entries)
    # the backup holds the exact zip that was uploaded, checksummed, with what was live before
    backup = BackupStore(cloud.state).load(record["backup_id"])
    assert backup.deployed_revision == revision and backup.git_commit
    BackupStore(cloud.state).verified_zip(backup)
    assert cloud.known_good()[-1] == revision
    # gcloud ran with the env values masked in the record
    assert "INVOICE_PARSER=***" in " ".join(record["command"])
    code, status = run_cli(deploy, "--action", "status")
    assert (
        code == 0
        and status["live"]["serving"] == revision
        and status["summary"]["deploy_success_rate"] == 1.0
    )


def test_dry_run_shows_differences_and_changes_nothing(cloud: Cloud):
    revisions, records = cloud.revisions(), len(cloud.records())
    code, plan = run_cli(deploy, "--dry-run")
    assert code == 0, plan
    assert plan["differences"] == [] and plan["gate"]["passed"] is True
    changed = write_config(
        cloud.root / "changed.toml",
        environments__local__localcloud_dir=str(cloud.root / "localcloud"),
        environments__local__memory="2GiB",
        environments__local__env_vars={**cloud.target.environment.env_vars, "NEW_FLAG": "on"},
    )
    code, plan = run_cli(deploy, "--dry-run", "--skip-validation", "--config", str(changed))
    assert code == 0, plan
    assert plan["differences"] == [
        {"setting": "memory", "change": "changed", "config": "2GiB", "live": "1Gi"},
        {"setting": "env_vars.NEW_FLAG", "change": "added", "config": "***", "live": "(unset)"},
    ]
    assert "NEW_FLAG=***" in plan["command"][plan["command"].index("--env-vars-file") + 1]
    assert cloud.revisions() == revisions and len(cloud.records()) == records


def test_gate_refuses_a_sabotaged_source(cloud: Cloud):
    before = cloud.revisions()
    code, out = run_cli(deploy, "--source-dir", str(sabotage(cloud.source_copy("gated"))))
    assert code == 1
    assert out["error"].startswith("the readiness gate failed (readiness ")
    assert out["error"].endswith("nothing was deployed")
    assert [s["name"] for s in out["record"]["stages"]] == ["lock", "gate"]
    assert cloud.revisions() == before


def test_bad_deploy_is_rolled_back_automatically(cloud: Cloud):
    good = cloud.serving()
    source = sabotage(cloud.source_copy("sabotaged"))
    code, out = run_cli(deploy, "--skip-validation", "--source-dir", str(source))
    assert code == 1
    record = out["record"]
    bad = next(s for s in record["stages"] if s["name"] == "deploy")["detail"]["revision"]
    assert bad != good
    assert out["error"].startswith(f"verification of {bad} failed: reference_accuracy = ")
    assert out["error"].endswith(f"rolled back to {good} (fast path, verified)")
    assert record["status"] == "rolled_back" and record["decision"]["outcome"] == "rolled_back"
    assert record["stages"][1] == record["stages"][1] | {"name": "gate", "status": "skipped"}
    failed = {c["name"]: c["measured"] for c in record["decision"]["failed_checks"]}
    assert failed["reference_accuracy"] < 0.9 and failed["reference_items"] < 130
    assert cloud.serving() == good
    assert bad not in cloud.known_good()


def test_rollback_to_a_backup_that_does_not_exist_is_a_usage_error(cloud: Cloud):
    serving = cloud.serving()
    result = CliRunner().invoke(rollback, ["--action", "rollback", "--to", "backup_19990101T000000Z_nope"])
    assert result.exit_code == 2, result.output
    assert "--to backup_19990101T000000Z_nope: no such backup in" in result.output
    assert cloud.serving() == serving


def test_emergency_rollback_shifts_traffic_without_a_rebuild(cloud: Cloud):
    # how fast it is, is measured by bench/bench_deploy.py; here: it only moves traffic
    previous = cloud.serving()
    code, out = run_cli(deploy, "--skip-validation")  # the same good source, a new verified revision
    assert code == 0, out
    newer = out["record"]["revision_after"]
    assert cloud.serving() == newer != previous
    revisions = cloud.revisions()
    code, out = run_cli(rollback, "--action", "emergency", "--reason", "customer reports missing rows")
    assert code == 0, out
    assert cloud.revisions() == revisions  # no new build: the old revision serves again
    record = out["record"]
    assert record["kind"] == "emergency" and record["reason"] == "customer reports missing rows"
    assert record["revision_after"] == previous and cloud.serving() == previous
    assert [s["name"] for s in record["stages"]] == ["lock", "fast_path"]
    code, history = run_cli(rollback, "--action", "history")
    last = history["runs"][-1]
    assert last["kind"] == "emergency" and "customer reports missing rows" in last["reason"]


def test_next_deploy_moves_pinned_traffic_to_its_revision(cloud: Cloud):
    pinned = cloud.serving()
    code, out = run_cli(deploy, "--skip-validation")
    assert code == 0, out
    deploy_stage = next(s for s in out["record"]["stages"] if s["name"] == "deploy")
    assert deploy_stage["detail"]["traffic_was"][0]["revision"] == pinned
    assert cloud.serving() == out["record"]["revision_after"] != pinned


def test_rollback_to_a_named_backup(cloud: Cloud):
    first = cloud.records()[0]  # test_good_deploy's run
    backup = BackupStore(cloud.state).load(first.backup_id)
    assert cloud.serving() != backup.deployed_revision
    code, out = run_cli(rollback, "--to", backup.id, "--reason", "back to the first release")
    assert code == 0, out
    record = out["record"]
    assert record["revision_after"] == backup.deployed_revision == cloud.serving()
    assert record["metrics"]["path"] == "fast" and record["backup_id"] == backup.id


def test_concurrent_deploys(cloud: Cloud):
    first = spawn("deploy", "--skip-validation")
    time.sleep(0.5)
    second = spawn("deploy", "--skip-validation")
    second_out, _ = second.communicate(timeout=60)
    first_out, first_err = first.communicate(timeout=300)
    assert second.returncode == 1
    refused = json.loads(second_out)
    assert refused["error_type"] == "LockHeld" and " is locked by " in refused["error"]
    assert f"(pid {first.pid}, deploy " in refused["error"]
    assert first.returncode == 0, first_err[-2000:]


def test_a_deploy_waits_out_another_operation_on_the_function(cloud: Cloud, stack: ExitStack):
    """Someone else's `gcloud functions deploy` is still running: gcloud answers 409 "unable to queue
    the operation", and the pipeline retries instead of failing (or deploying over it)."""
    release = cloud.root / "release-slow-start"
    slow = cloud.source_copy("slow-start")
    main_py = slow / "main.py"
    main_py.write_text(main_py.read_text() + SLOW_START.format(release=str(release)))
    gcloud = cloud.target.gcloud
    env_file = stack.enter_context(env_vars_file(cloud.target.environment))  # gcloud reads it at start
    other = subprocess.Popen(
        deploy_command(cloud.target.environment, slow, env_file),
        env=gcloud.process_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: (gcloud.describe() or {}).get("state") == "DEPLOYING", "the other deploy to start")
        mine = spawn("deploy", "--skip-validation")
        wait_for(lambda: QUEUE_REFUSAL in server_log(cloud), "gcloud to be refused with a 409")
    finally:
        release.touch()
    _, other_err = other.communicate(timeout=120)
    assert other.returncode == 0, other_err[-2000:]
    out, err = mine.communicate(timeout=300)
    assert mine.returncode == 0, (out[-2000:], err[-2000:])
    record = json.loads(out)["record"]
    deploy_stage = next(s for s in record["stages"] if s["name"] == "deploy")
    assert deploy_stage["detail"]["gcloud_attempts"] >= 2
    assert cloud.serving() == record["revision_after"]


SLOW_START = """
import pathlib, time

for _ in range(600):  # a cold start that lasts until the test says so (at most a minute)
    if pathlib.Path({release!r}).exists():
        break
    time.sleep(0.1)
"""
QUEUE_REFUSAL = "unable to queue the operation"


def server_log(cloud: Cloud) -> str:
    return StatePaths(cloud.target.endpoint.state_dir).server_log.read_text(errors="replace")


def wait_for(condition, what: str) -> None:
    assert poll(condition, bool, timeout=60, interval=0.2), f"timed out waiting for {what}"


def test_killed_deploy_is_recovered_by_the_next_run(cloud: Cloud):
    good = cloud.serving()
    source = sabotage(cloud.source_copy("killed"))
    victim = spawn("deploy", "--skip-validation", "--source-dir", str(source), start_new_session=True)
    record = _wait_for_stage(cloud, victim, "verify")
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    unverified = cloud.serving()
    assert unverified != good  # the sabotaged revision took traffic before verification finished
    code, out = run_cli(deploy, "--skip-validation")
    assert code == 0, out
    recovered = out["record"]["recovered"]
    assert recovered[0] == f"deploy {record.id} by {record.actor} was interrupted during verify"
    assert recovered[1].startswith(f"{unverified} was serving unverified; traffic restored to verified")
    assert [s["name"] for s in out["record"]["stages"]][:2] == ["lock", "recover"]
    stale = next(r for r in cloud.records() if r.id == record.id)
    assert stale.status == "interrupted"
    assert cloud.serving() == out["record"]["revision_after"]


def _wait_for_stage(cloud: Cloud, process: subprocess.Popen, stage: str):
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        for record in RecordStore(cloud.state).running(cloud.target.environment.function, "local"):
            if record.pid == process.pid and record.current_stage == stage:
                return record
        if process.poll() is not None:
            raise AssertionError(f"deploy ended before {stage}: {process.stdout.read()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError(f"deploy never reached {stage}")


def test_watch_without_traffic_is_inconclusive(cloud: Cloud):
    serving = cloud.serving()
    code, out = run_cli(rollback, "--action", "watch", "--minutes", "0.04", "--interval", "0.8")
    assert code == 0, out
    record = out["record"]
    assert record["status"] == "inconclusive"
    assert record["decision"]["reason"] == f"inconclusive: 0 events (< 3) for {serving}"
    assert cloud.serving() == serving


def test_watch_rolls_back_when_the_error_rate_trips(cloud: Cloud):
    import threading

    import requests

    serving = cloud.serving()
    previous = KnownGoodStore(cloud.state).latest(cloud.target.key, excluding=serving).revision
    url = cloud.target.function_url(None)
    stop = threading.Event()

    # documents the function must refuse: each one a real invoice_failed event (a refused document
    # writes nothing; dry runs would be synthetic traffic, which watch rightly leaves out)
    def garbage_traffic() -> None:
        while not stop.is_set():
            requests.post(url, files={"invoice_file": ("x.pdf", b"%PDF-1.4 broken", "application/pdf")},
                          timeout=10)  # fmt: skip
            time.sleep(0.1)

    sender = threading.Thread(target=garbage_traffic, daemon=True)
    sender.start()
    try:
        code, out = run_cli(rollback, "--action", "watch", "--minutes", "0.2", "--interval", "1")
    finally:
        stop.set()
        sender.join(15)
    assert code == 1, out
    record = out["record"]
    assert record["status"] == "rolled_back"
    assert record["decision"]["reason"].startswith("watch: error_rate = 1.0 (needs <= 0.1)")
    assert cloud.serving() == previous == record["revision_after"]


def test_ctrl_c_mid_verify_puts_the_verified_revision_back(cloud: Cloud):
    good = cloud.serving()
    victim = spawn("deploy", "--skip-validation", "--source-dir", str(sabotage(cloud.source_copy("ctrl-c"))))
    record = _wait_for_stage(cloud, victim, "verify")
    victim.send_signal(signal.SIGINT)
    assert victim.wait(30) == 130
    interrupted = next(r for r in cloud.records() if r.id == record.id)
    assert interrupted.status == "interrupted" and interrupted.current_stage == "verify"
    assert interrupted.error.startswith(f"SIGINT during stage 'verify'; traffic put back on verified {good}")
    assert cloud.serving() == good  # at once, by the interrupted run itself (test_interrupts_e2e.py has more)


def test_rollback_when_the_revision_is_gone_takes_the_slow_path(cloud: Cloud):
    """Someone deleted the function: every revision is gone, only the backup can bring it back."""
    keep = cloud.serving()
    cloud.target.gcloud.delete_function()
    assert cloud.revisions() == []
    code, out = run_cli(rollback, "--action", "rollback", "--reason", "drill: function deleted")
    assert code == 0, out
    record = out["record"]
    assert [s["name"] for s in record["stages"]] == ["lock", "fast_path", "slow_path"]
    assert record["stages"][1]["status"] == "failed"
    assert f"revision {keep} no longer exists" in record["stages"][1]["error"]
    restored = record["revision_after"]
    assert restored != keep and cloud.serving() == restored
    assert record["metrics"]["path"] == "slow"
    slow = record["stages"][2]["detail"]
    backup = BackupStore(cloud.state).find_by_revision(keep)
    assert slow["backup"] == backup.id and slow["source_sha256"] == backup.source_sha256
    assert check(record, "reference_accuracy")["measured"] >= 0.85
    assert cloud.known_good()[-1] == restored
