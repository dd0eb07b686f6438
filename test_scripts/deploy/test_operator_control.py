"""Operator control without a cloud: usage errors, and the request a live rollout acts on."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.control.requests import (
    OperatorRequested,
    clear_request,
    pending_request,
    post_request,
    sleep_watching_requests,
)
from deploy_scripts.pipeline.lock import actor
from deploy_scripts.rollout import RolloutProgress, save_progress

KEY = "local.freckled-hen-analytics.us-central1.process_invoice"


def test_promote_abort_resume_without_a_rollout_are_usage_errors(isolated_env: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALCLOUD_STATE_DIR", str(tmp_path / "localcloud"))
    for action in ("promote", "abort"):
        result = CliRunner().invoke(deploy, ["--action", action])
        assert result.exit_code == 2
        assert result.output == (
            "Error: no rollout of process_invoice is in progress; `deploy --action status` shows what serves\n"
        )
    save_progress(isolated_env, RolloutProgress(run_id="r1", key=KEY, candidate="rev-2", status="aborted"))
    result = CliRunner().invoke(deploy, ["--action", "promote"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: no rollout of process_invoice is in progress (the last one, of rev-2, is aborted); "
        "`deploy --action status` shows what serves\n"
    )
    result = CliRunner().invoke(deploy, ["--resume"])
    assert result.exit_code == 2
    assert (
        result.output
        == "Error: no interrupted rollout of process_invoice to resume; `deploy` starts a new one\n"
    )
    assert not (tmp_path / "localcloud").exists()  # nothing was started to find that out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--watch"], "--watch and --watch-seconds go with --action status"),
        (
            ["--action", "promote", "--watch-seconds", "3"],
            "--watch and --watch-seconds go with --action status",
        ),
        (["--action", "status", "--resume"], "--resume goes with --action deploy (it is --action resume)"),
    ],
)
def test_options_that_do_not_go_together(isolated_env: Path, args: list[str], message: str):
    result = CliRunner().invoke(deploy, args)
    assert result.exit_code == 2
    assert f"Error: {message}" in result.output


def test_a_request_reaches_only_its_rollout_and_cuts_its_wait_short(tmp_path: Path):
    state = tmp_path / "state"
    nothing = sleep_watching_requests(state, KEY, "run-1", poll=0.05)
    started = time.monotonic()
    nothing(0.2)  # no request: the whole wait
    assert time.monotonic() - started >= 0.2
    post_request(state, KEY, "abort", "run-0")  # for an earlier rollout: not this one's
    assert pending_request(state, KEY, "run-1") is None
    request = post_request(state, KEY, "promote", "run-1")
    assert json.loads((state / "rollouts" / f"{KEY}.request.json").read_text())["by"] == actor()
    started = time.monotonic()
    with pytest.raises(OperatorRequested) as asked:
        sleep_watching_requests(state, KEY, "run-1", poll=0.05)(60)
    assert time.monotonic() - started < 5  # at once, not after the step's 60 s
    assert asked.value.request == request
    assert asked.value.reason == f"promote by {actor()} at {request.at} (`deploy --action promote`)"
    clear_request(state, KEY)
    assert pending_request(state, KEY, "run-1") is None


def test_a_traffic_update_refused_as_stale_is_read_again_and_retried():
    from deploy_scripts.control.rollouts import retrying_modified
    from deploy_scripts.errors import GcloudFailed

    stale = GcloudFailed(
        "ABORTED: the object has been modified; please apply your changes to the latest version"
    )
    calls = []

    def update() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise stale

    retrying_modified(update)
    assert len(calls) == 2

    def refused() -> None:
        calls.append(1)
        raise GcloudFailed("PERMISSION_DENIED")

    calls.clear()
    with pytest.raises(GcloudFailed, match="PERMISSION_DENIED"):
        retrying_modified(refused)
    assert len(calls) == 1  # anything else is not retried
