"""Peak memory as the platform sees it.

`peak_memory_mb` is the resident-set high-water mark (getrusage ru_maxrss, kilobytes on Linux) of
the request process and of the largest child that read an invoice (budget.py): Cloud Run's memory
limit applies to the sum, so the larger of the two is a lower bound on the instance's peak and an
upper bound for either part. It only grows over an instance's life, so for one invoice it is an
upper bound, and with concurrent requests it covers all of them. tracemalloc was not used: it sees
only Python allocations (not pdfium's) and slows parsing.
"""

from __future__ import annotations

import resource
import sys

_DIVISOR = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
_child_peak = 0


def note_child_peak(ru_maxrss: int) -> None:
    global _child_peak
    _child_peak = max(_child_peak, ru_maxrss)


def peak_memory_mb() -> float:
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, _child_peak)
    return round(peak / _DIVISOR, 1)
