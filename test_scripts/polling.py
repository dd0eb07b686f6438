"""Waiting for what happens after an answer: log lines pumped from a child, a server's state."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(
    read: Callable[[], T], until: Callable[[T], bool], timeout: float = 15.0, interval: float = 0.1
) -> T:
    """`read()` again until `until(value)` holds or `timeout` passes; the last value either way."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(interval)
