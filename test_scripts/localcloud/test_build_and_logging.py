"""The build stage and Cloud Logging with the real gcloud and google-cloud-logging against localcloud.

A bad requirement or a syntax error anywhere fails the *build*: no revision, no revision number used,
the serving revision untouched. What the function prints comes back as Cloud Run LogEntries from
`gcloud logging read`, `gcloud functions logs read` and the official Python client.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from deploy_scripts.function_events import localcloud_client
from test_scripts.polling import poll

from .conftest import PROJECT, REGION
from .helpers import get, served_revisions

pytestmark = [pytest.mark.gcloud, pytest.mark.slow, pytest.mark.timeout(300)]

LOGGING_MAIN = """
import json, os, sys

def hello(request):
    at = request.args.get("at", "2026-03-01T12:00:00.5Z")  # the test says when the event happened
    print(json.dumps({"severity": "WARNING", "message": "invoice_failed", "timestamp": at,
                      "peak_memory_mb": 123.5, "logging.googleapis.com/trace": "projects/p/traces/t1"}))
    print("a plain line")
    print("an error line", file=sys.stderr)
    return {"revision": os.environ.get("K_REVISION"), "python": "%d.%d" % sys.version_info[:2]}
"""

MISSING_DEPENDENCY_MAIN = """
import rich  # installed where localcloud runs, but not named in requirements.txt

def hello(request):
    return {}
"""


def describe(gcloud, name: str) -> dict:
    return json.loads(gcloud.value("functions", "describe", name, "--region", REGION, "--format", "json"))


def revision_names(gcloud, service: str) -> list[str]:
    listed = gcloud.value(
        "run",
        "revisions",
        "list",
        "--service",
        service,
        "--region",
        REGION,
        "--format",
        "value(metadata.name)",
    )
    return sorted(listed.split())


def test_failed_builds_create_no_revision_and_leave_the_serving_one(gcloud, source_factory):
    assert gcloud.deploy("built_fn", source_factory(LOGGING_MAIN)).returncode == 0
    first = describe(gcloud, "built_fn")
    url, serving = first["url"], first["serviceConfig"]["revision"]
    build_id = first["buildConfig"]["build"].rsplit("/", 1)[1]
    build_log = get(f"{gcloud.endpoint.url}/_localcloud/builds/{build_id}/log").text
    runs_on = get(url).json()["python"]
    assert f"Runtime python312: Python {runs_on}." in build_log  # says which Python, whichever it is
    assert runs_on == "3.12" or "the revision runs on Python" in build_log

    bad_requirement = source_factory(LOGGING_MAIN)
    (bad_requirement / "requirements.txt").write_text(
        "functions-framework\nno-such-package-localcloud-test==1.0\n"
    )
    failed = gcloud.deploy("built_fn", bad_requirement)
    assert failed.returncode == 1
    assert "OperationError: code=3, message=Build failed: pip_install" in failed.stderr
    assert "no-such-package-localcloud-test" in failed.stderr

    syntax = source_factory(LOGGING_MAIN)
    (syntax / "helpers").mkdir()
    (syntax / "helpers" / "unused.py").write_text("def broken(:\n")  # nothing imports it
    failed = gcloud.deploy("built_fn", syntax)
    assert failed.returncode == 1
    assert "Build failed: compileall: *** Error compiling './helpers/unused.py'" in failed.stderr
    assert "SyntaxError: invalid syntax" in failed.stderr

    after = describe(gcloud, "built_fn")
    assert after["serviceConfig"]["revision"] == serving
    assert after["stateMessages"][0]["type"] == "BuildFailed"
    assert revision_names(gcloud, "built-fn") == [serving]
    assert served_revisions(url) == {serving}

    assert gcloud.deploy("built_fn", source_factory(LOGGING_MAIN)).returncode == 0
    fixed = describe(gcloud, "built_fn")["serviceConfig"]["revision"]
    assert fixed.startswith("built-fn-00002-")  # the failed builds used no number


def test_a_dependency_missing_from_requirements_fails_as_on_google(gcloud, source_factory):
    failed = gcloud.deploy("needs_rich", source_factory(MISSING_DEPENDENCY_MAIN))
    assert failed.returncode == 1
    assert "ModuleNotFoundError: No module named 'rich'" in failed.stderr


def test_revision_output_reads_back_as_log_entries(gcloud, source_factory):
    assert gcloud.deploy("logging_fn", source_factory(LOGGING_MAIN)).returncode == 0
    fn = describe(gcloud, "logging_fn")
    revision = fn["serviceConfig"]["revision"]
    # nanoseconds, as Cloud Run accepts them; gcloud reads the last day unless told otherwise
    at = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")
    answer = get(fn["url"], params={"at": at}, headers={"Function-Execution-Id": "exec-test-1"})
    assert answer.status_code == 200

    query = 'resource.type="cloud_run_revision" AND resource.labels.service_name="logging-fn"'

    def read() -> list[dict]:
        result = gcloud("logging", "read", query, "--format", "json", "--limit", "20")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    entries = poll(read, lambda found: len(found) >= 3)
    by_text = {e.get("textPayload") or e["jsonPayload"]["message"]: e for e in entries}
    event = by_text["invoice_failed"]
    assert event["severity"] == "WARNING" and event["timestamp"] == at.replace("123456789Z", "123456Z")
    assert event["jsonPayload"] == {"message": "invoice_failed", "peak_memory_mb": 123.5}
    assert event["trace"] == "projects/p/traces/t1"
    assert event["labels"]["execution_id"] == "exec-test-1"
    assert event["logName"] == f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout"
    assert event["resource"] == {
        "type": "cloud_run_revision",
        "labels": {
            "project_id": PROJECT,
            "service_name": "logging-fn",
            "revision_name": revision,
            "location": REGION,
            "configuration_name": "logging-fn",
        },
    }
    stderr = by_text["an error line"]
    assert stderr["severity"] == "ERROR" and stderr["logName"].endswith("run.googleapis.com%2Fstderr")
    assert [e["timestamp"] for e in entries] == sorted((e["timestamp"] for e in entries), reverse=True)

    warnings = gcloud("logging", "read", query + " AND severity>=WARNING", "--format", "json")
    assert {e["severity"] for e in json.loads(warnings.stdout)} == {"WARNING", "ERROR"}

    table = gcloud("functions", "logs", "read", "logging_fn", "--region", REGION, "--limit", "10")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["LEVEL", "NAME", "EXECUTION_ID", "TIME_UTC", "LOG"]
    assert any("exec-test-1" in line and line.rstrip().endswith("a plain line") for line in lines)


def test_google_cloud_logging_client_lists_entries_with_filter_and_pages(gcloud, source_factory):
    assert gcloud.deploy("client_fn", source_factory(LOGGING_MAIN)).returncode == 0
    fn = describe(gcloud, "client_fn")
    at = datetime.now(UTC).isoformat()
    for number in range(3):
        get(fn["url"], params={"at": at}, headers={"Function-Execution-Id": f"client-{number}"})
    client = localcloud_client(PROJECT, gcloud.endpoint.port)
    query = 'resource.labels.service_name="client-fn" AND jsonPayload.message="invoice_failed"'

    def listed() -> list:
        return list(client.list_entries(resource_names=[f"projects/{PROJECT}"], filter_=query, page_size=2))

    entries = poll(listed, lambda found: len(found) >= 3)
    assert len(entries) == 3  # three pages of at most two, followed by page tokens
    assert {e.labels["execution_id"] for e in entries} == {"client-0", "client-1", "client-2"}
    assert all(e.payload["peak_memory_mb"] == 123.5 and e.severity == "WARNING" for e in entries)
    assert {e.resource.labels["revision_name"] for e in entries} == {fn["serviceConfig"]["revision"]}
