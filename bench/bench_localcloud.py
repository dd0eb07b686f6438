"""Benchmark: a real `gcloud functions deploy` of this project's function to localcloud, and a traffic shift.

    python bench/bench_localcloud.py [--deploys 5] [--shifts 5]

Prints the median (and min/max) wall time of each gcloud command. A shift is timed from the start of
`gcloud run services update-traffic` to the function URL answering from the target revision. The
BUILD stage's own time (unpack, requirements environment, compileall) comes from localcloud's
`build_succeeded` events; every deploy after the first has unchanged requirements.
Targets: deploy < 15 s, traffic shift < 2 s, a rebuild with unchanged requirements < 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy_scripts.config import load_config  # noqa: E402
from deploy_scripts.localcloud import client  # noqa: E402
from deploy_scripts.localcloud.staging import stage_project_source  # noqa: E402
from deploy_scripts.pipeline.gcloud import deploy_command, env_vars_file  # noqa: E402

#: The `local` environment of config/deploy.toml: the same function `deploy` ships.
LOCAL = load_config().environment("local")
PROJECT, REGION, FUNCTION = LOCAL.project, LOCAL.region, LOCAL.function
SERVICE = FUNCTION.replace("_", "-")  # Cloud Run's name for a gen2 function
http = requests.Session()
http.trust_env = False


def gcloud(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(["gcloud", *args], env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"gcloud {' '.join(args[:3])} failed:\n{result.stderr}")
    return elapsed


def deploy(env: dict[str, str], source: Path) -> float:
    with env_vars_file(LOCAL) as env_file:
        return gcloud(env, *deploy_command(LOCAL, source, env_file)[1:])


def describe(env: dict[str, str]) -> dict:
    out = subprocess.run(
        ["gcloud", "functions", "describe", FUNCTION, "--region", REGION, "--format", "json"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    return json.loads(out)


def shift(env: dict[str, str], url: str, revision: str) -> float:
    started = time.perf_counter()
    gcloud(
        env,
        "run",
        "services",
        "update-traffic",
        SERVICE,
        "--region",
        REGION,
        "--to-revisions",
        f"{revision}=100",
    )
    answered = http.get(url, timeout=30).headers.get("X-Localcloud-Revision")
    elapsed = time.perf_counter() - started
    if answered != revision:
        raise SystemExit(f"after the shift the URL answered from {answered}, not {revision}")
    return elapsed


def build_events(state_dir: Path) -> list[dict]:
    """localcloud's `build_succeeded` events, in deploy order."""
    events = []
    for line in (state_dir / "server.log").read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("message") == "build_succeeded":
            events.append(event)
    return events


def summary(name: str, values: list[float], target: float) -> str:
    median = statistics.median(values)
    verdict = "OK" if median < target else "OVER TARGET"
    return f"{name}: median {median:.2f} s (min {min(values):.2f}, max {max(values):.2f}, n={len(values)}; target < {target:.0f} s: {verdict})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deploys", type=int, default=5)
    parser.add_argument("--shifts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-localcloud-") as tmp:
        state_dir = Path(tmp) / "state"
        source = stage_project_source(Path(tmp) / "source")
        endpoint = client.start(state_dir, port=0)
        try:
            env = {**os.environ, **client.gcloud_env(endpoint, project=PROJECT, region=REGION)}
            deploys = [deploy(env, source) for _ in range(max(args.deploys, 2))]
            fn = describe(env)
            url, latest = fn["url"], fn["serviceConfig"]["revision"]
            health = http.get(url, timeout=30)
            listed = subprocess.run(
                ["gcloud", "run", "revisions", "list", "--service", SERVICE, "--region", REGION, "--format", "value(metadata.name)"],
                env=env, capture_output=True, text=True, timeout=120, check=True,
            ).stdout.split()  # fmt: skip
            previous = listed[1]
            shifts = [shift(env, url, previous if i % 2 == 0 else latest) for i in range(args.shifts)]
            builds = build_events(state_dir)
        finally:
            client.stop(state_dir)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, gcloud 528, "
        f"load average {os.getloadavg()[0]:.1f} at the end (others' work slows every figure)"
    )
    print(
        f"function URL answered GET with HTTP {health.status_code} from {health.headers.get('X-Localcloud-Revision')}"
    )
    print(summary("gcloud functions deploy (process_invoice)", deploys, 15))
    print(summary("traffic shift (update-traffic + first answer)", shifts, 2))
    first, rebuilds = builds[0], builds[1:]
    print(
        f"first build: {first['seconds']:.2f} s (environment {'reused' if first['environment_reused'] else 'installed'}"
        f" from the per-user cache, Python {first['python']})"
    )
    print(summary("rebuild, unchanged requirements (BUILD stage)", [b["seconds"] for b in rebuilds], 5))


if __name__ == "__main__":
    main()
