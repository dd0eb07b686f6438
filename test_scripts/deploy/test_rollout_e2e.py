"""Blue-green and canary deploys end to end: the real gcloud CLI against localcloud, real HTTP.

One localcloud and one function for the module, in file order: a first deploy (all-at-once, it
carries `stable`), a candidate that fails every POST (refused, never served), a candidate that fails
only real traffic (passes verification, aborted by the canary analysis), a harmless change
(promoted), and an emergency rollback from a checkout with no state of its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.config import REPO_ROOT
from deploy_scripts.localcloud.client import identity_headers
from deploy_scripts.localcloud.staging import stage_project_source
from deploy_scripts.rollout.progress import abandoned, load_progress
from deploy_scripts.rollout.traffic import TrafficControl

from .conftest import localcloud_environment, write_config

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]

REAL_INVOICE = REPO_ROOT / "test_invoices" / "cc-one-page-invoice.pdf"

#: every POST answers 500 (health GETs still answer, so only the invoices show it)
FAIL_EVERY_POST = """

# --- appended by test_rollout_e2e: a revision whose every POST fails ---
from invoice_processing.service import handler as _handler

_honest_answer = _handler._answer


def _failing_answer(request, rt=None):
    if request.method == "POST":
        return '{"error": "broken on purpose"}', 500, {"Content-Type": "application/json"}
    return _honest_answer(request, rt)


_handler._answer = _failing_answer
"""

#: the sheet write path is broken: dry runs (verification) pass, every real invoice fails
FAIL_REAL_WRITES = """

# --- appended by test_rollout_e2e: the sink's write path is broken ---
from invoice_processing.service.sqlite_sink import SqliteSink as _Sink


def _broken_write(self, *args, **kwargs):
    raise OSError("the sheet write path is broken")


_Sink.write = _broken_write
"""


class Cloud:
    def __init__(self, root: Path, target):
        self.root, self.target = root, target
        self.control = TrafficControl(target.gcloud)
        self.url = target.function_url(None)
        # canary steps a test can wait out: 50% for 4 s, judged on >= 3 real events (waiting up
        # to 20 s); latency may differ more on 2 busy cores than in production (x3 allowed)
        self.config = write_config(
            root / "canary.toml",
            environments__local__localcloud_dir=str(root / "localcloud"),
            rollout__environments__local={
                "weights": [50], "step_seconds": 4, "min_events": 3, "max_wait_seconds": 20,
                "inconclusive": "abort", "max_worse_than_stable": {"p95_seconds_ratio": 3.0},
            },
        )  # fmt: skip

    def source(self, name: str, appended: str = "") -> Path:
        source = stage_project_source(self.root / name)
        if appended:
            main_py = source / "main.py"
            main_py.write_text(main_py.read_text() + appended)
        return source


@pytest.fixture(scope="module")
def cloud(tmp_path_factory) -> Iterator[Cloud]:
    root = tmp_path_factory.mktemp("rollout")
    with localcloud_environment(root) as target:
        yield Cloud(root, target)


def run_cli(command, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(command, [*args, "--json"], catch_exceptions=False)
    try:
        return result.exit_code, json.loads(result.stdout)
    except ValueError:
        raise AssertionError(f"not JSON (exit {result.exit_code}): {result.output[-3000:]}") from None


@contextmanager
def background(work, threads: int = 1) -> Iterator[list]:
    """Run `work(seen)` in a loop on `threads` threads until the block ends; yields what they saw."""
    stop, seen = threading.Event(), []

    def loop() -> None:
        while not stop.is_set():
            try:
                seen.append(work())
            except requests.RequestException as exc:
                seen.append(("error", type(exc).__name__))
            time.sleep(0.05)

    workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    try:
        yield seen
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)


def probe(url: str):
    """A GET on the function URL, as a monitor would: which revision answered."""
    return lambda: requests.get(url, headers=identity_headers(url), timeout=30).json().get("revision")


def real_invoice(url: str):
    """A real (not dry-run) POST, as Zapier sends: (status, revision that answered, correlation id).

    An error answer names no revision; its correlation id finds it in the revisions' events."""

    def post():
        with REAL_INVOICE.open("rb") as handle:
            response = requests.post(url, files={"invoice_file": (REAL_INVOICE.name, handle, "application/pdf")},
                                     headers=identity_headers(url), timeout=60)  # fmt: skip
        body = response.json()
        return response.status_code, body.get("revision"), body.get("correlation_id")

    return post


def stage(record: dict, name: str) -> dict:
    return next(s for s in record["stages"] if s["name"] == name)


def test_first_deploy_is_all_at_once_and_carries_stable(cloud: Cloud):
    code, out = run_cli(deploy, "--skip-validation")
    assert code == 0, out
    record = out["record"]
    revision = record["revision_after"]
    assert record["metrics"]["strategy"] == "all-at-once"
    assert stage(record, "pin")["status"] == "skipped"
    assert stage(record, "pin")["detail"]["why"] == "first deploy: no revision to pin, all-at-once"
    view = cloud.control.view()
    assert view.stable == revision == view.serving and view.candidate is None


def test_a_candidate_failing_every_post_is_refused_and_never_serves(cloud: Cloud):
    stable = cloud.control.view().stable
    source = cloud.source("fails-every-post", FAIL_EVERY_POST)
    with background(probe(cloud.url)) as answered:
        code, out = run_cli(deploy, "--skip-validation", "--source-dir", str(source))
    assert code == 1, out
    record = out["record"]
    candidate = stage(record, "deploy")["detail"]["revision"]
    assert candidate != stable
    assert stage(record, "pin")["detail"]["stable"] == stable
    assert stage(record, "verify")["detail"]["url"].endswith("/candidate---process_invoice")
    assert stage(record, "verify")["detail"]["live_percent"] == 0
    assert out["error"].startswith(f"candidate {candidate} refused by verification: reference_accuracy = 0")
    assert out["error"].endswith(
        f"it never received live traffic, {stable} serves 100%, the `candidate` tag was removed"
    )
    assert record["status"] == "failed" and record["decision"]["outcome"] == "aborted"
    # a prober on the function URL saw the stable revision, and only it, the whole time
    assert len(answered) >= 10 and set(answered) == {stable}
    view = cloud.control.view()
    assert view.serving == view.stable == stable and view.candidate is None
    assert abandoned(_state(cloud), cloud.target.key)[candidate].startswith(
        f"candidate {candidate} refused by verification"
    )


def _state(cloud: Cloud) -> Path:
    return cloud.root / "state"


def test_a_candidate_failing_only_real_traffic_is_aborted_by_the_canary(cloud: Cloud):
    stable = cloud.control.view().stable
    source = cloud.source("fails-real-writes", FAIL_REAL_WRITES)
    with background(real_invoice(cloud.url), threads=2) as answers:
        code, out = run_cli(
            deploy, "--skip-validation", "--source-dir", str(source), "--config", str(cloud.config)
        )
    assert code == 1, out
    record = out["record"]
    candidate = stage(record, "deploy")["detail"]["revision"]
    assert stage(record, "verify")["status"] == "passed"  # dry runs write nothing: verification passes
    (step,) = stage(record, "canary")["detail"]["steps"]
    assert step["weight"] == 50 and step["verdict"] == "failure"
    assert step["candidate"]["events"] >= 3 and step["candidate"]["error_rate"] == 1.0
    assert step["stable"]["events"] >= 1 and step["stable"]["error_rate"] == 0.0
    assert out["error"].startswith(
        f"canary of {candidate} aborted: step 1 (50%): analysis failed: error_rate = 1 (needs <= 0.05, absolute)"
    )
    assert out["error"].endswith(f"100% back on stable {stable}, candidate untagged")
    # the candidate took real traffic at the first step, and failed it; stable answered the rest
    assert {revision for status, revision, _ in answers if status == 200} == {stable}
    failed = {correlation for status, _, correlation in answers if status == 500}
    real = [
        e["jsonPayload"] for e in cloud.target.read_events(candidate, None) if not e["jsonPayload"]["dry_run"]
    ]
    assert len(failed) >= 3 and {e["message"] for e in real} == {"invoice_failed"}
    assert failed <= {e["correlation_id"] for e in real}
    view = cloud.control.view()
    assert view.serving == view.stable == stable and view.candidate is None
    progress = load_progress(_state(cloud), cloud.target.key)
    assert (
        progress.status == "aborted" and progress.candidate == candidate and progress.weights == {stable: 100}
    )


def test_a_harmless_change_is_promoted_and_emergency_goes_back_to_previous_stable(
    cloud: Cloud, tmp_path: Path
):
    previous = cloud.control.view().stable
    with background(real_invoice(cloud.url), threads=2) as answers:
        code, out = run_cli(deploy, "--skip-validation", "--config", str(cloud.config))
    assert code == 0, out
    record = out["record"]
    promoted = record["revision_after"]
    (step,) = stage(record, "canary")["detail"]["steps"]
    assert step["verdict"] == "success" and step["candidate"]["events"] >= 3
    assert {revision for _, revision, _ in answers} == {previous, promoted}
    assert all(status == 200 for status, _, _ in answers)
    view = cloud.control.view()
    assert view.stable == view.serving == promoted != previous
    assert view.tagged("previous").revision == previous and view.candidate is None
    # on-call, from a clone with no state of its own: the service's tags alone say where to go
    fresh = pytest.MonkeyPatch()
    fresh.setenv("DEPLOY_STATE_DIR", str(tmp_path / "fresh-clone-state"))
    try:
        code, out = run_cli(rollback, "--action", "emergency", "--reason", "drill from a fresh clone")
    finally:
        fresh.undo()
    assert code == 0, out
    emergency = out["record"]
    assert emergency["revision_before"] == promoted and emergency["revision_after"] == previous
    assert stage(emergency, "fast_path")["detail"]["by"] == "tags"
    view = cloud.control.view()
    assert view.serving == view.stable == previous
    # the revision walked away from is no rollback target again (unless named with --to)
    assert promoted in abandoned(tmp_path / "fresh-clone-state", cloud.target.key)
