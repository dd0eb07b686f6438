"""One deploy or rollback per function at a time, across checkouts and machines.

The lock is an object `locks/<key>.json` in the shared state, created only if it does not exist
(generation 0: exactly one writer wins, as Terraform's GCS backend locks). Its body names the
holder, host, pid, run id and start time, and a lease the holder renews while it runs. A lock whose
lease has run out (its holder was killed or lost its machine), or whose holder is a process on this
host that no longer exists, is taken over by the next run, conditioned on the generation it read,
so two runs can never both take over the same stale lock. The takeover is reported.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ValidationError

from ..errors import LockHeld
from .backend import PreconditionFailed, StateBackend


def actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LockInfo(BaseModel):
    holder: str
    host: str
    pid: int
    run_id: str
    action: str
    started_at: str
    lease_expires_at: str

    def describe(self) -> str:
        return f"{self.holder} on {self.host} (pid {self.pid}, {self.action} {self.run_id}) since {self.started_at}"

    def stale_reason(self, now: datetime) -> str | None:
        """Why this lock may be taken over, or None while its holder may still be running."""
        if datetime.fromisoformat(self.lease_expires_at) < now:
            return f"its lease expired at {self.lease_expires_at} (not renewed: the holder is gone)"
        if self.host == socket.gethostname() and not pid_alive(self.pid):
            return f"its holder (pid {self.pid} on this host) no longer exists"
        return None


class StateLock:
    """Context manager. `taken_over` is the body of a stale lock this run took over (else None)."""

    def __init__(self, backend: StateBackend, key: str, run_id: str, action: str, lease_seconds: float = 60):
        self.backend = backend
        self.key = key
        self.object_key = f"locks/{key}.json"
        self.run_id = run_id
        self.action = action
        self.lease_seconds = lease_seconds
        self.started_at = _iso(_now())
        self.generation: int | None = None
        self.taken_over: LockInfo | None = None
        self.takeover_reason: str | None = None
        self.lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _body(self) -> bytes:
        info = LockInfo(
            holder=actor(), host=socket.gethostname(), pid=os.getpid(), run_id=self.run_id, action=self.action,
            started_at=self.started_at,
            lease_expires_at=(_now() + timedelta(seconds=self.lease_seconds)).isoformat(timespec="milliseconds"),
        )  # fmt: skip
        return info.model_dump_json().encode()

    def holder(self) -> LockInfo | None:
        stored = self.backend.read(self.object_key)
        return _parse(stored.data) if stored else None

    def acquire(self) -> StateLock:
        for _ in range(3):  # a lock released between our create and our read: try again
            try:
                self.generation = self.backend.create(self.object_key, self._body())
                break
            except PreconditionFailed:
                pass
            stored = self.backend.read(self.object_key)
            if stored is None:
                continue
            held = _parse(stored.data)
            reason = held.stale_reason(_now()) if held else "its body is unreadable"
            if reason is None:
                raise LockHeld(
                    f"{self.key} is locked by {held.describe()}; wait for it to finish "
                    "(`deploy --action status` shows progress) and try again"
                )
            try:
                self.generation = self.backend.replace(self.object_key, self._body(), stored.generation)
            except PreconditionFailed:
                continue  # someone else took it over first; look again
            self.taken_over, self.takeover_reason = held, reason
            break
        else:
            raise LockHeld(f"{self.key}: the lock changed hands three times while taking it; try again")
        self._renewer = threading.Thread(target=self._renew, name=f"lock-lease-{self.key}", daemon=True)
        self._renewer.start()
        return self

    def _renew(self) -> None:
        # renew at a third of the lease: two renewals may fail before anyone can take over
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self.generation = self.backend.replace(self.object_key, self._body(), self.generation)
            except PreconditionFailed:
                self.lost = "the lock was taken over by another run (this run's lease had expired)"
                return
            except Exception as exc:  # a network blip: the next renewal may succeed
                self.lost = f"renewing the lease failed: {exc}"

    def release(self) -> None:
        if self.generation is None:
            return
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=30)
        # taken over after our lease expired: it is no longer ours to delete
        with contextlib.suppress(PreconditionFailed):
            self.backend.delete(self.object_key, self.generation)
        self.generation = None

    def __enter__(self) -> StateLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _parse(data: bytes) -> LockInfo | None:
    try:
        return LockInfo.model_validate(json.loads(data or b"null"))
    except (ValueError, ValidationError):
        return None
