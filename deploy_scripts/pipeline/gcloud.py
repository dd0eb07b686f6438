"""The gcloud commands the pipeline runs, built from config as argument lists (never a shell).

Environment values are masked wherever a command is shown; secrets only ever appear as Secret
Manager references. gcloud's own failures are reported in gcloud's own words. The function's state
is read through google-cloud-functions (`cloud_reads.py`), configured from the same environment
gcloud runs with, so both always talk to the same place.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ..cloud_clients import CloudAccess
from ..config import Environment
from ..errors import CloudApiFailed, GcloudFailed
from .cloud_reads import FunctionReader, operation_running, updated_since

MASK = "***"
#: how far Google's clock (a function's updateTime) may be behind this machine's
CLOCK_SLACK = timedelta(seconds=30)
#: gcloud's words for the API's 409 to its own create/patch call (only gcloud saw that answer); a
#: retry on them needs the API's confirmation when the API answers (see Gcloud._is_conflict).
_CONFLICT_MARKERS = ("unable to queue the operation", "ABORTED", "already in progress")


#: how the env-vars file shows in a command that is displayed or recorded (its keys, values masked)
ENV_VARS_FILE_SHOWN = "<0600 temp file>"


@contextlib.contextmanager
def env_vars_file(env: Environment) -> Iterator[Path | None]:
    """The environment's variables as the YAML file gcloud's `--env-vars-file` reads (JSON is YAML),
    owner-only (mkstemp: 0600) and deleted afterwards: values never reach a command line, where
    gcloud's own logs and `ps` would show them. None when there are no variables."""
    if not env.env_vars:
        yield None
        return
    fd, name = tempfile.mkstemp(prefix="env-vars-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(dict(sorted(env.env_vars.items())), handle, ensure_ascii=False, indent=1)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def location_flags(env: Environment) -> list[str]:
    return ["--project", env.project, "--region", env.region]


def deploy_command(env: Environment, source_dir: Path, env_file: Path | str | None = None) -> list[str]:
    """The full deploy: live env vars and secrets become exactly the config's (gcloud's
    `--env-vars-file` and `--set-secrets` replace every existing one; `--clear-*` when none).
    `env_file` comes from `env_vars_file(env)`; without it the command is for showing only."""
    command = [
        "gcloud", "functions", "deploy", env.function, "--gen2",
        *location_flags(env),
        "--runtime", env.runtime,
        "--entry-point", env.entry_point,
        "--source", str(source_dir),
        "--trigger-http",
        "--allow-unauthenticated" if env.allow_unauthenticated else "--no-allow-unauthenticated",
        "--memory", env.memory,
        "--timeout", env.timeout,
    ]  # fmt: skip
    shown_or_real = str(env_file or ENV_VARS_FILE_SHOWN)
    command += ["--env-vars-file", shown_or_real] if env.env_vars else ["--clear-env-vars"]
    if env.secrets:
        command += ["--set-secrets", ",".join(f"{k}={ref}" for k, ref in sorted(env.secrets.items()))]
    else:
        command += ["--clear-secrets"]
    return command + ["--quiet", "--format", "json"]


def mask_command(command: list[str], env: Environment) -> list[str]:
    """The command as it may be shown: the env-vars file as its keys, every value ***."""
    masked = list(command)
    for index, arg in enumerate(masked[:-1]):
        if arg in ("--set-env-vars", "--env-vars-file"):
            keys = ",".join(f"{k}={MASK}" for k in sorted(env.env_vars))
            masked[index + 1] = keys if arg == "--set-env-vars" else f"{ENV_VARS_FILE_SHOWN}: {keys}"
    return masked


def mask_text(text: str, env: Environment) -> str:
    """Scrub environment values out of free text (gcloud's stderr can echo them back)."""
    for value in sorted(env.env_vars.values(), key=len, reverse=True):
        if len(value) >= 3:
            text = text.replace(value, MASK)
    return text


def _gcloud_words(stderr: str) -> str:
    """gcloud's own error line(s): from the first ERROR: line on, without progress noise."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("ERROR:"):
            return " ".join(lines[index : index + 4])
    return " ".join(lines[-3:]) if lines else "(no output)"


@dataclass
class Gcloud:
    env: Environment
    process_env: dict[str, str]
    timeout: float = 120.0
    deploy_timeout: float = 600.0
    conflict_retries: int = 3
    history: list[dict[str, Any]] = field(default_factory=list)

    def run(self, command: list[str], timeout: float | None = None) -> str:
        timeout = timeout or self.timeout
        shown = mask_command(command, self.env)
        started = time.monotonic()
        try:
            result = subprocess.run(
                command, env=self.process_env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            self.history.append(
                {"command": shown, "timed_out": True, "seconds": round(time.monotonic() - started, 2)}
            )
            raise GcloudFailed(
                f"`{' '.join(shown[:4])}` did not finish within {timeout:.0f}s and was stopped; the operation "
                "may still complete on the server: check `deploy --action status`",
                timed_out=True,
                stderr=mask_text(str(exc.stderr or ""), self.env),
            ) from None
        except FileNotFoundError:
            raise GcloudFailed(
                "gcloud is not installed or not on PATH; install the Google Cloud SDK"
            ) from None
        seconds = round(time.monotonic() - started, 2)
        self.history.append({"command": shown, "returncode": result.returncode, "seconds": seconds})
        if result.returncode != 0:
            stderr = mask_text(result.stderr, self.env)
            raise GcloudFailed(
                f"`{' '.join(shown[:4])}` failed (exit {result.returncode}): {_gcloud_words(stderr)}",
                returncode=result.returncode,
                stderr=stderr,
            )
        return result.stdout

    def run_json(self, command: list[str], timeout: float | None = None) -> Any:
        output = self.run([*command, "--format", "json"], timeout)
        try:
            return json.loads(output or "null")
        except ValueError:
            raise GcloudFailed(
                f"`{' '.join(command[:4])}` printed something that is not JSON: {output[:200]!r}"
            ) from None

    # -- the commands ------------------------------------------------------------------------------

    def deploy(self, source_dir: Path) -> None:
        """Deploy; retries only gcloud's 409 "unable to queue" (another operation still running)."""
        with env_vars_file(self.env) as env_file:
            command = deploy_command(self.env, source_dir, env_file)
            self.run_retrying_conflicts(command, self.deploy_timeout)

    @cached_property
    def reader(self) -> FunctionReader:
        """The function's state through the API, reaching wherever this gcloud's environment points."""
        return FunctionReader(self.env, CloudAccess.from_gcloud_env(self.process_env), self.timeout)

    def _is_conflict(self, exc: BaseException, attempt_started: datetime) -> bool:
        """Did gcloud fail because another operation on the function was running (409)?

        The API decides: an operation still runs (the function is DEPLOYING or DELETING), or gcloud
        reported the 409 and the function changed during the attempt (the other operation finished
        between gcloud's refusal and this read). Only when the API gives no answer are gcloud's
        words the evidence. A timed-out gcloud is never retried: its own operation may be running.
        """
        if not isinstance(exc, GcloudFailed) or isinstance(exc, CloudApiFailed) or exc.timed_out:
            return False
        says_409 = any(marker in exc.stderr for marker in _CONFLICT_MARKERS)
        try:
            described = self.reader.function()
        except CloudApiFailed:
            return says_409
        if operation_running(described):
            return True
        return says_409 and updated_since(described, attempt_started - CLOCK_SLACK)

    def run_retrying_conflicts(self, command: list[str], timeout: float, wait_seconds: float = 2.0) -> str:
        started: list[datetime] = []
        for attempt in Retrying(
            retry=retry_if_exception(lambda exc: self._is_conflict(exc, started[-1])),
            stop=stop_after_attempt(self.conflict_retries + 1),
            wait=wait_exponential(multiplier=wait_seconds, max=20),
            reraise=True,
        ):
            with attempt:
                started.append(datetime.now(UTC))
                return self.run(command, timeout)
        raise AssertionError("unreachable: Retrying either returns or re-raises")

    def describe(self) -> dict | None:
        """The live function (the API's JSON), or None when it does not exist."""
        return self.reader.function()

    def delete_function(self) -> None:
        """Delete the function and with it every revision (what leaves only a backup to restore from)."""
        self.run(
            [
                "gcloud",
                "functions",
                "delete",
                self.env.function,
                "--gen2",
                *location_flags(self.env),
                "--quiet",
            ]
        )

    def revisions(self) -> list[dict]:
        """The function's Cloud Run revisions (Run Admin API v2 JSON)."""
        return self.reader.revisions()

    def service(self) -> dict | None:
        """The function's Cloud Run service (Run Admin API v2 JSON), or None when it does not exist."""
        return self.reader.service()

    def route_all_traffic(self, revision: str | None) -> None:
        """100% to `revision`, or back to the latest revision when None (`--to-latest`)."""
        target = ["--to-revisions", f"{revision}=100"] if revision else ["--to-latest"]
        self.run(
            [
                "gcloud",
                "run",
                "services",
                "update-traffic",
                self.env.service,
                *target,
                *location_flags(self.env),
                "--quiet",
            ]
        )


@dataclass
class Deployed:
    """What a deploy left behind: the revision it built and the service as it was read."""

    revision: str | None
    description: dict
    service: dict | None = None
    #: traffic was moved to `revision` after `service` was read (so `service` shows the old split)
    moved: bool = False


def take_over_deployed(gcloud: Gcloud, detail: dict[str, Any] | None = None) -> Deployed:
    """The revision a deploy just built, with all traffic moved to it if a pinned split kept it out.

    `revision` is None when the function names none (callers raise their own error). Before a move
    the old split is noted in `detail["traffic_was"]` when a `detail` is given.
    """
    described = gcloud.describe() or {}
    revision = described.get("serviceConfig", {}).get("revision")
    if not revision:
        return Deployed(None, described)
    service = gcloud.service()
    if serving_revision(service) == revision:
        return Deployed(revision, described, service)
    # A rollback pinned traffic to an old revision: move it to the one just built.
    if detail is not None:
        detail["traffic_was"] = traffic_split(service)
    gcloud.route_all_traffic(None)
    return Deployed(revision, described, service, moved=True)


def _short_name(resource: str | None) -> str | None:
    """`projects/…/revisions/NAME` -> NAME (v2 names revisions by full resource name)."""
    return resource.rsplit("/", 1)[-1] if resource else None


def revision_names(revisions: list[dict]) -> list[str]:
    return [name for r in revisions if (name := _short_name(r.get("name")))]


def traffic_split(service: dict | None) -> list[dict]:
    """[{revision, percent, latest}] from a Cloud Run v2 service's trafficStatuses."""
    if not service:
        return []
    split = []
    for entry in service.get("trafficStatuses", []) or []:
        split.append(
            {
                "revision": entry.get("revision") or None,
                "percent": entry.get("percent", 0),
                "latest": entry.get("type") == "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST",
            }
        )
    return split


def serving_revision(service: dict | None) -> str | None:
    """The revision receiving 100% of traffic, or None when traffic is split or unknown."""
    for entry in traffic_split(service):
        if entry["percent"] == 100:
            return entry["revision"] or _short_name((service or {}).get("latestReadyRevision"))
    return None
