"""Benchmark: a full blue-green local deploy with the default local canary steps, and the time from
`rollback --action emergency` to 100% on stable versus one bare `gcloud run services update-traffic`.

    python bench/bench_rollout.py [--runs 3] [--skip-validation]

A private localcloud on loopback in a temporary directory (real gcloud, real functions-framework
processes), the repository's config (`[rollout.environments.local]`: one 50% step of 3 s). Nothing
sends live traffic, so each step ends inconclusive after its wait and is promoted as configured
(`inconclusive = "promote"` locally; recorded). Prints each measurement and the medians; exits 1
when the emergency's median is over 1.5x the bare command's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from deploy_scripts.config import load_config  # noqa: E402
from deploy_scripts.localcloud.processes import free_port  # noqa: E402
from deploy_scripts.pipeline.target import resolve_target  # noqa: E402
from deploy_scripts.release.deploy import DeployOptions, run_deploy  # noqa: E402
from deploy_scripts.rollback import run_rollback  # noqa: E402
from deploy_scripts.rollout.traffic import TrafficControl  # noqa: E402
from test_scripts.deploy.conftest import write_config  # noqa: E402


def until_serving(control: TrafficControl, revision: str, started: float, found: list[float]) -> None:
    """Poll the service (API client, every 50 ms) until `revision` has 100%; note when."""
    deadline = started + 120
    while time.perf_counter() < deadline:
        if control.view().serving == revision:
            found.append(time.perf_counter() - started)
            return
        time.sleep(0.05)


def emergency_seconds(config, control: TrafficControl, stable: str) -> float:
    """From calling the emergency rollback until `stable` serves 100% (its verification runs after)."""
    found: list[float] = []
    started = time.perf_counter()
    watcher = threading.Thread(target=until_serving, args=(control, stable, started, found), daemon=True)
    watcher.start()
    run_rollback(config, None, emergency=True, reason="bench")
    watcher.join(130)
    return found[0]


def bare_seconds(control: TrafficControl, revision: str) -> float:
    """One `gcloud run services update-traffic --to-revisions REV=100`, the floor for any traffic move."""
    command = control.pin_command(revision)
    started = time.perf_counter()
    subprocess.run(command, env=control.gcloud.process_env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-validation", action="store_true", help="deploys without the gate")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-rollout-"))
    config_path = write_config(
        root / "deploy.toml", environments__local__localcloud_dir=str(root / "localcloud")
    )
    os.environ.update(
        DEPLOY_CONFIG=str(config_path), DEPLOY_STATE_DIR=str(root / "state"),
        LOCALCLOUD_PORT=str(free_port()), LOCALCLOUD_STATE_DIR=str(root / "localcloud"),
    )  # fmt: skip
    config = load_config()
    target = resolve_target(config, None)
    control = TrafficControl(target.gcloud)
    options = DeployOptions(skip_validation=args.skip_validation)
    rollout = config.rollout_for(None)
    print(
        f"state in {root}; {args.runs} runs; local steps {rollout.weights}% x {rollout.step_seconds:g}s",
        flush=True,
    )
    run_deploy(config, options)  # the first deploy: all-at-once, it carries `stable`
    deploys, emergencies, bares = [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        record = run_deploy(config, options)
        deploys.append(time.perf_counter() - started)
        promoted, previous = record.revision_after, control.view().tagged("previous").revision
        print(
            f"  blue-green deploy {deploys[-1]:7.2f} s  {promoted} ({record.metrics['strategy']})", flush=True
        )
        emergencies.append(emergency_seconds(config, control, previous))
        bares.append(bare_seconds(control, promoted))  # moves traffic away and back: same kind of change
        bare_seconds(control, previous)
        print(
            f"  emergency -> 100% {emergencies[-1]:7.2f} s   bare update-traffic {bares[-1]:6.2f} s",
            flush=True,
        )
    ratio = statistics.median(emergencies) / statistics.median(bares)
    print()
    print(f"median full blue-green deploy (gate {'off' if args.skip_validation else 'on'}, local steps): "
          f"{statistics.median(deploys):.2f} s")  # fmt: skip
    print(f"median emergency -> 100% stable: {statistics.median(emergencies):.2f} s")
    print(f"median bare update-traffic:      {statistics.median(bares):.2f} s")
    print(f"ratio: {ratio:.2f}x (target <= 1.5x)")
    from deploy_scripts.localcloud.client import stop

    stop(target.endpoint.state_dir)
    if ratio > 1.5:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
