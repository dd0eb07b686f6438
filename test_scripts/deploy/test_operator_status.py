"""`deploy --action status` without a running localcloud: it reads, never starts anything, says what
to run, shows a dead run as interrupted and exits 1 when what serves cannot be judged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.localcloud.client import running_endpoint
from deploy_scripts.localcloud.storage import running_storage
from deploy_scripts.pipeline.lock import LockInfo, actor
from deploy_scripts.pipeline.records import RecordStore, RunRecord, new_run_id
from deploy_scripts.pipeline.status import effective_status

STOPPED = "localcloud is not running (state {dir}), so what serves cannot be read (status never starts it)"
START = "`localcloud start` (or a `deploy`/`rollback`, which start it), then status again"


@pytest.fixture
def no_localcloud(isolated_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A localcloud state dir nobody started."""
    directory = tmp_path / "localcloud"
    monkeypatch.setenv("LOCALCLOUD_STATE_DIR", str(directory))
    return directory


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _record(pid: int, kind="deploy", status="running", **kw) -> RunRecord:
    return RunRecord(id=new_run_id(), kind=kind, env="local", function="process_invoice", actor=actor(),
                     pid=pid, started_at="2026-01-01T00:00:00+00:00", status=status, current_stage="deploy", **kw)  # fmt: skip


def _lock(record: RunRecord, lease: timedelta) -> LockInfo:
    return LockInfo(holder=record.actor, host=record.actor.rsplit("@", 1)[-1], pid=record.pid, run_id=record.id,
                    action=record.kind, started_at=record.started_at,
                    lease_expires_at=(datetime.now(UTC) + lease).isoformat())  # fmt: skip


def test_status_without_localcloud_says_so_exits_1_and_starts_nothing(
    no_localcloud: Path, isolated_env: Path
):
    killed = _record(_dead_pid())
    RecordStore(isolated_env).save(killed)
    result = CliRunner().invoke(deploy, ["--action", "status"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["process_invoice (local)", "live: unknown"]
    assert lines[-2:] == [
        f"warning {killed.kind} {killed.id} by {killed.actor} was interrupted during deploy and nobody has "
        "checked what it left; run `deploy` or `rollback --action rollback` (either checks it first and puts "
        "the verified revision back)",
        f"warning {STOPPED.format(dir=no_localcloud)}; run {START}",
    ]
    assert f"│ {killed.id} │ deploy │ interrupted │" in result.output
    assert running_endpoint(no_localcloud) is None and not no_localcloud.exists()


def test_status_json_names_the_verdict_and_the_warnings(no_localcloud: Path):
    result = CliRunner().invoke(deploy, ["--action", "status", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["verdict"] == "unknown"
    assert data["live"] == {"exists": None, "error": STOPPED.format(dir=no_localcloud), "run": START}
    assert data["warnings"] == [{"problem": STOPPED.format(dir=no_localcloud), "run": START}]
    assert not no_localcloud.exists()


def test_status_with_the_state_in_localcloud_storage_does_not_start_the_storage(
    no_localcloud: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("DEPLOY_STATE_DIR")  # the config's state URL: a bucket of localcloud's storage
    result = CliRunner().invoke(deploy, ["--action", "status", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["state"] == "gs://localcloud-deploy-state/invoice-pipeline"
    assert data["warnings"][0] == {
        "problem": "the state (runs, known-good revisions) is in localcloud's storage, which is not running",
        "run": "`localcloud start`",
    }
    assert running_storage(no_localcloud) is None and not no_localcloud.exists()


def test_a_running_record_is_interrupted_once_its_process_or_lock_is_gone():
    me = os.getpid()
    live = _record(me)
    assert effective_status(live, _lock(live, timedelta(seconds=60))) == "running"
    assert effective_status(live, None) == "interrupted"  # it never releases its lock before finishing
    assert effective_status(live, _lock(live, timedelta(seconds=-5))) == "interrupted"  # lease expired
    other = _record(me)
    assert effective_status(live, _lock(other, timedelta(seconds=60))) == "interrupted"  # lock taken over
    assert effective_status(_record(_dead_pid()), None) == "interrupted"
    assert effective_status(_record(me, kind="watch"), None) == "running"  # a watch holds no lock
    assert effective_status(_record(me, status="succeeded"), None) == "succeeded"


def test_history_shows_a_killed_run_as_interrupted(isolated_env: Path):
    from deploy_scripts.cli.rollback_cmd import main as rollback

    killed = _record(_dead_pid())
    RecordStore(isolated_env).save(killed)
    result = CliRunner().invoke(rollback, ["--action", "history", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [(r["id"], r["status"]) for r in data["runs"]] == [(killed.id, "interrupted")]
    assert data["summary"]["interrupted"] == 1 and data["summary"]["running"] == []
