"""Run each revision under functions-framework on its own loopback port."""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .logs import RevisionLog

READY_TIMEOUT_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: get SIGTERM if localcloud dies, so no revision outlives it (Linux only)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class StartFailed(Exception):
    """The revision did not answer on its port; the message says why (exit status, stderr tail)."""


@dataclass
class RevisionProcess:
    revision: str
    port: int
    process: subprocess.Popen
    log: RevisionLog
    pumps: list[threading.Thread] = field(default_factory=list)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        if self.process.poll() is None:
            # functions-framework runs gunicorn (master + worker): signal the whole group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(grace)
        for pump in self.pumps:
            pump.join(timeout=1)


class _Spawner:
    """Starts child processes from one long-lived thread.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, so children forked by a
    short-lived deploy worker would be killed when it returns; this thread lives as long as localcloud.
    """

    def __init__(self) -> None:
        self._requests: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def _run(self) -> None:
        while True:
            args, kwargs, reply = self._requests.get()
            try:
                reply.put((subprocess.Popen(*args, **kwargs), None))
            except Exception as exc:  # noqa: BLE001 - handed back to the caller
                reply.put((None, exc))

    def popen(self, *args, **kwargs) -> subprocess.Popen:
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="localcloud-spawner", daemon=True)
                self._thread.start()
        reply: queue.Queue = queue.Queue(maxsize=1)
        self._requests.put((args, kwargs, reply))
        process, error = reply.get()
        if error is not None:
            raise error
        return process


_spawner = _Spawner()


def spawn(
    *, revision: str, source_dir: Path, entry_point: str, env: dict[str, str], log: RevisionLog, python: str
) -> RevisionProcess:
    """Start functions-framework with the revision's own environment's `python` (its build's)."""
    if not Path(python).is_file():
        raise StartFailed(
            f"the revision's environment ({python}) is gone (build cache cleared?); deploy again to rebuild it"
        )
    port = free_port()
    full_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLOUDSDK_", "LOCALCLOUD_", "PYTEST_", "COV_", "UV_"))
        and key not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")
    }
    full_env.update(env)
    environment = Path(python).parent.parent
    full_env.update(
        {
            "PORT": str(port),
            "PYTHONPATH": str(source_dir),
            "PYTHONUNBUFFERED": "1",
            "VIRTUAL_ENV": str(environment),
            "PATH": f"{environment / 'bin'}{os.pathsep}{full_env.get('PATH', '')}",
        }
    )
    command = [
        python,
        "-m",
        "functions_framework",
        "--target",
        entry_point,
        "--source",  # explicit, and it names the revision directory in `ps` output
        str(source_dir / "main.py"),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
    ]
    process = _spawner.popen(
        command,
        cwd=source_dir,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - needed for PDEATHSIG; no threads run in the child
    )
    handle = RevisionProcess(revision=revision, port=port, process=process, log=log)
    handle.pumps = [log.pump(process.stdout, "stdout"), log.pump(process.stderr, "stderr")]
    return handle


def wait_until_answering(handle: RevisionProcess, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Block until the revision accepts connections on its port, or raise StartFailed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not handle.alive():
            handle.stop()
            tail = "\n".join(handle.log.tail[-8:])
            raise StartFailed(
                f"The user-provided container exited with status {handle.process.returncode} before "
                f"listening on PORT={handle.port}. Last lines of its output:\n{tail}"
            )
        # A TCP probe, as Cloud Run's default startup probe: an HTTP probe would invoke the function.
        try:
            with socket.create_connection(("127.0.0.1", handle.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    handle.stop()
    raise StartFailed(
        f"The user-provided container failed to start and listen on the port defined by "
        f"PORT={handle.port} within {timeout:.0f} seconds."
    )
