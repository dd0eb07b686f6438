"""Two checkouts, one non-editable install, one localcloud and its shared state bucket.

Checkout A deploys; checkout B has never deployed (an on-call's fresh clone). Everything runs the
installed console scripts as subprocesses from inside a checkout, as a person would, with the state
in `gs://localcloud-deploy-state/...` (the config's state URL), reached through google-cloud-storage.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from deploy_scripts.config import load_config
from deploy_scripts.localcloud.client import function_url, running_endpoint
from deploy_scripts.localcloud.client import stop as stop_localcloud
from deploy_scripts.localcloud.processes import free_port
from deploy_scripts.pipeline.target import resolve_target
from deploy_scripts.project import Project
from deploy_scripts.state import open_state
from test_scripts.polling import poll

from .conftest import make_checkout

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]

VERSION_A, VERSION_B = "0.1.0.post1", "0.1.0.post2"


class World:
    def __init__(self, root: Path, bin_dir: Path):
        self.root = root
        self.bin = bin_dir
        self.a = make_checkout(root / "checkout-a", VERSION_A)
        self.b = make_checkout(root / "checkout-b", VERSION_B)
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DEPLOY_", "LOCALCLOUD_", "STORAGE_EMULATOR"))
        }
        self.env.update(
            LOCALCLOUD_STATE_DIR=str(root / "localcloud"),
            LOCALCLOUD_PORT=str(free_port()),
            DEPLOY_LOAD_SAMPLE_REQUESTS="1",
            CLOUDSDK_CONFIG=str(root / "gcloud-config"),
        )

    def run(self, checkout: Path, *args: str, extra_env: dict | None = None) -> tuple[int, dict, str]:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:], "--json"], cwd=checkout, env={**self.env, **(extra_env or {})},
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        try:
            return result.returncode, json.loads(result.stdout), result.stderr
        except ValueError:
            raise AssertionError(
                f"not JSON (exit {result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}"
            ) from None

    def spawn(self, checkout: Path, *args: str, extra_env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [str(self.bin / args[0]), *args[1:], "--json"], cwd=checkout, env={**self.env, **(extra_env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def state(self):
        """The shared state, opened the way the commands open it (from checkout B's config)."""
        patch = pytest.MonkeyPatch()
        for key in [k for k in os.environ if k.startswith(("DEPLOY_", "STORAGE_EMULATOR"))]:
            patch.delenv(key)
        patch.setenv("LOCALCLOUD_STATE_DIR", self.env["LOCALCLOUD_STATE_DIR"])
        try:
            project = Project(self.b)
            return open_state(load_config(project=project))
        finally:
            patch.undo()

    def lock_body(self) -> dict | None:
        stored = self.state().backend.read(
            "locks/local.freckled-hen-analytics.us-central1.process_invoice.json"
        )
        return json.loads(stored.data) if stored else None

    def live_version(self) -> str:
        endpoint = running_endpoint(self.root / "localcloud")
        url = function_url(
            endpoint, "process_invoice", project="freckled-hen-analytics", region="us-central1"
        )
        return requests.get(url, timeout=30).json()["version"]


@pytest.fixture(scope="module")
def world(tmp_path_factory, installed_tool: Path):
    world = World(tmp_path_factory.mktemp("shared"), installed_tool)
    try:
        yield world
    finally:
        stop_localcloud(world.root / "localcloud")


def deploy_in_a(world: World) -> dict:
    code, out, err = world.run(world.a, "deploy", "--action", "deploy")
    assert code == 0, (out, err[-2000:])
    return out["record"]


def test_checkout_a_deploys_its_own_code(world: World):
    record = deploy_in_a(world)
    assert record["source_dir"] == str(world.a)
    assert world.live_version() == VERSION_A  # A's code, checked on the live URL
    assert record["stages"][0]["detail"]["state"] == "gs://localcloud-deploy-state/invoice-pipeline"
    events = world.state().backend.read(f"events/{record['id']}/events.jsonl").data.decode().splitlines()
    finished = json.loads(events[-1])
    assert (finished["message"], finished["correlation_id"], finished["status"]) == (
        "run_finished",
        record["id"],
        "succeeded",
    )
    # nothing of B's: B never deployed and has no local state
    assert not (world.b / ".deploy").exists()


def test_b_sees_as_runs_and_runs_an_emergency_rollback(world: World):
    second = deploy_in_a(world)
    code, history, _ = world.run(world.b, "rollback", "--action", "history")
    assert code == 0
    ids = [row["id"] for row in history["runs"]]
    assert second["id"] in ids and len([r for r in history["runs"] if r["kind"] == "deploy"]) == 2
    code, out, err = world.run(
        world.b, "rollback", "--action", "emergency", "--reason", "on-call drill from B"
    )
    assert code == 0, (out, err[-2000:])
    record = out["record"]
    assert record["revision_before"] == second["revision_after"]
    assert record["revision_after"] not in (None, second["revision_after"])
    assert record["metrics"]["path"] == "fast"


def test_while_a_deploys_b_is_refused_at_once_naming_holder_host_and_start(world: World):
    a = world.spawn(world.a, "deploy", "--action", "deploy")
    try:
        body = poll(world.lock_body, lambda b: b is not None, timeout=120)
        assert body is not None, "A's deploy never took the lock"
        started = time.monotonic()
        code, out, _ = world.run(world.b, "deploy", "--action", "deploy", "--skip-validation")
        refused_after = time.monotonic() - started
        assert code == 1 and out["error_type"] == "LockHeld"
        assert out["error"].startswith(
            f"local.freckled-hen-analytics.us-central1.process_invoice is locked by {body['holder']} on "
            f"{socket.gethostname()} (pid {a.pid}, deploy {body['run_id']}) since {body['started_at']};"
        )
        assert refused_after < 30  # at once (a CLI start-up), not after A finished
    finally:
        stdout, stderr = a.communicate(timeout=600)
    assert a.returncode == 0, stderr[-2000:]
    assert json.loads(stdout)["record"]["status"] == "succeeded"


def test_slow_path_restores_from_the_bucket_after_as_local_state_is_gone(world: World):
    shutil.rmtree(world.a / ".deploy", ignore_errors=True)
    project = Project(world.a)
    patch = pytest.MonkeyPatch()
    patch.setenv("LOCALCLOUD_STATE_DIR", world.env["LOCALCLOUD_STATE_DIR"])
    patch.setenv("LOCALCLOUD_PORT", world.env["LOCALCLOUD_PORT"])
    patch.setenv("CLOUDSDK_CONFIG", world.env["CLOUDSDK_CONFIG"])
    try:
        target = resolve_target(load_config(project=project), None)
        target.gcloud.delete_function()  # every revision is gone: only a backup can bring it back
    finally:
        patch.undo()
    code, out, err = world.run(
        world.b, "rollback", "--action", "rollback", "--reason", "drill: function deleted"
    )
    assert code == 0, (out, err[-2000:])
    record = out["record"]
    assert record["metrics"]["path"] == "slow"
    slow = next(s for s in record["stages"] if s["name"] == "slow_path")
    assert slow["status"] == "passed" and slow["detail"]["backup"].startswith("backup_")
    assert world.live_version() == VERSION_A  # the backup held A's code
    assert not (world.a / ".deploy").exists()


def test_killed_holder_is_taken_over_and_the_takeover_reported(world: World):
    a = world.spawn(world.a, "deploy", "--action", "deploy", extra_env={"DEPLOY_LOCK_LEASE_SECONDS": "3"})
    body = poll(world.lock_body, lambda b: b is not None, timeout=120)
    assert body is not None, "A's deploy never took the lock"
    os.kill(a.pid, signal.SIGKILL)
    a.communicate(timeout=60)
    code, out, err = world.run(world.b, "deploy", "--action", "deploy", "--skip-validation")
    assert code == 0, (out, err[-2000:])
    lock_stage = out["record"]["stages"][0]
    assert lock_stage["detail"]["taken_over"]["run_id"] == body["run_id"]
    assert lock_stage["detail"]["takeover"].startswith(
        f"took over the lock of {body['holder']} on {socket.gethostname()} (pid {a.pid}, deploy {body['run_id']}) "
        f"since {body['started_at']}: "
    )
    assert world.lock_body() is None  # released at the end


def test_the_wheel_ships_only_the_orchestrator_and_the_extractor(installed_tool: Path):
    site = next((installed_tool.parent / "lib").glob("python3*/site-packages"))
    shipped = {
        p.name
        for p in site.iterdir()
        if not p.name.endswith((".dist-info", ".pth")) and p.name != "__pycache__"
    }
    assert shipped == {"deploy_scripts", "invoice_processing"}


def test_installed_validate_scores_the_checkouts_own_goldens(world: World):
    result = subprocess.run(
        [str(world.bin / "validate"), "--format", "json"], cwd=world.b / "config", env=world.env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["invoices_dir"] == str(world.b / "test_invoices")
