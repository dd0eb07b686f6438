from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy_scripts.errors import LockHeld
from deploy_scripts.pipeline.lock import FunctionLock

HOLDER = """
import sys, time
from pathlib import Path
from deploy_scripts.pipeline.lock import FunctionLock
FunctionLock(Path(sys.argv[1]), "local.p.r.fn", "run-held", "deploy").acquire()
print("held", flush=True)
time.sleep(60)
"""


def _hold_in_child(state_dir: Path) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_dir)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "held"
    return child


def test_second_holder_fails_at_once_naming_who_and_since(state_dir: Path):
    child = _hold_in_child(state_dir)
    try:
        started = time.monotonic()
        with pytest.raises(LockHeld) as error:
            FunctionLock(state_dir, "local.p.r.fn", "run-2", "deploy").acquire()
        assert time.monotonic() - started < 1.0
        message = str(error.value)
        assert message.startswith("local.p.r.fn is locked by ")
        assert f"(pid {child.pid}, deploy run-held) since 20" in message
        assert message.endswith(
            "wait for it to finish (`deploy --action status` shows progress) and try again"
        )
    finally:
        child.kill()
        child.wait()


def test_killed_holder_releases_and_leaves_its_body_as_evidence(state_dir: Path):
    child = _hold_in_child(state_dir)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    lock = FunctionLock(state_dir, "local.p.r.fn", "run-3", "rollback").acquire()
    try:
        assert lock.stale is not None and lock.stale.pid == child.pid and lock.stale.run_id == "run-held"
    finally:
        lock.release()
    assert lock.path.read_text() == ""  # a clean release leaves no body
    again = FunctionLock(state_dir, "local.p.r.fn", "run-4", "deploy").acquire()
    assert again.stale is None
    body = json.loads(again.path.read_text())
    assert body["run_id"] == "run-4" and body["pid"] == os.getpid()
    again.release()


def test_different_functions_do_not_block_each_other(state_dir: Path):
    with (
        FunctionLock(state_dir, "local.p.r.a", "r1", "deploy"),
        FunctionLock(state_dir, "local.p.r.b", "r2", "deploy"),
    ):
        pass
