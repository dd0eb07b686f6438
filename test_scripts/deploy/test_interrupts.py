"""SIGINT and SIGTERM, delivered for real to this process: the run records `interrupted`, its restore
runs (with a repeated signal deferred), and the command exits 130 / 143 saying what serves."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from deploy_scripts.cli.options import guarded
from deploy_scripts.errors import VerificationFailed
from deploy_scripts.pipeline.interrupts import Interrupted, signals_raise
from deploy_scripts.pipeline.records import RecordStore
from deploy_scripts.pipeline.run import Run


def _signal_self(signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(5)  # the handler raises long before this ends
    raise AssertionError(f"{signal.Signals(signum).name} did not interrupt")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_run_is_recorded_restored_and_exits_128_plus_its_number(
    signum: int, code: int, tmp_path: Path, capsys
):
    run = Run("deploy", "local", "fn", tmp_path / "state")
    restored: list[str | None] = []

    def restore(interrupted_run: Run, stage: str | None) -> list[str]:
        restored.append(stage)
        os.kill(os.getpid(), signum)  # pressed again: noted, the restore goes on
        return ["traffic put back on verified rev-1 (100%; was rev-2 100%)"]

    def body() -> int:
        with run.locked("local.p.r.fn", on_interrupt=restore), run.stage("verify"):
            _signal_self(signum)
        return 0

    with pytest.raises(SystemExit) as exited:
        guarded(body, as_json=False)
    assert exited.value.code == code
    name = signal.Signals(signum).name
    assert restored == ["verify"]
    assert capsys.readouterr().err == (
        f"Interrupted: interrupted by {name}: deploy {run.id} stopped during stage 'verify'; "
        "traffic put back on verified rev-1 (100%; was rev-2 100%)\n"
    )
    (record,) = RecordStore(tmp_path / "state").all()
    assert record.status == "interrupted" and record.current_stage == "verify"
    assert (
        record.error
        == f"{name} during stage 'verify'; traffic put back on verified rev-1 (100%; was rev-2 100%)"
    )
    assert [(s.name, s.status) for s in record.stages] == [
        ("lock", "passed"),
        ("verify", "failed"),
        ("restore", "passed"),
    ]
    assert record.stages[-1].detail["notes"] == ["traffic put back on verified rev-1 (100%; was rev-2 100%)"]
    assert not (tmp_path / "state" / "locks" / "local.p.r.fn.json").exists()  # the lock was released
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers put back


def test_a_failed_restore_says_what_to_run(tmp_path: Path, capsys):
    run = Run("deploy", "local", "fn", tmp_path / "state")

    def restore(interrupted_run: Run, stage: str | None) -> list[str]:
        raise VerificationFailed("localcloud refused the traffic update")

    def body() -> int:
        with run.locked("k", on_interrupt=restore), run.stage("deploy"):
            _signal_self(signal.SIGTERM)
        return 0

    with pytest.raises(SystemExit) as exited:
        guarded(body, as_json=False)
    assert exited.value.code == 143
    assert capsys.readouterr().err == (
        f"Interrupted: interrupted by SIGTERM: deploy {run.id} stopped during stage 'deploy'; putting traffic "
        "back failed: localcloud refused the traffic update; run `deploy --action status` to see what serves, "
        "then `rollback --action emergency --reason 'interrupted deploy'`\n"
    )
    assert RecordStore(tmp_path / "state").all()[0].stages[-1].status == "failed"


def test_a_signal_before_any_run_changed_nothing(capsys):
    with pytest.raises(SystemExit) as exited:
        guarded(lambda: _signal_self(signal.SIGTERM), as_json=False)
    assert exited.value.code == 143
    assert capsys.readouterr().err == (
        "Interrupted: interrupted by SIGTERM: stopped; no run had started: nothing was changed\n"
    )


def test_a_deploy_error_while_what_serves_is_unsettled_is_recorded_interrupted(tmp_path: Path):
    run = Run("deploy", "local", "fn", tmp_path / "state")
    with pytest.raises(VerificationFailed), run.locked("k"):
        run.serving_unsettled = "the deploy may have changed what serves; the next run checks it"
        raise VerificationFailed("localcloud went away during verify")
    (record,) = RecordStore(tmp_path / "state").all()
    assert record.status == "interrupted"
    assert record.error == (
        "localcloud went away during verify (the deploy may have changed what serves; the next run checks it)"
    )


def test_outside_the_main_thread_signals_are_left_alone():
    import threading

    seen = []

    def worker() -> None:
        with signals_raise():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [signal.SIG_DFL] and Interrupted(signal.SIGTERM).exit_code == 143
