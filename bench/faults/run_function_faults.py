"""Every bad input in the fault catalogue against real `process_invoice` processes; prints figures.

    python bench/faults/run_function_faults.py            # as root: inside `unshare -n` (loopback only)
    python bench/faults/run_function_faults.py --no-netns # guard only (test_scripts/faults/guard)

Figures: bad inputs tried, answers as the contract says, wrong 5xx, hangs, non-loopback connection
attempts. Exit 0 only when every case got its status with no 5xx and no hang, 1 otherwise.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from test_scripts.faults.function_faults import CASES, guard_attempts, run_case, targets  # noqa: E402

_INSIDE = "FAULTS_IN_NETNS"


def _reexec_in_netns() -> int | None:
    """Run this script again in a new network namespace with only `lo` up, when we can."""
    if os.environ.get(_INSIDE) or os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return None
    script = f"ip link set lo up && exec {sys.executable} {' '.join(map(repr, sys.argv))}"
    env = {**os.environ, _INSIDE: "1"}
    return subprocess.call(["unshare", "-n", "sh", "-c", script], env=env)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-netns", action="store_true", help="do not re-run inside `unshare -n`")
    parser.add_argument("-k", default="", help="only cases whose name contains this")
    args = parser.parse_args()
    if not args.no_netns:
        code = _reexec_in_netns()
        if code is not None:
            return code
    where = (
        "network namespace (loopback only) + guard" if os.environ.get(_INSIDE) else "guard only (no netns)"
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the file server's request lines
    console = Console()
    chosen = [c for c in CASES if args.k in c.name]
    with tempfile.TemporaryDirectory(prefix="function-faults-") as tmp, targets(Path(tmp)) as t:
        started = time.monotonic()
        outcomes = []
        for one in chosen:
            outcome = run_case(one, t)
            outcomes.append(outcome)
            if not outcome.ok:
                console.print(
                    f"[red]{one.name}[/]: got {outcome.status} in {outcome.seconds}s, expected {sorted(one.expect)}"
                )
        attempts = guard_attempts(t)
        wall = time.monotonic() - started
    table = Table(title=f"process_invoice under bad input ({where})")
    for column in ("group", "tried", "as expected", "wrong 5xx", "hangs", "slowest s"):
        table.add_column(column, justify="right" if column != "group" else "left")
    groups = Counter(o.case.group for o in outcomes)
    for group in groups:
        mine = [o for o in outcomes if o.case.group == group]
        table.add_row(group, str(len(mine)), str(sum(o.ok for o in mine)), str(sum(o.server_error for o in mine)),
                      str(sum(o.hang for o in mine)), f"{max(o.seconds for o in mine):.1f}")  # fmt: skip
    console.print(table)
    for outcome in sorted(outcomes, key=lambda o: -o.seconds)[:5]:
        console.print(
            f"slowest: {outcome.case.name} {outcome.status} in {outcome.seconds} s (limit {outcome.case.limit} s)"
        )
    tried, good = len(outcomes), sum(o.ok for o in outcomes)
    errors, hangs = sum(o.server_error for o in outcomes), sum(o.hang for o in outcomes)
    console.print(
        f"bad inputs tried: {tried}; answered as the contract says: {good}; wrong 5xx: {errors}; "
        f"hangs: {hangs}; non-loopback connection attempts: {len(attempts)}; wall {wall:.0f} s"
    )
    return 0 if good == tried and not errors and not hangs and not attempts else 1


if __name__ == "__main__":
    sys.exit(main())
