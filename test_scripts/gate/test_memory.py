"""The gate's memory figure is the work's own peak, not the hosting process's lifetime peak.

Measured in a fresh interpreter: the figure is process-wide, so threads left behind by other tests
in the pytest process (servers, log pumps) would otherwise allocate into it.
"""

import json
import subprocess
import sys

from deploy_scripts.config import REPO_ROOT

MEASURE = """
import json
from deploy_scripts.gate.memory import measure_peak

ballast = bytearray(120 * 2**20)  # a process that already grew large, like a long pytest run
ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page so it is resident
with measure_peak() as before_only:
    pass
del ballast
with measure_peak() as inside:
    block = bytearray(60 * 2**20)
    block[::4096] = b"x" * len(block[::4096])
    del block
print(json.dumps({"before_only": before_only.megabytes, "inside": inside.megabytes, "method": inside.method}))
"""


def test_counts_what_is_allocated_inside_and_not_what_came_before():
    done = subprocess.run(
        [sys.executable, "-c", MEASURE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    measured = json.loads(done.stdout)
    assert measured["before_only"] < 20, measured
    assert 50 < measured["inside"] < 120, measured
    assert measured["method"] in ("peak RSS growth", "Python heap peak")
