"""How much memory a piece of work needed: the peak RSS above where the process started.

The process-lifetime peak (`ru_maxrss`) says nothing when the gate runs inside a long-lived process
(pytest, `deploy`); Linux lets a process reset its high-water mark (`/proc/self/clear_refs` = 5),
so the peak of just this work is measurable. Elsewhere tracemalloc's Python-heap peak stands in.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass
class PeakMemory:
    megabytes: float = 0.0
    method: str = ""


def _status_kb(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.M)
    if not match:
        raise OSError(f"{field} not in {_STATUS}")
    return int(match.group(1))


def _reset_high_water_mark() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
        return _status_kb("VmHWM") <= _status_kb("VmRSS") + 1024
    except OSError:
        return False


@contextmanager
def measure_peak() -> Iterator[PeakMemory]:
    result = PeakMemory()
    if _reset_high_water_mark():
        start = _status_kb("VmRSS")
        yield result
        result.megabytes, result.method = max(0, _status_kb("VmHWM") - start) / 1024, "peak RSS growth"
        return
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield result
        result.megabytes, result.method = tracemalloc.get_traced_memory()[1] / 2**20, "Python heap peak"
    finally:
        if started_here:
            tracemalloc.stop()
