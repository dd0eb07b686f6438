"""Peak memory as the platform sees it.

`peak_memory_mb` is the process's resident-set high-water mark (getrusage ru_maxrss, kilobytes on
Linux): what Cloud Run's memory limit is enforced against. It only grows over an instance's life,
so for one invoice it is an upper bound, and with concurrent requests it covers all of them.
tracemalloc was not used: it sees only Python allocations (not pdfium's) and slows parsing.
"""

from __future__ import annotations

import resource
import sys


def peak_memory_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return round(peak / divisor, 1)
