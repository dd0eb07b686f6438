"""Ctrl-C (SIGINT) and SIGTERM as an exception the pipeline can act on, and their exit codes.

By default SIGTERM ends Python without running a single `finally`, and click turns Ctrl-C into
"Aborted!" with exit 1: either way the run stops talking while the server-side deploy carries on.
Raising `Interrupted` instead lets the run record it, put traffic back on the verified revision
and say what serves, then exit 128 + the signal's number (130, 143), as shells do.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A signal asked the command to stop. A KeyboardInterrupt, so `except Exception` never swallows it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        #: what the run did about it (filled in by Run.locked): shown to the user
        self.notes: list[str] = []
        self.record = None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def as_interrupted(exc: BaseException) -> Interrupted | None:
    """The Interrupted behind `exc`: itself, or a plain KeyboardInterrupt (a SIGINT before the handler)."""
    if isinstance(exc, Interrupted):
        return exc
    if isinstance(exc, KeyboardInterrupt):
        return Interrupted(signal.SIGINT)
    return None


def _raise(signum: int, _frame) -> None:
    raise Interrupted(signum)


@contextmanager
def signals_raise() -> Iterator[None]:
    """Within the body, SIGINT and SIGTERM raise Interrupted in the main thread (elsewhere: no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in HANDLED}
    for signum in HANDLED:
        signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def signals_deferred(say) -> Iterator[list[int]]:
    """While the body puts traffic back, a repeated signal is noted (`say`) rather than cutting it short;
    the restore is bounded by gcloud's own timeout. Yields the signals received meanwhile."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def note(signum: int, _frame) -> None:
        received.append(signum)
        say(f"{signal.Signals(signum).name} again: still putting traffic back, a few seconds more")

    previous = {signum: signal.getsignal(signum) for signum in HANDLED}
    for signum in HANDLED:
        signal.signal(signum, note)
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
