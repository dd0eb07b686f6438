"""The orchestrator's reads through google-cloud-functions: against localcloud (through the endpoints
and proxy `localcloud gcloud-env` hands gcloud), and how they fail without an answer."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from deploy_scripts.cloud_clients import CloudAccess, functions_client
from deploy_scripts.errors import CloudApiFailed, GcloudFailed
from deploy_scripts.localcloud.staging import stage_project_source
from deploy_scripts.pipeline.cloud_reads import FunctionReader
from deploy_scripts.pipeline.gcloud import (
    deploy_command,
    env_vars_file,
    location_flags,
    revision_names,
    serving_revision,
    traffic_split,
)
from test_scripts.polling import poll

from .conftest import localcloud_environment

QUEUE_REFUSAL = "ABORTED: unable to queue the operation"
SLOW_START = """
import pathlib, time

for _ in range(600):  # a cold start that lasts until the test says so (at most a minute)
    if pathlib.Path({release!r}).exists():
        break
    time.sleep(0.1)
"""


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with localcloud_environment(tmp_path_factory.mktemp("reads")) as target:
        yield target


def test_access_follows_gclouds_settings():
    access = CloudAccess.from_gcloud_env(
        {
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDFUNCTIONS": "http://cloudfunctions.localcloud/",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN": "",
            "CLOUDSDK_PROXY_TYPE": "http",
            "CLOUDSDK_PROXY_ADDRESS": "127.0.0.1",
            "CLOUDSDK_PROXY_PORT": "8861",
            "CLOUDSDK_PROXY_USERNAME": "me",
            "CLOUDSDK_PROXY_PASSWORD": "p@ss:word",
            "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "True",
        }
    )
    assert access.endpoints == {"cloudfunctions": "http://cloudfunctions.localcloud"}
    assert access.proxy == "http://me:p%40ss%3Aword@127.0.0.1:8861"
    assert access.describe()["proxy"] == "http://***@127.0.0.1:8861"
    assert access.anonymous
    client = functions_client(access)
    assert client._transport._host == "http://cloudfunctions.localcloud"
    assert client._transport._credentials.__class__.__name__ == "AnonymousCredentials"
    session = client._transport._session
    assert session.proxies == {"http": access.proxy, "https": access.proxy} and session.trust_env is False


def test_production_is_googles_endpoint_with_application_default_credentials():
    access = CloudAccess.from_gcloud_env({"PATH": "/usr/bin"})
    assert access == CloudAccess(endpoints={}, proxy=None, anonymous=False)
    assert access.credentials() is None  # the client library then asks Application Default Credentials
    assert access.client_options("cloudfunctions").api_endpoint is None


def test_production_without_credentials_says_how_to_get_them(target, monkeypatch):
    """No ADC on this machine (the session removed GOOGLE_APPLICATION_CREDENTIALS, gcloud's config is
    empty, the metadata server is not probed): the read refuses before any request."""
    env = {k: v for k, v in target.gcloud.process_env.items() if k != "CLOUDSDK_AUTH_DISABLE_CREDENTIALS"}
    reader = FunctionReader(target.environment, CloudAccess.from_gcloud_env(env))
    with pytest.raises(CloudApiFailed) as error:
        reader.function()
    assert str(error.value).startswith(
        "`functions get process_invoice` needs Google credentials and found none ("
    )
    assert str(error.value).endswith(
        "run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS"
    )


def test_a_missing_function_is_none_not_an_error(target):
    assert target.gcloud.describe() is None


def without_defaults(value):
    if isinstance(value, dict):
        kept = {k: without_defaults(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (False, {}, [], "", 0)}
    return value


def same_instants(value):
    """Timestamps as instants: proto JSON prints `.817000Z` as `.817Z` (trailing zeros dropped in
    groups of three), while gcloud shows the API's text as sent; both name the same instant."""
    if isinstance(value, dict):
        return {k: same_instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [same_instants(v) for v in value]
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def gcloud_describe(target) -> dict:
    command = ["gcloud", "functions", "describe", target.environment.function, "--gen2"]
    command += [*location_flags(target.environment), "--format", "json"]
    done = subprocess.run(command, env=target.gcloud.process_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.gcloud
@pytest.mark.slow
def test_in_progress_operation_is_read_from_the_api_and_the_function_matches_gcloud(target, tmp_path, stack):
    release = tmp_path / "release"
    source = stage_project_source(tmp_path / "slow")
    (source / "main.py").write_text(
        (source / "main.py").read_text() + SLOW_START.format(release=str(release))
    )
    gcloud = target.gcloud
    # gcloud failed without any of the 409 words: only the API can say another operation is running
    failure = GcloudFailed("deploy failed", returncode=1, stderr="ERROR: (gcloud.functions.deploy) Error 13")
    refused = GcloudFailed("deploy failed", returncode=1, stderr=f"ERROR: {QUEUE_REFUSAL}")
    attempt_started = datetime.now(UTC)
    env_file = stack.enter_context(env_vars_file(target.environment))  # gcloud reads it at start
    deploying = subprocess.Popen(
        deploy_command(target.environment, source, env_file), env=gcloud.process_env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        seen = poll(lambda: (gcloud.describe() or {}).get("state"), lambda s: s == "DEPLOYING", timeout=60)
        assert seen == "DEPLOYING"
        assert gcloud._is_conflict(failure, attempt_started)
        timed_out = GcloudFailed("timed out", timed_out=True, stderr=QUEUE_REFUSAL)
        assert not gcloud._is_conflict(timed_out, attempt_started)  # its own operation may be running
    finally:
        release.touch()
    _, err = deploying.communicate(timeout=120)
    assert deploying.returncode == 0, err[-2000:]
    # done now: a failure without the 409 is not retried
    assert not gcloud._is_conflict(failure, attempt_started)
    # gcloud's 409, and the function changed during the attempt: the other operation ended meanwhile
    assert gcloud._is_conflict(refused, attempt_started)
    # gcloud's 409 words, but nothing ran on the function during the attempt: the API says no
    assert not gcloud._is_conflict(refused, datetime.now(UTC) + timedelta(minutes=5))

    described = gcloud.describe()
    assert described["state"] == "ACTIVE"
    from_gcloud = gcloud_describe(target)
    # the same JSON, less the fields proto3 leaves out when they hold their defaults
    assert same_instants(described) == same_instants(without_defaults(from_gcloud))
    assert described["serviceConfig"]["revision"] == from_gcloud["serviceConfig"]["revision"]
    assert described["buildConfig"]["runtime"] == "python312"


def gcloud_json(target, *args: str):
    command = ["gcloud", *args, *location_flags(target.environment), "--format", "json"]
    done = subprocess.run(command, env=target.gcloud.process_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.gcloud
@pytest.mark.slow
def test_service_and_revisions_through_google_cloud_run_match_gcloud(target, tmp_path):
    """Runs after the deploy above: a pinned split read through the v2 API, as gcloud sees it (v1)."""
    gcloud = target.gcloud
    service_name = target.environment.service
    assert gcloud.service()["trafficStatuses"][0]["type"] == "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    first = gcloud.describe()["serviceConfig"]["revision"]
    gcloud.deploy(stage_project_source(tmp_path / "second"))
    second = gcloud.describe()["serviceConfig"]["revision"]
    assert second != first and serving_revision(gcloud.service()) == second

    gcloud.route_all_traffic(first)
    service = gcloud.service()
    assert serving_revision(service) == first
    assert traffic_split(service) == [{"revision": first, "percent": 100, "latest": False}]
    seen_by_gcloud = gcloud_json(target, "run", "services", "describe", service_name)["status"]["traffic"]
    assert [(t["revisionName"], t["percent"]) for t in seen_by_gcloud] == [(first, 100)]

    listed = gcloud_json(target, "run", "revisions", "list", "--service", service_name)
    assert sorted(revision_names(gcloud.revisions())) == sorted(r["metadata"]["name"] for r in listed)
    assert {first, second} <= set(revision_names(gcloud.revisions()))
    gcloud.route_all_traffic(None)
    assert serving_revision(gcloud.service()) == second


def test_a_missing_service_is_none_and_has_no_revisions(target):
    other = target.environment.model_copy(update={"function": "nothing_here"})
    reader = FunctionReader(other, CloudAccess.from_gcloud_env(target.gcloud.process_env))
    assert reader.function() is None and reader.service() is None and reader.revisions() == []


def test_logging_client_goes_where_gcloud_goes(offline_session):
    """The session's stand-in for Google is gcloud's endpoint and proxy here: the client must ask it."""
    from google.api_core.exceptions import Forbidden

    from deploy_scripts.cloud_clients import logging_client
    from test_scripts.offline import REFUSAL

    nowhere = offline_session["nowhere"]
    seen_before = len(nowhere.seen)
    client = logging_client(CloudAccess.from_gcloud_env(os.environ), "freckled-hen-analytics")
    with pytest.raises(Forbidden, match=REFUSAL):
        list(client.list_entries(filter_='resource.type="cloud_run_revision"', max_results=5))
    assert [(s["method"], s["target"]) for s in nowhere.seen[seen_before:]] == [
        ("POST", f"{nowhere.url}v2/entries:list?prettyPrint=false")
    ]
