"""Benchmark: a full `deploy --action deploy` on localcloud, and fast versus slow rollback.

    python bench/bench_deploy.py [--runs 3]

Everything runs against a private localcloud on loopback in a temporary directory (real gcloud,
real functions-framework processes). Prints each measurement and the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from deploy_scripts.config import load_config  # noqa: E402
from deploy_scripts.localcloud.processes import free_port  # noqa: E402
from deploy_scripts.pipeline.records import KnownGoodStore  # noqa: E402
from deploy_scripts.pipeline.target import resolve_target  # noqa: E402
from deploy_scripts.release.deploy import DeployOptions, run_deploy  # noqa: E402
from deploy_scripts.rollback import run_rollback  # noqa: E402
from test_scripts.deploy.conftest import write_config  # noqa: E402


def _timed(label: str, action) -> float:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    extra = getattr(result, "revision_after", "")
    print(f"  {label:<16} {seconds:7.2f} s  {extra}", flush=True)
    return seconds


class DowntimeProbe:
    """GETs the function URL every 50 ms while running; the longest stretch of failures is downtime."""

    def __init__(self, url: str):
        self.url, self.requests, self.failures, self.longest = url, 0, 0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        failing_since = None
        while not self._stop.is_set():
            now = time.perf_counter()
            try:
                ok = requests.get(self.url, timeout=5).status_code == 200
            except requests.RequestException:
                ok = False
            self.requests += 1
            if ok:
                if failing_since is not None:
                    self.longest = max(self.longest, time.perf_counter() - failing_since)
                failing_since = None
            else:
                self.failures += 1
                failing_since = failing_since or now
            time.sleep(0.05)

    def __enter__(self) -> DowntimeProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    config_path = write_config(
        root / "deploy.toml", environments__local__localcloud_dir=str(root / "localcloud")
    )
    os.environ.update(
        DEPLOY_CONFIG=str(config_path),
        DEPLOY_STATE_DIR=str(root / "state"),
        LOCALCLOUD_PORT=str(free_port()),
        LOCALCLOUD_STATE_DIR=str(root / "localcloud"),
    )
    config = load_config()
    target = resolve_target(config, None)
    deploys, fast, slow = [], [], []
    print(f"state in {root}; {args.runs} runs each", flush=True)
    _timed("warm-up deploy", lambda: run_deploy(config, DeployOptions()))
    probes = []
    for _ in range(args.runs):
        with DowntimeProbe(target.live_url()) as probe:
            deploys.append(_timed("deploy (gated)", lambda: run_deploy(config, DeployOptions())))
            fast.append(
                _timed("fast rollback", lambda: run_rollback(config, None, emergency=True, reason="bench"))
            )
        probes.append(probe)
        # slow path: the function is deleted, then restored from the serving revision's backup
        known = KnownGoodStore(config.resolved_state_dir()).latest(target.key)
        target.gcloud.delete_function()  # every revision gone: only the backup can bring the function back
        slow.append(
            _timed(
                "slow rollback", lambda b=known.backup_id: run_rollback(config, None, to=b, reason="bench")
            )
        )
    print()
    print(f"median full deploy (gate + backup + gcloud + verify): {statistics.median(deploys):.2f} s")
    print(f"median fast rollback (emergency, traffic + verify):   {statistics.median(fast):.2f} s")
    print(f"median slow rollback (redeploy backup + verify):      {statistics.median(slow):.2f} s")
    failed = sum(p.failures for p in probes)
    print(
        f"downtime during deploys + fast rollbacks: {failed} failed of {sum(p.requests for p in probes)} "
        f"health probes, longest outage {max(p.longest for p in probes):.2f} s"
    )
    _stop(target)


def _stop(target) -> None:
    from deploy_scripts.localcloud.client import stop

    stop(target.endpoint.state_dir)


if __name__ == "__main__":
    main()
