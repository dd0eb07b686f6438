from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from deploy_scripts.pipeline.lock import actor
from deploy_scripts.pipeline.records import KnownGood, KnownGoodStore, RecordStore, RunRecord, new_run_id


def _record(pid: int, status="running", **kw) -> RunRecord:
    return RunRecord(id=new_run_id(), kind="deploy", env="local", function="fn", actor=actor(), pid=pid,
                     started_at="2026-01-01T00:00:00+00:00", status=status, current_stage="verify", **kw)  # fmt: skip


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_dead_or_unchecked_runs_need_recovery(state_dir):
    store = RecordStore(state_dir)
    alive = _record(os.getpid())  # e.g. a watch in progress: never touched
    dead = _record(_dead_pid())
    ctrl_c = _record(os.getpid(), status="interrupted")
    checked = _record(os.getpid(), status="interrupted", recovered_by="someone")
    done = _record(_dead_pid(), status="succeeded")
    for record in (alive, dead, ctrl_c, checked, done):
        store.save(record)
    assert {r.id for r in store.unrecovered("fn", "local")} == {dead.id, ctrl_c.id}
    assert store.unrecovered("other", "local") == []


def test_record_files_are_owner_only_and_ignore_foreign_files(state_dir):
    store = RecordStore(state_dir)
    path = state_dir / store.save(_record(os.getpid()))
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    (state_dir / "records" / "junk.json").write_text("{not json")
    assert len(store.all()) == 1


def test_known_good_latest_skips_the_serving_revision():
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path

        store = KnownGoodStore(Path(tmp))
        for rev, backup in (("r1", "b1"), ("r2", "b2"), ("r3", "b3")):
            store.add("k", KnownGood(revision=rev, backup_id=backup, verified_at="t", run_id="x"))
        assert store.latest("k").revision == "r3"
        assert store.latest("k", excluding="r3").revision == "r2"
        store.add("k", KnownGood(revision="r1", backup_id="b1", verified_at="t2", run_id="y"))  # re-verified
        assert [e.revision for e in store.entries("k")] == ["r2", "r3", "r1"]
        assert store.latest_backup_ids() == {"b1"}
        assert store.latest("missing") is None
