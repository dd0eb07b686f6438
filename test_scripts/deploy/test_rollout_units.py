"""The rollout's analysis, its config and the production dry run's traffic commands (no cloud)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.config import RolloutSettings, load_config
from deploy_scripts.errors import ConfigError
from deploy_scripts.rollout.analysis import analyze, real_figures

from .conftest import write_config
from .test_source_and_backup import make_source


def entry(revision: str, *, failed: bool = False, dry_run: bool = False, ms: float = 800, memory: float = 200,
          quality: float = 1.0) -> dict:  # fmt: skip
    """A LogEntry as Cloud Logging returns the function's event (revision in resource.labels)."""
    payload = {
        "message": "invoice_failed" if failed else "invoice_processed",
        "correlation_id": "c",
        "duration_ms": ms,
        "peak_memory_mb": memory,
        "dry_run": dry_run,
        "status": 500 if failed else 200,
    }
    if not failed:
        payload["quality_score"] = quality
    return {
        "jsonPayload": payload,
        "timestamp": "2026-12-02T00:00:00Z",
        "severity": "ERROR" if failed else "INFO",
        "resource": {"type": "cloud_run_revision", "labels": {"revision_name": revision}},
    }


LIMITS = RolloutSettings(min_events=3)


def test_dry_runs_are_left_out_and_too_few_real_events_are_inconclusive():
    # 40 dry-run verification requests that all succeeded hide nothing: 2 real events, both failed
    candidate = [entry("c", dry_run=True) for _ in range(40)] + [entry("c", failed=True) for _ in range(2)]
    figures = real_figures("c", candidate)
    assert (figures.events, figures.synthetic, figures.errors, figures.error_rate) == (2, 40, 2, 1.0)
    verdict = analyze(figures, real_figures("s", [entry("s")] * 5), LIMITS)
    assert verdict.verdict == "inconclusive" and verdict.failures == []


def test_a_failing_candidate_fails_with_its_measured_values():
    candidate = real_figures("c", [entry("c", failed=True)] * 3 + [entry("c")])
    stable = real_figures("s", [entry("s")] * 6)
    verdict = analyze(candidate, stable, LIMITS)
    assert verdict.verdict == "failure"
    assert verdict.failures == [
        "error_rate = 0.75 (needs <= 0.05, absolute)",
        "error_rate = 0.75 (needs <= 0.02, stable 0 + 0.02)",
    ]
    assert verdict.summary().startswith("error_rate = 0.75 (needs <= 0.05, absolute); ")
    assert "candidate c: 4 real events, error rate 0.75" in verdict.summary()


def test_worse_than_stable_fails_although_every_absolute_limit_holds():
    # p95 4 s is far under the absolute 60 s, but three times stable's 1.2 s (allowed: x1.5)
    candidate = real_figures("c", [entry("c", ms=4000)] * 5)
    stable = real_figures("s", [entry("s", ms=1200)] * 5)
    verdict = analyze(candidate, stable, LIMITS)
    assert verdict.verdict == "failure"
    assert verdict.failures == ["p95_seconds = 4 (needs <= 1.8, stable 1.2 x 1.5)"]


def test_a_candidate_as_good_as_stable_succeeds():
    candidate = real_figures("c", [entry("c", ms=900, quality=0.98)] * 4)
    stable = real_figures("s", [entry("s", ms=1000, quality=1.0)] * 4)
    assert analyze(candidate, stable, LIMITS).verdict == "success"


def test_environment_overrides_and_their_errors(tmp_path: Path):
    config = load_config(write_config(tmp_path / "ok.toml"))
    assert config.rollout_for("local").step_seconds == 3 and config.rollout_for("production").weights == [
        10,
        50,
    ]
    bad = write_config(tmp_path / "bad.toml", rollout__environments__local__weigths=[50])
    with pytest.raises(ConfigError) as raised:
        load_config(bad)
    assert "rollout: Value error, environments.local: weigths: Extra inputs are not permitted" in str(
        raised.value
    )
    decreasing = write_config(tmp_path / "dec.toml", rollout__weights=[50, 10])
    with pytest.raises(ConfigError, match=r"weights must increase step by step, got \[50, 10\]"):
        load_config(decreasing)


def test_production_dry_run_shows_the_pin_tag_and_traffic_commands(
    isolated_env, tmp_path: Path, offline_session
):
    source = make_source(tmp_path / "src")
    args = ["--env", "production", "--dry-run", "--skip-validation", "--source-dir", str(source), "--json"]
    result = CliRunner().invoke(deploy, args)
    assert result.exit_code == 0, result.output
    traffic = json.loads(result.output)["traffic"]
    where = ["--project", "freckled-hen-analytics", "--region", "us-central1", "--quiet"]
    update = ["gcloud", "run", "services", "update-traffic", "process-invoice"]
    assert traffic["strategy"] == "blue-green" and traffic["note"].startswith("live traffic unknown (")
    assert [(s["step"], s.get("command")) for s in traffic["steps"]] == [
        ("pin", [*update, "--to-revisions", "<stable revision>=100", "--update-tags", "stable=<stable revision>", *where]),
        ("deploy", None),
        ("tag", [*update, "--update-tags", "candidate=<new revision>", *where]),
        ("verify", None),
        ("canary 10%", [*update, "--to-revisions", "<new revision>=10,<stable revision>=90", *where]),
        ("canary 50%", [*update, "--to-revisions", "<new revision>=50,<stable revision>=50", *where]),
        ("promote", [*update, "--to-revisions", "<new revision>=100", "--update-tags",
                     "stable=<new revision>,previous=<stable revision>", "--remove-tags", "candidate", *where]),
        ("abort (on a failed analysis)", [*update, "--to-tags", "stable=100", "--remove-tags", "candidate", *where]),
    ]  # fmt: skip
    human = CliRunner().invoke(deploy, args[:-1])
    assert human.exit_code == 0, human.output
    assert "  canary 10%: gcloud run services update-traffic process-invoice --to-revisions " in human.output
    assert not isolated_env.exists()


def service(*statuses: dict, latest: str = "fn-00003-c") -> dict:
    """A Cloud Run v2 service as the Admin API answers it (trafficStatuses; LATEST names no revision)."""
    return {"latestReadyRevision": f"projects/p/locations/r/services/fn/revisions/{latest}",
            "trafficStatuses": list(statuses)}  # fmt: skip


REVISION = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"


def test_the_view_reads_weights_tags_and_tag_urls_from_traffic_statuses():
    from deploy_scripts.rollout.traffic import view_of

    view = view_of(service(
        {"type": REVISION, "revision": "fn-00001-a", "percent": 90},
        {"type": REVISION, "revision": "fn-00003-c", "percent": 10},
        {"type": REVISION, "revision": "fn-00001-a", "tag": "stable", "uri": "https://stable---fn-x.a.run.app"},
        {"type": REVISION, "revision": "fn-00003-c", "tag": "candidate", "uri": "https://candidate---fn-x.a.run.app"},
    ))  # fmt: skip
    assert view.weights == {"fn-00001-a": 90, "fn-00003-c": 10} and view.serving is None
    assert (view.stable, view.candidate) == ("fn-00001-a", "fn-00003-c")
    assert view.tag_url("candidate") == "https://candidate---fn-x.a.run.app"
    latest = view_of(service({"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}))
    assert latest.serving == "fn-00003-c" and latest.stable is None
    assert view_of(None).exists is False


def test_an_emergency_goes_where_the_tags_say():
    from deploy_scripts.rollout.traffic import TrafficControl, view_of

    decide = TrafficControl(gcloud=None).emergency_target
    canary = view_of(service(
        {"type": REVISION, "revision": "fn-00001-a", "percent": 50, "tag": "stable"},
        {"type": REVISION, "revision": "fn-00003-c", "percent": 50, "tag": "candidate"},
    ))  # fmt: skip
    assert decide(canary) == ("fn-00001-a", "fn-00003-c")  # a rollout under way: back to stable
    promoted = view_of(service(
        {"type": REVISION, "revision": "fn-00003-c", "percent": 100, "tag": "stable"},
        {"type": REVISION, "revision": "fn-00001-a", "tag": "previous"},
    ))  # fmt: skip
    assert decide(promoted) == ("fn-00001-a", "fn-00003-c")  # a promoted stable: back to previous
    untagged = view_of(service({"type": REVISION, "revision": "fn-00003-c", "percent": 100}))
    assert decide(untagged) == (None, None)  # no tags: the recorded verified revisions decide
