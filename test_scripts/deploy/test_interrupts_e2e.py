"""Signals and kills sent to a real `deploy` process talking to localcloud through the real gcloud.

SIGKILL during the deploy stage (gcloud left running): the next `deploy` pins the verified revision,
waits for the function's operation (the API's word) before judging what serves, and never leaves
the unverified revision serving. SIGTERM while the operation is in flight, SIGINT during
verification: exit 143 / 130, `stable` serves 100% (pinned: the deploy going on server-side takes
no traffic), the candidate is untagged. The tests share one localcloud and run in file order.
"""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.control.recovery import FINISHED_WHILE_PINNING
from deploy_scripts.localcloud.client import running_endpoint
from deploy_scripts.localcloud.client import start as start_localcloud
from deploy_scripts.pipeline.records import RecordStore
from deploy_scripts.rollout import TrafficControl

from .conftest import localcloud_environment, sabotage
from .test_e2e_localcloud import SLOW_START, Cloud, _wait_for_stage, run_cli, spawn, wait_for

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupts")
    with localcloud_environment(root) as target:
        world = Cloud(root, target)
        code, out = run_cli(deploy, "--skip-validation")
        assert code == 0, out
        world.good = out["record"]["revision_after"]
        yield world


def slow_source(cloud: Cloud, name: str, broken: bool = False):
    """A copy whose revision does not finish starting until `release` exists: its operation stays in flight."""
    source = cloud.source_copy(name)
    release = cloud.root / f"release-{name}"
    main_py = source / "main.py"
    main_py.write_text(main_py.read_text() + SLOW_START.format(release=str(release)))
    return (sabotage(source) if broken else source), release


def in_flight(cloud: Cloud) -> bool:
    return cloud.target.gcloud.reader.operation_in_progress()


def pinned(cloud: Cloud) -> list[tuple[str | None, int, bool]]:
    """(revision, percent, "the latest") of each traffic entry with a share."""
    view = TrafficControl(cloud.target.gcloud).view()
    return [(e.revision, e.percent, e.latest) for e in view.entries if e.percent]


def record_of(cloud: Cloud, run_id: str):
    return next(r for r in RecordStore(cloud.state).all() if r.id == run_id)


def test_sigkill_mid_deploy_the_next_deploy_waits_for_the_operation(cloud: Cloud):
    """All-at-once with traffic on "the latest": a finishing deploy would take all of it."""
    cloud.target.gcloud.route_all_traffic(None)
    assert pinned(cloud) == [(cloud.good, 100, True)]
    source, release = slow_source(cloud, "sigkill", broken=True)
    victim = spawn("deploy", "--skip-validation", "--strategy", "all-at-once", "--source-dir", str(source),
                   start_new_session=True)  # fmt: skip
    timer = None
    try:
        record = _wait_for_stage(cloud, victim, "deploy")
        wait_for(lambda: in_flight(cloud), "the function's operation to start")
        os.kill(victim.pid, signal.SIGKILL)  # the process only: its gcloud goes on
        victim.wait(10)
        assert in_flight(cloud)
        timer = threading.Timer(3, release.touch)
        timer.start()
        code, out = run_cli(
            deploy,
            "--skip-validation",
            "--strategy",
            "all-at-once",
            "--source-dir",
            str(cloud.source_copy("after-kill")),
        )
    finally:
        release.touch()
        if timer is not None:
            timer.cancel()
    assert code == 0, out
    recovered = out["record"]["recovered"]
    assert recovered[0] == f"deploy {record.id} by {record.actor} was interrupted during deploy"
    assert (
        recovered[1]
        == f"pinned traffic to verified {cloud.good} while the interrupted deploy's operation finishes"
    )
    # the operation may end while traffic is being pinned (under load, pinning outlasts the 3 s timer)
    assert recovered[2] == FINISHED_WHILE_PINNING or (
        recovered[2].startswith("waited ")
        and recovered[2].endswith("s for the function's operation still in flight to finish")
    )
    assert recovered[3] == f"serving revision {cloud.good} is verified; nothing to restore"
    new = out["record"]["revision_after"]
    assert cloud.serving() == new and new in cloud.known_good()
    assert len(set(cloud.revisions()) - set(cloud.known_good())) == 1  # the killed deploy's: it never served
    cloud.good = new


def test_sigterm_while_the_operation_is_in_flight_leaves_stable_serving(cloud: Cloud):
    source, release = slow_source(cloud, "sigterm", broken=True)
    victim = spawn("deploy", "--skip-validation", "--source-dir", str(source))
    try:
        record = _wait_for_stage(cloud, victim, "deploy")
        wait_for(lambda: in_flight(cloud), "the function's operation to start")
        victim.send_signal(signal.SIGTERM)
        out, err = victim.communicate(timeout=60)
    finally:
        release.touch()
    assert victim.returncode == 143, (out[-2000:], err[-2000:])
    answer = json.loads(out)
    assert answer["error_type"] == "Interrupted" and answer["signal"] == "SIGTERM"
    assert answer["notes"] == [
        f"verified {cloud.good} (`stable`) still serves 100%",
        "the deploy's operation is still running server-side; traffic is pinned, so its revision gets none "
        "(the next deploy or rollback waits for it and checks what serves)",
    ]
    stored = record_of(cloud, record.id)
    assert stored.status == "interrupted" and stored.current_stage == "deploy"
    assert stored.error.startswith("SIGTERM during stage 'deploy'; verified")
    wait_for(lambda: not in_flight(cloud), "the server-side deploy to finish")
    assert len(set(cloud.revisions()) - set(cloud.known_good())) == 2  # it did build its revision ...
    assert pinned(cloud) == [(cloud.good, 100, False)]  # ... which took no traffic


def test_sigint_during_verify_untags_the_candidate(cloud: Cloud):
    victim = spawn("deploy", "--skip-validation", "--source-dir", str(sabotage(cloud.source_copy("sigint"))))
    record = _wait_for_stage(cloud, victim, "verify")
    victim.send_signal(signal.SIGINT)
    out, err = victim.communicate(timeout=60)
    assert victim.returncode == 130, (out[-2000:], err[-2000:])
    notes = json.loads(out)["notes"]
    candidate = record_of(cloud, record.id).revision_after
    assert notes == [f"verified {cloud.good} (`stable`) still serves 100%; candidate {candidate} untagged"]
    assert pinned(cloud) == [(cloud.good, 100, False)]
    assert TrafficControl(cloud.target.gcloud).view().candidate is None
    code, status = run_cli(deploy, "--action", "status")
    assert code == 0 and status["verdict"] == "ok"  # what serves is verified; the runs are still to check
    assert [w["problem"].split(" by ")[0] for w in status["warnings"]][-1] == f"deploy {record.id}"


def test_localcloud_killed_during_verify_leaves_a_mark_the_next_command_acts_on(cloud: Cloud):
    """Issue 14.6: localcloud (server and functions) dies while an all-at-once deploy verifies a
    revision that already takes all traffic. The run must end `interrupted`; once localcloud is back,
    status flags the unverified revision and the next command puts the verified one back."""
    source = sabotage(cloud.source_copy("localcloud-killed"))
    victim = spawn("deploy", "--skip-validation", "--strategy", "all-at-once", "--source-dir", str(source))
    record = _wait_for_stage(cloud, victim, "verify")
    endpoint = cloud.target.endpoint
    os.killpg(running_endpoint(endpoint.state_dir).pid, signal.SIGKILL)
    out, err = victim.communicate(timeout=240)
    assert victim.returncode == 1, (out[-2000:], err[-2000:])
    stored = record_of(cloud, record.id)
    assert stored.status == "interrupted" and stored.current_stage in ("verify", "slow_path"), stored
    start_localcloud(endpoint.state_dir, endpoint.port)
    unverified = cloud.serving()
    assert unverified == stored.revision_after != cloud.good  # it took traffic before verification
    code, status = run_cli(deploy, "--action", "status")
    assert code == 1 and status["verdict"] == "unverified", status
    problems = [w["problem"] for w in status["warnings"]]
    assert (
        f"{unverified} serves 100% but is not verified (not tagged `stable`, not in known-good)" in problems
    )
    code, out = run_cli(rollback, "--action", "rollback", "--reason", "after localcloud died")
    assert code == 0, out
    recovered = out["record"]["recovered"]
    # the stage it died in: verify, or the automatic rollback that verification's failure started
    assert (
        recovered[0] == f"deploy {record.id} by {record.actor} was interrupted during {stored.current_stage}"
    )
    assert recovered[1].startswith(f"{unverified} was serving unverified; traffic restored to verified")
    assert cloud.serving() == cloud.good
    assert run_cli(deploy, "--action", "status")[0] == 0
