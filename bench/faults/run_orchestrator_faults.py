"""The orchestrator/config part of the fault suite; prints its figures.

    python bench/faults/run_orchestrator_faults.py               # everything (real localcloud deploys)
    python bench/faults/run_orchestrator_faults.py --no-localcloud   # config files and state only (seconds)

The kill/interrupt faults (issue 14 items 5-7, 10) are the e2e tests named in KILL_FAULTS, run in one
pytest process against localclouds of their own; each counts as one fault, survived when it passed.

Figures: bad config files tried / refused (exit 2, exact message, before any stage), orchestrator
faults tried / survived, secret values found in any file of the deploy state, localcloud's state or
gcloud's config and logs (secrets.toml aside), state files readable by group or others.
Exit 0 only when every fault survived and nothing leaked.
Network: loopback only (localcloud and gcloud pointed at it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from test_scripts.faults.orchestrator_faults import (  # noqa: E402
    BAD_CONFIGS,
    KILL_FAULTS,
    cleanup,
    kill_faults,
    localcloud_faults,
    run_bad_config,
    scratch,
    state_faults,
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--no-localcloud", action="store_true", help="skip the real deploys (config and state only)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch directory (its path is printed)"
    )
    args = parser.parse_args()
    os.chdir(REPO)  # the commands find their project from the working directory
    out = Console(highlight=False, width=160)
    root = scratch()
    started = time.monotonic()
    try:
        configs = [run_bad_config(case, root / f"config-{i:02d}") for i, case in enumerate(BAD_CONFIGS)]
        faults = state_faults(root / "state-faults")
        cloud = None if args.no_localcloud else localcloud_faults(root / "localcloud-faults")
        kills = [] if args.no_localcloud else kill_faults(root / "kill-faults")
    finally:
        if not args.keep:
            cleanup(root)
    if cloud is not None:
        faults += cloud.outcomes + kills

    table = Table(title="bad config files")
    for column in ("file", "exit", "refused"):
        table.add_column(column)
    for outcome in configs:
        table.add_row(outcome.case.name, str(outcome.exit_code), "yes" if outcome.refused else "NO")
    out.print(table)
    for outcome in configs:
        if not outcome.refused:
            out.print(
                f"[red]not refused as specified[/]: {outcome.case.name}\n  got: {outcome.message}\n  want: {outcome.expected}"
            )
    table = Table(title="orchestrator faults")
    for column in ("fault", "survived", "detail"):
        table.add_column(column)
    for fault in faults:
        table.add_row(fault.name, "yes" if fault.survived else "NO", fault.detail[:90])
    out.print(table)

    refused = sum(o.refused for o in configs)
    survived = sum(f.survived for f in faults)
    leaks = cloud.secrets_found if cloud else []
    loose = cloud.loose_modes if cloud else []
    out.print(
        f"config files tried: {len(configs)}, refused before any stage: {refused}, accepted or failed late: {len(configs) - refused}"
    )
    out.print(f"orchestrator faults tried: {len(faults)}, survived: {survived}")
    if cloud is None:
        out.print("secrets found in state: not measured (--no-localcloud)")
    else:
        out.print(
            f"secret values in any file or log outside secrets.toml: {len(leaks)} (control, nothing skipped: {len(cloud.control)} file, secrets.toml)"
        )
        out.print(f"localcloud state files readable by group or others: {len(loose)}")
        for line in leaks + loose:
            out.print(f"  {line}")
    if cloud is None:
        out.print(
            f"kill/interrupt faults (issue 14.5-14.7, 14.10): {len(KILL_FAULTS)} not run (--no-localcloud)"
        )
    for fault in faults:
        if not fault.survived:
            out.print(f"[red]not survived[/]: {fault.name}\n  {fault.detail}")
    out.print(
        f"seconds: {time.monotonic() - started:.1f}" + (f"; scratch kept in {root}" if args.keep else "")
    )
    scan_works = cloud is None or len(cloud.control) == 1
    return (
        0
        if refused == len(configs) and survived == len(faults) and not leaks and not loose and scan_works
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())
