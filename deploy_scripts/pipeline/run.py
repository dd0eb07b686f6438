"""A run of plain stages: each one timed, its result recorded, the record saved after every stage."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..errors import DeployError
from ..state import LocalBackend, State
from .events import run_logger
from .interrupts import as_interrupted, signals_deferred
from .lock import FunctionLock, actor
from .records import RecordStore, RunKind, RunRecord, RunStatus, StageResult, new_run_id, utc_now


class Reporter(Protocol):
    """What the CLI shows while a run goes: rich lines for people, nothing for --json."""

    def stage_started(self, name: str) -> None: ...
    def stage_finished(self, stage: StageResult) -> None: ...
    def note(self, text: str) -> None: ...


class SilentReporter:
    def stage_started(self, name: str) -> None:
        pass

    def stage_finished(self, stage: StageResult) -> None:
        pass

    def note(self, text: str) -> None:
        pass


#: what a run does when a signal stops it: (run, stage it stopped in) -> notes for the user
OnInterrupt = Callable[["Run", str | None], list[str]]


class Run:
    def __init__(
        self,
        kind: RunKind,
        env_name: str,
        function: str,
        state: State | Path,
        reporter: Reporter | None = None,
        **fields: Any,
    ):
        if not isinstance(state, State):
            state = State(LocalBackend(state), state)
        self.state = state
        #: this machine's scratch space (staging); the shared state is `self.state`
        self.state_dir = state.work_dir
        self.store = RecordStore(state)
        self.reporter = reporter or SilentReporter()
        self._started = time.monotonic()
        #: why what serves may not be verified (set once a stage can change traffic, cleared once it is
        #: known again): a run that fails meanwhile is recorded `interrupted`, so the next run checks it
        self.serving_unsettled: str | None = None
        self.record = RunRecord(
            id=new_run_id(),
            kind=kind,
            env=env_name,
            function=function,
            actor=actor(),
            pid=os.getpid(),
            started_at=utc_now().isoformat(timespec="seconds"),
            **fields,
        )
        # the run's events: one JSON-lines object per run in the state, written locally as they come
        self._events_key = f"events/{self.record.id}/events.jsonl"
        events_dir = state.backend.local_path(f"events/{self.record.id}")
        self._events_upload = events_dir is None
        events_dir = events_dir or self.state_dir / "events" / self.record.id
        self._events_file = events_dir / "events.jsonl"
        self.log = run_logger(events_dir, self.record.id, kind=kind, env=env_name, function=function)

    @property
    def id(self) -> str:
        return self.record.id

    def save(self) -> None:
        self.store.save(self.record)
        self._upload_events()

    def _upload_events(self) -> None:
        if self._events_upload and self._events_file.is_file():
            self.state.backend.write(self._events_key, self._events_file.read_bytes())

    @contextmanager
    def stage(self, name: str) -> Iterator[StageResult]:
        stage = StageResult(name=name, started_at=utc_now().isoformat(timespec="seconds"))
        self.record.stages.append(stage)
        self.record.current_stage = name
        self.save()
        self.reporter.stage_started(name)
        self.log.info("stage_started", stage=name)
        started = time.monotonic()
        try:
            yield stage
        except BaseException as exc:
            stage.status = "failed"
            stage.error = str(exc) or exc.__class__.__name__
            raise
        else:
            if stage.status == "running":
                stage.status = "passed"
        finally:
            stage.duration_s = round(time.monotonic() - started, 3)
            self.save()
            self.reporter.stage_finished(stage)
            log = self.log.info if stage.status != "failed" else self.log.error
            log(
                "stage_finished",
                stage=name,
                status=stage.status,
                duration_s=stage.duration_s,
                error=stage.error,
            )

    @contextmanager
    def failures_recorded(self) -> Iterator[None]:
        """A DeployError finishes the run `failed` (unless it already finished) and carries the record."""
        try:
            yield
        except DeployError as exc:
            self._failed(exc)
            raise

    @contextmanager
    def locked(self, key: str, on_interrupt: OnInterrupt | None = None) -> Iterator[None]:
        """Hold the function's lock for the body (a "lock" stage first); a DeployError finishes the run
        `failed`, anything else (Ctrl-C, SIGTERM, a bug) `interrupted`, so the next run checks what it
        left. On a signal, `on_interrupt(run, stage)` first puts traffic back (its notes are recorded
        in a "restore" stage and carried by the exception for the CLI to show)."""
        lock = FunctionLock(self.state, key, self.id, self.record.kind)
        lock.acquire()  # raises LockHeld before anything is written
        try:
            with self.stage("lock") as stage:
                stage.detail.update(lock=key, state=self.state.url)
                if lock.taken_over is not None:
                    stage.detail["taken_over"] = lock.taken_over.model_dump()
                    note = f"took over the lock of {lock.taken_over.describe()}: {lock.takeover_reason}"
                    stage.detail["takeover"] = note
                    self.reporter.note(note)
                    self.log.warning(
                        "lock_taken_over", previous=lock.taken_over.model_dump(), reason=lock.takeover_reason
                    )
            yield
        except DeployError as exc:
            self._failed(exc)
            raise
        except BaseException as exc:
            stage_name = self.record.current_stage
            interrupted = as_interrupted(exc)
            cause = interrupted.name if interrupted else exc.__class__.__name__
            error = f"{cause} during stage {stage_name!r}" + (
                f": {exc}" if not interrupted and str(exc) else ""
            )
            if interrupted is not None and on_interrupt is not None:
                notes = self._restore_after(interrupted, on_interrupt, stage_name)
                error += "; " + " ".join(notes)
            self.record.current_stage = stage_name
            self.finish("interrupted", error)
            if interrupted is not None:
                interrupted.record = self.record
                if interrupted is not exc:  # a plain KeyboardInterrupt: carry the notes as Interrupted
                    raise interrupted from None
            raise
        finally:
            if lock.lost:  # rare: this run outlived its lease and someone took over
                self.log.error("lock_lost", reason=lock.lost)
                self.reporter.note(f"warning: {lock.lost}")
            lock.release()

    def _restore_after(self, interrupted, on_interrupt: OnInterrupt, stage_name: str | None) -> list[str]:
        """Run `on_interrupt` with further signals deferred; its notes, or why it could not finish."""
        self.log.warning("run_interrupted", signal=interrupted.name, stage=stage_name)
        with signals_deferred(self.reporter.note), self.stage("restore") as stage:
            try:
                notes = on_interrupt(self, stage_name)
            except Exception as exc:  # a failed restore is reported, never hides the interrupt
                stage.status = "failed"
                notes = [
                    f"putting traffic back failed: {exc}; run `deploy --action status` to see what serves, "
                    "then `rollback --action emergency --reason 'interrupted deploy'`"
                ]
            stage.detail["notes"] = notes
        for note in notes:
            self.reporter.note(note)
        interrupted.notes = notes
        interrupted.record = self.record
        return notes

    def _failed(self, exc: DeployError) -> None:
        if self.record.status == "running" and self.serving_unsettled:
            # the run ends without knowing that what serves is verified: the next run must check it
            self.finish("interrupted", f"{exc} ({self.serving_unsettled})")
        elif self.record.status == "running":
            self.finish("failed", str(exc))
        exc.record = self.record  # type: ignore[attr-defined]

    def finish(self, status: RunStatus, error: str | None = None) -> RunRecord:
        self.record.status = status
        self.record.error = error
        if status != "interrupted":  # an interrupted run keeps the stage it stopped in
            self.record.current_stage = None
        self.record.finished_at = utc_now().isoformat(timespec="seconds")
        self.record.duration_s = round(time.monotonic() - self._started, 3)
        self.save()
        log = self.log.info if status in ("succeeded", "inconclusive") else self.log.error
        log(
            "run_finished",
            status=status,
            duration_s=self.record.duration_s,
            decision=self.record.decision.outcome,
            reason=self.record.decision.reason or error,
            revision=self.record.revision_after,
        )
        self._upload_events()
        return self.record
