"""`deploy --dry-run`: the exact (masked) command, config vs live, the gate result. Changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..config import DeployConfig, Environment, placeholder_problem
from ..errors import GcloudFailed
from ..pipeline.gate_stage import run_gate_for_source
from ..pipeline.gcloud import MASK, deploy_command, mask_command
from ..pipeline.source import build_zip
from ..pipeline.target import resolve_target
from ..rollout.plan import traffic_plan
from ..rollout.traffic import TrafficControl


def _memory(value: str | None) -> str | None:
    """gcloud takes `1GiB`, the API answers `1Gi`: compare them as the same size."""
    if value is None:
        return None
    return value[:-1] if value.endswith(("iB", "MB", "GB")) else value


def _live_settings(described: dict) -> dict[str, Any]:
    service = described.get("serviceConfig", {})
    build = described.get("buildConfig", {})
    secrets = {
        s.get("key"): f"{s.get('secret')}:{s.get('version', 'latest')}"
        for s in service.get("secretEnvironmentVariables", []) or []
    }
    return {
        "runtime": build.get("runtime"),
        "entry_point": build.get("entryPoint"),
        "memory": service.get("availableMemory"),
        "timeout": f"{service['timeoutSeconds']}s" if service.get("timeoutSeconds") is not None else None,
        "env_vars": service.get("environmentVariables", {}) or {},
        "secrets": secrets,
    }


def _change(ours: Any, theirs: Any) -> str:
    """What the deploy does to a key: `added` (only in config), `removed` (only live), `changed`."""
    return "added" if theirs is None else "removed" if ours is None else "changed"


def config_differences(env: Environment, described: dict | None) -> list[dict[str, Any]]:
    """[{setting, change, config, live}] with environment values masked (only whether they differ
    shows). The deploy makes live env vars and secrets equal to config, so `removed` keys go."""
    if described is None:
        return [{"setting": "function", "config": env.function, "live": "(does not exist: first deploy)"}]
    live = _live_settings(described)
    wanted = {
        "runtime": env.runtime,
        "entry_point": env.entry_point,
        "memory": env.memory,
        "timeout": env.timeout,
    }
    same = {k: (_memory(v) == _memory(live[k]) if k == "memory" else v == live[k]) for k, v in wanted.items()}
    diffs = [
        {"setting": k, "change": "changed", "config": v, "live": live[k]}
        for k, v in wanted.items()
        if not same[k]
    ]
    for key in sorted(set(env.env_vars) | set(live["env_vars"])):
        ours, theirs = env.env_vars.get(key), live["env_vars"].get(key)
        if ours != theirs:
            diffs.append(
                {
                    "setting": f"env_vars.{key}",
                    "change": _change(ours, theirs),
                    "config": MASK if ours is not None else "(unset)",
                    "live": (MASK + " (different)") if theirs is not None else "(unset)",
                }
            )
    for key in sorted(set(env.secrets) | set(live["secrets"])):
        if env.secrets.get(key) != live["secrets"].get(key):
            diffs.append(
                {
                    "setting": f"secrets.{key}",
                    "change": _change(env.secrets.get(key), live["secrets"].get(key)),
                    "config": env.secrets.get(key, "(unset)"),
                    "live": live["secrets"].get(key, "(unset)"),
                }
            )
    return diffs


def dry_run(
    config: DeployConfig,
    env_name: str | None,
    source_dir: Path,
    skip_validation: bool,
    invoices_dir: Path | None = None,
    strategy: str | None = None,
) -> dict[str, Any]:
    target = resolve_target(config, env_name)
    staging = config.resolved_state_dir() / "staging" / "<run-id>"
    with tempfile.TemporaryDirectory() as scratch:
        archive = build_zip(source_dir, Path(scratch) / "source.zip")
    # read first: what the pin will keep (the live function's read below is the last one made)
    traffic = traffic_plan(TrafficControl(target.gcloud), config.rollout_for(target.env_name), strategy)
    try:
        described = target.gcloud.describe()
        live_error = None
    except GcloudFailed as exc:
        described, live_error = None, str(exc)
    if live_error:
        differences = [{"setting": "(live function)", "config": "-", "live": f"unknown: {live_error}"}]
    else:
        differences = config_differences(target.environment, described)
    if skip_validation:
        gate: dict[str, Any] = {"skipped": True}
    else:
        outcome = run_gate_for_source(config, source_dir, invoices_dir)
        gate = {
            "passed": outcome.passed,
            "readiness_score": round(outcome.readiness_score, 4),
            "summary": outcome.summary(),
        }
    # Deploying placeholders is refused; the dry run shows the same words as a warning so a
    # production plan can still be reviewed before the values are filled in.
    warning = placeholder_problem(config, target.env_name)
    return {
        "env": target.env_name,
        "warnings": [warning] if warning else [],
        "function": target.environment.function,
        "command": mask_command(deploy_command(target.environment, staging), target.environment),
        "traffic": traffic,
        "source": {"dir": str(source_dir), "sha256": archive.sha256, "files": len(archive.files)},
        "differences": differences,
        "gate": gate,
        "changed_nothing": True,
    }
