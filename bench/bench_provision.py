"""Benchmark: `monitor --action provision` against a fresh localcloud (in-process, through Google's
clients): the first run (creates 28 resources), then runs that change nothing; and the production
dry run (no API calls).

    python bench/bench_provision.py [--runs 5]

Prints seconds per run (first, then the median of the no-op runs) and of the dry run. The localcloud
runs on a free loopback port in a temporary state dir; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from deploy_scripts.config import REPO_ROOT, load_config
from deploy_scripts.localcloud import client
from deploy_scripts.monitoring.provision import provisioner


def timed(config, env: str, dry_run: bool) -> tuple[float, int]:
    started = time.perf_counter()
    plan = provisioner(config, env, dry_run).run(dry_run)
    return time.perf_counter() - started, plan.count("unchanged")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-provision-") as scratch:
        state = Path(scratch) / "localcloud"
        state.mkdir()
        (state / "secrets.toml").write_text('monitoring-webhook-url = "http://127.0.0.1:9/hook"\n')
        base = load_config(REPO_ROOT / "config" / "deploy.toml")
        local = base.environment("local").model_copy(update={"localcloud_dir": state})
        config = base.model_copy(update={"environments": {**base.environments, "local": local}})
        client.start(state, port=0)
        try:
            first, _ = timed(config, "local", False)
            again = [timed(config, "local", False) for _ in range(args.runs)]
        finally:
            client.stop(state)
        dry = [timed(config, "production", True)[0] for _ in range(args.runs)]
    print(f"first provision (creates everything): {first:.2f} s")
    print(f"no-op provision, median of {args.runs}: {statistics.median(t for t, _ in again):.2f} s "
          f"({again[0][1]} resources unchanged)")  # fmt: skip
    print(f"production dry run (offline), median of {args.runs}: {statistics.median(dry):.3f} s")


if __name__ == "__main__":
    main()
