"""localcloud's stand-ins for the monitoring APIs, driven by Google's clients (every answer is checked
against the discovery documents by the autouse contract fixture): log-based metrics, Monitoring v3
policies and channels, dashboards v1, Cloud Scheduler v1 jobs that really call their targets with an
OIDC token, Secret Manager's `versions:access`."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.api_core import exceptions as gexc
from googleapiclient.errors import HttpError

from deploy_scripts.cloud_clients import CloudAccess
from deploy_scripts.localcloud import client as lc_client
from deploy_scripts.localcloud import iam
from deploy_scripts.localcloud.scheduler import Scheduler
from deploy_scripts.localcloud.settings import StatePaths
from deploy_scripts.monitoring.provision_apis import Apis
from test_scripts.polling import poll

from .conftest import PROJECT, REGION


class Target:
    """A loopback HTTP target that records what the scheduler sends."""

    def __init__(self):
        self.calls: list[dict] = []
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                calls.append({"headers": dict(self.headers), "body": body, "path": self.path})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/check"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def apis(endpoint) -> Apis:
    access = CloudAccess.from_gcloud_env(lc_client.gcloud_env(endpoint, project=PROJECT, region=REGION))
    return Apis(access, PROJECT, REGION)


@pytest.fixture(scope="module")
def target():
    t = Target()
    yield t
    t.server.shutdown()


def test_log_based_metrics_need_a_filter_that_parses(apis):
    metric = {
        "name": "api_test_count",
        "filter": 'jsonPayload.message="invoice_processed"',
        "description": "d",
    }
    created = apis.create_metric(metric)
    assert created["metricDescriptor"]["type"] == "logging.googleapis.com/user/api_test_count"
    with pytest.raises(gexc.Conflict):
        apis.create_metric(metric)
    with pytest.raises(gexc.BadRequest, match="Unparseable filter"):
        apis.create_metric({"name": "api_test_bad", "filter": 'jsonPayload.message=("a" OR'})
    updated = apis.update_metric(created, {**metric, "description": "changed"})
    assert updated["description"] == "changed" and updated["createTime"] == created["createTime"]
    assert [m["description"] for m in apis.list_metrics() if m["name"] == "api_test_count"] == ["changed"]


def test_alert_policies_name_existing_channels_and_patch_by_mask(apis):
    condition = {"displayName": "c", "conditionThreshold": {
        "filter": 'metric.type="logging.googleapis.com/user/api_test_count"', "comparison": "COMPARISON_GT",
        "thresholdValue": 1, "duration": "0s"}}  # fmt: skip
    with pytest.raises(HttpError) as refused:
        apis.create_policy({"displayName": "p", "combiner": "OR", "conditions": []})
    assert refused.value.resp.status == 400
    with pytest.raises(HttpError):
        apis.create_policy({"displayName": "p", "combiner": "OR", "conditions": [condition],
                            "notificationChannels": [f"projects/{PROJECT}/notificationChannels/404"]})  # fmt: skip
    channel = apis.create_channel(
        {"type": "email", "displayName": "mail", "labels": {"email_address": "a@b.c"}}
    )
    policy = apis.create_policy({"displayName": "api test policy", "combiner": "OR", "conditions": [condition],
                                 "documentation": {"content": "old", "mimeType": "text/markdown"},
                                 "notificationChannels": [channel["name"]]})  # fmt: skip
    assert policy["name"].startswith(f"projects/{PROJECT}/alertPolicies/") and policy["enabled"] is True
    assert policy["conditions"][0]["name"].startswith(policy["name"] + "/conditions/")
    patched = apis.update_policy(policy, {"documentation": {"content": "new", "mimeType": "text/markdown"}})
    assert patched["documentation"]["content"] == "new" and patched["conditions"] == policy["conditions"]
    assert patched["creationRecord"] == policy["creationRecord"]


def test_dashboards_refuse_a_stale_etag(apis):
    created = apis.create_dashboard({"displayName": "api test board", "mosaicLayout": {"columns": 12}})
    moved = apis.update_dashboard(created, {"displayName": "api test board", "mosaicLayout": {"columns": 6}})
    assert moved["etag"] != created["etag"]
    with pytest.raises(gexc.Conflict):
        apis.update_dashboard(created, {"displayName": "api test board", "mosaicLayout": {"columns": 3}})


def test_scheduler_jobs_run_on_demand_with_an_oidc_token(apis, target, localcloud_dir):
    name = f"projects/{PROJECT}/locations/{REGION}/jobs/api-test-job"
    job = {"name": name, "schedule": "*/5 * * * *", "timeZone": "Europe/Berlin", "httpTarget": {
        "uri": target.url, "httpMethod": "POST", "headers": {"X-Check": "1"},
        "body": base64.b64encode(b"%PDF-1.4 golden").decode(),
        "oidcToken": {"serviceAccountEmail": "scheduler@p.iam.gserviceaccount.com", "audience": target.url}}}  # fmt: skip
    created = apis.create_job(job)
    assert created["state"] == "ENABLED" and created["scheduleTime"].endswith("Z")
    with pytest.raises(gexc.BadRequest, match="unix-cron"):
        apis.create_job({**job, "name": name + "-bad", "schedule": "every day"})
    apis._scheduler().run_job(name=name)
    [call] = poll(lambda: list(target.calls), lambda calls: len(calls) >= 1)
    assert call["body"] == b"%PDF-1.4 golden" and call["headers"]["X-Check"] == "1"
    token = call["headers"]["Authorization"].removeprefix("Bearer ")
    paths = StatePaths(localcloud_dir)
    assert iam.verify_token(paths, token, {target.url}) == "scheduler@p.iam.gserviceaccount.com"
    ran = poll(
        lambda: [j for j in apis.list_jobs() if j["name"] == name][0], lambda j: "lastAttemptTime" in j
    )
    assert "status" not in ran  # the 204 was a success


def test_only_enabled_jobs_run_when_due(apis, target, gcloud, localcloud_dir):
    name = f"projects/{PROJECT}/locations/{REGION}/jobs/api-test-job"
    result = gcloud("scheduler", "jobs", "pause", "api-test-job", "--location", REGION)
    assert result.returncode == 0, result.stderr
    scheduler = Scheduler(StatePaths(localcloud_dir))
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert name not in scheduler.tick(tomorrow)
    result = gcloud("scheduler", "jobs", "resume", "api-test-job", "--location", REGION)
    assert result.returncode == 0, result.stderr
    before = len(target.calls)
    assert name in scheduler.tick(tomorrow)
    poll(lambda: len(target.calls), lambda n: n > before)
    job = json.loads(gcloud("scheduler", "jobs", "describe", "api-test-job", "--location", REGION,
                            "--format", "json").stdout)  # fmt: skip
    assert dt.datetime.fromisoformat(job["scheduleTime"].replace("Z", "+00:00")) > tomorrow  # the next slot


def test_secret_manager_access_reads_the_secrets_file(apis, localcloud_dir):
    paths = StatePaths(localcloud_dir)
    if paths.secrets_toml.exists():
        pytest.skip("this session's secrets file belongs to another test")
    paths.secrets_toml.write_text('hook = { "1" = "http://127.0.0.1:9/a", "2" = "http://127.0.0.1:9/b" }\n')
    try:
        assert apis.secret("hook:latest") == "http://127.0.0.1:9/b"
        assert apis.secret("hook:1") == "http://127.0.0.1:9/a"
        with pytest.raises(gexc.NotFound):
            apis.secret("nope:latest")
    finally:
        paths.secrets_toml.unlink()
