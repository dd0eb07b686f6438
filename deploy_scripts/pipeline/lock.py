"""One deploy or rollback per function at a time.

`fcntl.flock` on an open descriptor: the kernel releases it when the holder exits, even on SIGKILL,
so a killed deploy never leaves a lock someone must delete by hand. The file's JSON body says who
holds it; a body left behind by a dead holder is how the next run learns a deploy was interrupted.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import LockHeld


def actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


@dataclass
class LockInfo:
    pid: int
    actor: str
    since: str
    run_id: str
    action: str

    @classmethod
    def read(cls, path: Path) -> LockInfo | None:
        try:
            body = json.loads(path.read_text(encoding="utf-8") or "null")
            return cls(**body) if isinstance(body, dict) else None
        except (OSError, ValueError, TypeError):
            return None


class FunctionLock:
    """Context manager; `stale` is the body a dead holder left behind (None when released cleanly)."""

    def __init__(self, state_dir: Path, function_key: str, run_id: str, action: str):
        self.path = state_dir / "locks" / f"{function_key}.lock"
        self.run_id = run_id
        self.action = action
        self.stale: LockInfo | None = None
        self._fd: int | None = None

    def acquire(self) -> FunctionLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = LockInfo.read(self.path)
            who = (
                f"{holder.actor} (pid {holder.pid}, {holder.action} {holder.run_id}) since {holder.since}"
                if holder
                else "another process"
            )
            raise LockHeld(
                f"{self.path.stem} is locked by {who}; wait for it to finish "
                "(`deploy --action status` shows progress) and try again"
            ) from None
        self._fd = fd
        self.stale = LockInfo.read(self.path)
        body = LockInfo(
            os.getpid(), actor(), datetime.now(UTC).isoformat(timespec="seconds"), self.run_id, self.action
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(body.__dict__).encode(), 0)
        os.fsync(fd)
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        # An empty body means "released cleanly"; a leftover body means the holder died.
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FunctionLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
