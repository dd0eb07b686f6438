"""The deploy lock in the shared state: a local directory, and localcloud's Cloud Storage
(fake-gcs-server) through the official google-cloud-storage client."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.api_core.exceptions import PreconditionFailed as Gcs412

from deploy_scripts.errors import LockHeld
from deploy_scripts.localcloud.storage import local_storage_client, start_storage, stop_storage
from deploy_scripts.state import GcsBackend, LocalBackend, StateBackend
from deploy_scripts.state.lock import StateLock

KEY = "local.p.r.fn"

HOLDER = """
import json, sys, time
from pathlib import Path
from deploy_scripts.state import GcsBackend, LocalBackend
from deploy_scripts.state.lock import StateLock
spec = json.loads(sys.argv[1])
if spec["kind"] == "local":
    backend = LocalBackend(Path(spec["root"]))
else:
    from deploy_scripts.localcloud.storage import local_storage_client
    backend = GcsBackend("lock-tests", spec["prefix"], local_storage_client(spec["root"], "p", "lock-tests"))
StateLock(backend, "local.p.r.fn", "run-held", "deploy", lease_seconds=spec["lease"]).acquire()
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture(scope="module")
def storage_root(tmp_path_factory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("localcloud")
    start_storage(root)
    yield root
    stop_storage(root)


@pytest.fixture(params=["local", "gcs"])
def backend_spec(request, tmp_path: Path) -> dict:
    if request.param == "local":
        return {"kind": "local", "root": str(tmp_path / "state")}
    root = request.getfixturevalue("storage_root")
    return {"kind": "gcs", "root": str(root), "prefix": f"t/{tmp_path.name}"}


def make_backend(spec: dict) -> StateBackend:
    if spec["kind"] == "local":
        return LocalBackend(Path(spec["root"]))
    return GcsBackend("lock-tests", spec["prefix"], local_storage_client(spec["root"], "p", "lock-tests"))


def hold_in_child(spec: dict, lease: float = 60) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, json.dumps({**spec, "lease": lease})],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "held"
    return child


def test_second_holder_is_refused_at_once_naming_holder_host_and_start(backend_spec: dict):
    child = hold_in_child(backend_spec)
    try:
        backend = make_backend(backend_spec)
        started = time.monotonic()
        with pytest.raises(LockHeld) as error:
            StateLock(backend, KEY, "run-2", "deploy").acquire()
        elapsed = time.monotonic() - started
        held = json.loads(backend.read(f"locks/{KEY}.json").data)
        message = str(error.value)
        assert message == (
            f"{KEY} is locked by {held['holder']} on {socket.gethostname()} (pid {child.pid}, deploy run-held) "
            f"since {held['started_at']}; wait for it to finish (`deploy --action status` shows progress) and try again"
        )
        assert elapsed < 5  # refused at once, not after waiting for the holder
    finally:
        child.kill()
        child.wait()


def test_killed_holder_on_this_host_is_taken_over_and_reported(backend_spec: dict):
    child = hold_in_child(backend_spec)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    backend = make_backend(backend_spec)
    lock = StateLock(backend, KEY, "run-3", "rollback").acquire()
    try:
        assert lock.taken_over is not None and lock.taken_over.pid == child.pid
        assert lock.taken_over.run_id == "run-held"
        assert lock.takeover_reason == f"its holder (pid {child.pid} on this host) no longer exists"
        body = json.loads(backend.read(f"locks/{KEY}.json").data)
        assert body["run_id"] == "run-3" and body["pid"] == os.getpid()
    finally:
        lock.release()
    assert backend.read(f"locks/{KEY}.json") is None  # a clean release deletes the lock
    again = StateLock(backend, KEY, "run-4", "deploy").acquire()
    assert again.taken_over is None
    again.release()


def _foreign_lock(backend: StateBackend, lease_expires: datetime) -> None:
    body = {
        "holder": "oncall@laptop-b", "host": "laptop-b", "pid": 4242, "run_id": "run-b", "action": "deploy",
        "started_at": "2026-01-01T00:00:00+00:00", "lease_expires_at": lease_expires.isoformat(timespec="seconds"),
    }  # fmt: skip
    backend.create(f"locks/{KEY}.json", json.dumps(body).encode())


def test_another_machines_lock_holds_until_its_lease_expires(backend_spec: dict):
    backend = make_backend(backend_spec)
    _foreign_lock(backend, datetime.now(UTC) + timedelta(minutes=5))
    with pytest.raises(
        LockHeld, match=r"locked by oncall@laptop-b on laptop-b \(pid 4242, deploy run-b\) since 2026-01-01"
    ):
        StateLock(backend, KEY, "run-5", "deploy").acquire()
    backend.delete(f"locks/{KEY}.json")
    expired = datetime.now(UTC) - timedelta(seconds=5)
    _foreign_lock(backend, expired)
    lock = StateLock(backend, KEY, "run-6", "deploy").acquire()
    try:
        assert lock.taken_over.holder == "oncall@laptop-b"
        assert lock.takeover_reason == (
            f"its lease expired at {expired.isoformat(timespec='seconds')} (not renewed: the holder is gone)"
        )
    finally:
        lock.release()


def test_a_running_holder_renews_its_lease(backend_spec: dict):
    backend = make_backend(backend_spec)
    lock = StateLock(backend, KEY, "run-7", "deploy", lease_seconds=0.9).acquire()
    try:
        first = json.loads(backend.read(f"locks/{KEY}.json").data)["lease_expires_at"]
        time.sleep(2.5)  # well past the first lease: only renewals keep it
        with pytest.raises(LockHeld):
            StateLock(backend, KEY, "run-8", "deploy").acquire()
        assert json.loads(backend.read(f"locks/{KEY}.json").data)["lease_expires_at"] > first
    finally:
        lock.release()


def test_different_functions_do_not_block_each_other(backend_spec: dict):
    backend = make_backend(backend_spec)
    with StateLock(backend, "local.p.r.a", "r1", "deploy"), StateLock(backend, "local.p.r.b", "r2", "deploy"):
        pass


def test_concurrent_creates_exactly_one_wins_with_412_for_the_rest(storage_root: Path):
    """The emulator honours ifGenerationMatch=0 as Cloud Storage does (the lock relies on it)."""
    bucket = local_storage_client(storage_root, "p", "lock-tests").bucket("lock-tests")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def create(i: int) -> None:
        client = local_storage_client(storage_root, "p", "lock-tests")
        barrier.wait()
        try:
            client.bucket("lock-tests").blob("race/lock").upload_from_string(
                f"writer {i}", if_generation_match=0
            )
            outcomes.append(f"won {i}")
        except Gcs412:
            outcomes.append("412")

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1 and outcomes.count("412") == 7
    blob = bucket.get_blob("race/lock")
    assert blob.download_as_text() == f"writer {winners[0].split()[1]}"
    with pytest.raises(Gcs412):
        blob.upload_from_string("stale", if_generation_match=blob.generation + 1)
    blob.upload_from_string("next", if_generation_match=blob.generation)
