"""Provisioning on localcloud, end to end: `monitor --action provision` creates every resource
through Google's clients, a second run changes nothing, a changed limit updates one policy; the real
gcloud runs the daily job, the deployed function scores CS003837319 against the truth shipped with
it; a sabotaged revision makes the accuracy policy fire to a webhook on loopback within one
evaluation; pausing the daily jobs makes the absence policy fire. One localcloud for the module."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.monitor_cmd import main as monitor
from deploy_scripts.cloud_clients import CloudAccess
from deploy_scripts.localcloud.staging import stage_project_source
from deploy_scripts.monitoring.provision_apis import Apis
from test_scripts.deploy.conftest import localcloud_environment, write_config
from test_scripts.polling import poll

from .conftest import REPO_ROOT, Receiver

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]

DAILY = "invoice-daily-check-cs003837319"
TRUTH = json.loads((REPO_ROOT / "test_invoices" / "cs003837319.expected.json").read_text())
SABOTAGE = (
    "    call.invoice = invoice\n",
    "    invoice = invoice.model_copy(update={'line_items': invoice.line_items[: len(invoice.line_items) // 2]})\n"
    "    call.invoice = invoice\n",
)


class World:
    def __init__(self, root: Path, target, receiver: Receiver):
        self.root, self.target, self.receiver = root, target, receiver
        e = target.environment
        self.apis = Apis(CloudAccess.from_gcloud_env(target.gcloud.process_env), e.project, e.region)

    def gcloud(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run(["gcloud", *args, "--quiet"], env=self.target.gcloud.process_env,
                                capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def deploy(self, source: Path) -> str:
        self.gcloud(
            "functions", "deploy", "process_invoice", "--gen2", "--runtime", "python312", "--region", "us-central1",
            "--source", str(source), "--entry-point", "process_invoice", "--trigger-http", "--allow-unauthenticated",
            "--set-env-vars", "INVOICE_PARSER=local,INVOICE_SINK=sqlite",
        )  # fmt: skip
        return requests.get(self.target.function_url(None), timeout=30).json()["revision"]

    def daily_checks(self) -> list[dict]:
        entries = self.apis.logging().list_entries(
            resource_names=[f"projects/{self.target.environment.project}"],
            filter_='jsonPayload.message="daily_check"',
        )
        return [entry.payload for entry in entries]

    def run_daily_job_on(self, revision: str) -> dict:
        self.gcloud("scheduler", "jobs", "run", DAILY, "--location", "us-central1")
        found = poll(
            self.daily_checks, lambda checks: any(c["revision"] == revision for c in checks), timeout=180
        )
        return next(c for c in found if c["revision"] == revision)

    def evaluate(self, at: dt.datetime | None = None) -> dict[str, dict]:
        body = {"at": at.isoformat()} if at else {}
        answer = requests.post(
            f"{self.target.endpoint.url}/_localcloud/alerting:evaluate", json=body, timeout=60
        )
        assert answer.status_code == 200, answer.text
        return {p["rule"]: p for p in answer.json()["policies"]}


def provision(*extra: str) -> dict:
    result = CliRunner().invoke(monitor, ["--action", "provision", "--env", "local", "--json", *extra],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("provision")
    receiver = Receiver()
    (root / "localcloud").mkdir()
    # the channel's webhook URL lives in (localcloud's) Secret Manager, as in production
    (root / "localcloud" / "secrets.toml").write_text(f'monitoring-webhook-url = "{receiver.url}"\n')
    patch = pytest.MonkeyPatch()
    patch.setenv("LOCALCLOUD_ALERT_SECONDS", "86400")  # only the test's explicit evaluations judge
    try:
        with localcloud_environment(root, unset=("MONITOR_WEBHOOK_URL",)) as target:
            yield World(root, target, receiver)
    finally:
        patch.undo()
        receiver.close()


def test_provision_creates_every_resource_and_a_second_run_changes_nothing(world):
    first = provision()
    assert {s["action"] for s in first["steps"]} == {"create"} and len(first["steps"]) == 28
    a = world.apis
    assert sorted(m["name"] for m in a.list_metrics()) == sorted(
        s["key"] for s in first["steps"] if s["kind"] == "metric"
    )
    assert len(a.list_channels()) == 1 and len(a.list_policies()) == 6 and len(a.list_dashboards()) == 1
    assert len(a.list_jobs()) == 12
    [channel] = a.list_channels()
    assert all(p["notificationChannels"] == [channel["name"]] for p in a.list_policies())
    assert channel["labels"]["url"] == world.receiver.url  # read from Secret Manager, never printed
    assert world.receiver.url not in json.dumps(first)

    second = provision()
    assert [s for s in second["steps"] if s["action"] != "unchanged"] == []


def test_a_changed_limit_updates_exactly_one_policy(world, monkeypatch, tmp_path):
    changed = write_config(
        tmp_path / "deploy.toml",
        environments__local__localcloud_dir=str(world.root / "localcloud"),
        thresholds__alerts__min_invoice_number_rate=0.9,
    )
    monkeypatch.setenv("DEPLOY_CONFIG", str(changed))
    plan = provision()
    updates = [s for s in plan["steps"] if s["action"] != "unchanged"]
    assert [(s["action"], s["kind"], s["key"]) for s in updates] == [
        ("update", "policy", "process-invoice (local): invoice-number extraction rate")
    ]
    stored = {p["userLabels"]["rule"]: p for p in world.apis.list_policies()}
    assert stored["invoice_number_rate"]["conditions"][0]["conditionThreshold"]["thresholdValue"] == 0.9
    monkeypatch.undo()
    assert [s["key"] for s in provision()["steps"] if s["action"] == "update"] == [updates[0]["key"]]


def test_gcloud_runs_the_daily_job_and_the_function_scores_it_against_golden_truth(world):
    revision = world.deploy(stage_project_source(world.root / "good"))
    check = world.run_daily_job_on(revision)
    assert check["golden"] == "cs003837319" and check["invoice_number"] == TRUTH["invoice_number"]
    assert check["items_expected"] == len(TRUTH["line_items"]) and check["status"] == 200
    assert check["accuracy"] >= 0.9 and check["dry_run"] is True and check["synthetic"] is True
    states = world.evaluate()
    assert states["accuracy"]["state"] == "ok" and states["daily_check_absent"]["state"] == "ok"
    assert world.receiver.bodies == []


def test_a_sabotaged_revision_fires_the_accuracy_policy_within_one_evaluation(world):
    source = stage_project_source(world.root / "sabotaged")
    handler = source / "invoice_processing" / "service" / "handler.py"
    text = handler.read_text()
    assert SABOTAGE[0] in text
    handler.write_text(text.replace(*SABOTAGE))
    revision = world.deploy(source)
    check = world.run_daily_job_on(revision)
    assert check["accuracy"] < 0.85 and check["items"] < check["items_expected"]

    states = world.evaluate()
    assert states["accuracy"]["state"] == "firing" and states["accuracy"]["transitions"] == ["fired"]
    assert states["accuracy"]["value"] == pytest.approx(check["accuracy"])
    [message] = world.receiver.bodies
    assert message["text"].startswith("[FIRING] accuracy proxy") and "alert when < 85.0%" in message["text"]
    assert world.evaluate()["accuracy"]["transitions"] == []  # once per incident
    assert len(world.receiver.bodies) == 1

    out = CliRunner().invoke(
        monitor, ["--action", "checks", "--env", "local", "--json"], catch_exceptions=False
    )
    assert out.exit_code == 1, out.output[-2000:]  # a policy is firing
    report = json.loads(out.stdout)
    assert {c["revision"] for c in report["checks"]} >= {revision}
    assert {p["rule"]: p["state"] for p in report["policies"]}["accuracy"] == "firing"


def test_pausing_the_daily_jobs_fires_the_absence_policy(world):
    for job in ("invoice-daily-check-cs003837319", "invoice-daily-check-ci004848705"):
        world.gcloud("scheduler", "jobs", "pause", job, "--location", "us-central1")
    described = world.gcloud(
        "scheduler", "jobs", "describe", DAILY, "--location", "us-central1", "--format", "json"
    )
    assert json.loads(described.stdout)["state"] == "PAUSED"
    before = len(world.receiver.bodies)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=27)  # the paused jobs never ran meanwhile
    states = world.evaluate(later)
    assert states["daily_check_absent"]["state"] == "firing"
    assert states["daily_check_absent"]["transitions"] == ["fired"]
    fired = world.receiver.bodies[before:]
    assert [b["text"].split(" (")[0].split(" ")[0] for b in fired] == ["[FIRING]"]
    assert "hours since the last daily golden check" in fired[0]["text"]
    assert os.environ.get("MONITOR_WEBHOOK_URL") is None
