"""`monitor --action provision --env production --dry-run`: every resource the production project
would get, printed in full and valid against Google's discovery documents, with nothing contacted
(the session's offline guard records any request to Google's stand-in "nowhere")."""

from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.monitor_cmd import main as monitor
from deploy_scripts.config import load_config
from deploy_scripts.localcloud.contract import problems
from deploy_scripts.monitoring.provision import SCHEMAS, differences
from test_scripts.deploy.conftest import write_config

from .conftest import REPO_ROOT

GOLDENS = REPO_ROOT / "test_invoices"


@pytest.fixture
def production_plan(tmp_path, monkeypatch, offline_session) -> dict:
    monkeypatch.setenv("DEPLOY_CONFIG", str(REPO_ROOT / "config" / "deploy.toml"))
    seen_before = len(offline_session["nowhere"].server.seen)
    result = CliRunner().invoke(
        monitor,
        ["--action", "provision", "--env", "production", "--dry-run", "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output[-2000:]
    assert offline_session["nowhere"].server.seen[seen_before:] == []  # nothing asked of Google
    return json.loads(result.stdout)


def test_production_dry_run_shows_every_resource_schema_valid(production_plan):
    plan = production_plan
    assert (plan["env"], plan["project"], plan["compared"], plan["applied"]) == (
        "production", "freckled-hen-analytics", False, False,
    )  # fmt: skip
    kinds = [s["kind"] for s in plan["steps"]]
    golden_pdfs = sorted(
        p.stem for p in GOLDENS.glob("*.pdf") if (GOLDENS / f"{p.stem}.expected.json").exists()
    )
    assert kinds.count("metric") == 8 and kinds.count("channel") == 1 and kinds.count("dashboard") == 1
    assert kinds.count("policy") == 6  # five rules + the daily-check absence
    assert kinds.count("job") == 2 + len(golden_pdfs)
    assert {s["action"] for s in plan["steps"]} == {"create"}
    for step in plan["steps"]:
        document, schema, _ = SCHEMAS[step["kind"]]
        assert problems(document, schema, step["resource"]) == [], step["key"]
        assert "freckled-hen-analytics" in json.dumps(step["resource"]) or step["kind"] in ("metric", "channel", "policy", "dashboard")  # fmt: skip


def test_policies_carry_the_configured_limits_and_on_call_text(production_plan):
    alerts = load_config(REPO_ROOT / "config" / "deploy.toml").thresholds.alerts
    policies = {
        s["resource"]["userLabels"]["rule"]: s["resource"]
        for s in production_plan["steps"]
        if s["kind"] == "policy"
    }
    limit = {
        n: p["conditions"][0].get("conditionThreshold", {}).get("thresholdValue") for n, p in policies.items()
    }
    assert limit["accuracy"] == alerts.min_accuracy
    assert limit["average_time"] == alerts.max_average_seconds * 1000  # the metric is in ms
    assert limit["error_rate"] == alerts.max_error_rate
    assert limit["invoice_number_rate"] == alerts.min_invoice_number_rate
    assert limit["placeholder"] == alerts.max_placeholder_detections
    absent = policies["daily_check_absent"]["conditions"][0]["conditionAbsent"]
    assert absent["duration"] == "93600s"  # 26 h
    for policy in policies.values():
        assert (
            "monitor" in policy["documentation"]["content"] or "gcloud" in policy["documentation"]["content"]
        )
        assert policy["notificationChannels"] == [
            "projects/freckled-hen-analytics/notificationChannels/(created by this run)"
        ]


def test_jobs_post_golden_pdfs_as_dry_run_daily_checks(production_plan):
    jobs = {
        s["resource"]["name"].rsplit("/", 1)[1]: s["resource"]
        for s in production_plan["steps"]
        if s["kind"] == "job"
    }
    daily = jobs["invoice-daily-check-cs003837319"]
    target = daily["httpTarget"]
    assert target["uri"] == "https://us-central1-freckled-hen-analytics.cloudfunctions.net/process_invoice"
    assert target["headers"] == {
        "Content-Type": "application/pdf", "X-Invoice-Dry-Run": "1", "X-Invoice-Daily-Check": "cs003837319",
    }  # fmt: skip
    assert base64.b64decode(target["body"]) == (GOLDENS / "cs003837319.pdf").read_bytes()
    assert daily["schedule"] == "0 6 * * *" and "invoice-daily-check-ci004848705" in jobs
    assert jobs["invoice-weekly-check-harpercollins-ns4435067"]["schedule"] == "0 7 * * 1"


def test_the_webhook_url_is_never_printed(tmp_path, monkeypatch):
    config = write_config(tmp_path / "deploy.toml")
    monkeypatch.setenv("DEPLOY_CONFIG", str(config))
    result = CliRunner().invoke(monitor, ["--action", "provision", "--env", "production", "--dry-run"])
    assert result.exit_code == 0, result.output[-2000:]
    assert '"url": "<secret monitoring-webhook-url:latest>"' in result.stdout
    assert "would create 28, update 0; 0 unchanged (dry run: nothing in the project was read" in result.stdout


def test_dry_run_goes_with_provision_only(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOY_CONFIG", str(write_config(tmp_path / "deploy.toml")))
    result = CliRunner().invoke(monitor, ["--dry-run", "--events-file", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2
    assert "--dry-run goes with --action provision" in result.output


@pytest.mark.parametrize(
    ("want", "have", "found"),
    [
        ({"a": 0.0, "b": [1]}, {"b": [1], "name": "x"}, []),  # Google omits defaults, adds its own fields
        ({"a": 5}, {"a": "5"}, []),  # int64 as a string
        ({"t": 0.85}, {"t": 0.9}, ["t"]),
        ({"c": [{"d": 1}]}, {"c": [{"d": 1}, {"d": 2}]}, ["c"]),
        ({"e": "x"}, {}, ["e"]),
    ],
)
def test_differences_ignore_what_google_adds_and_omits(want, have, found):
    assert differences(want, have) == found


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-Invoice-Daily-Check": "cs003837319"}, "a daily check must be a dry run: add the header X-Invoice-Dry-Run: 1"),
        ({"X-Invoice-Daily-Check": "../etc", "X-Invoice-Dry-Run": "1"}, "X-Invoice-Daily-Check must name a golden invoice, such as cs003837319"),
        ({"X-Invoice-Daily-Check": "nosuch", "X-Invoice-Dry-Run": "1"}, "no ground truth for nosuch ships with this function"),
    ],
)  # fmt: skip
def test_a_bad_daily_check_is_a_400_and_never_processed(headers, message):
    from flask import Flask, request

    from invoice_processing.service.daily_check import checked

    handled = []
    with Flask("t").test_request_context("/", method="POST", headers=headers, data=b"%PDF-1.4"):
        answer = checked(request, handled.append)
    assert (answer.status_code, json.loads(answer.get_data())["message"], handled) == (400, message, [])
