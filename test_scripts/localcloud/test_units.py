"""Pure parts: log records and reading, secret resolution, updateMask merging, traffic resolution."""

from __future__ import annotations

import json

import pytest

from deploy_scripts.localcloud import iam, shapes
from deploy_scripts.localcloud.controller import _set_path, traffic_to_latest
from deploy_scripts.localcloud.errors import ApiError
from deploy_scripts.localcloud.logs import log_entry, read_revision_logs, revision_resource
from deploy_scripts.localcloud.secrets import SecretMissing, resolve_secret_env
from deploy_scripts.localcloud.settings import StatePaths

RESOURCE = revision_resource("p1", "us-central1", "fn", "fn-00001-abc")


def test_plain_lines_become_text_payload_entries_with_severity_from_the_stream():
    out = log_entry("hello\n", "stdout", RESOURCE)
    err = log_entry("Traceback (most recent call last):", "stderr", RESOURCE)
    assert (out["severity"], out["textPayload"], out["logName"]) == (
        "DEFAULT",
        "hello",
        "projects/p1/logs/run.googleapis.com%2Fstdout",
    )
    assert (err["severity"], err["logName"]) == ("ERROR", "projects/p1/logs/run.googleapis.com%2Fstderr")
    assert out["resource"] == {
        "type": "cloud_run_revision",
        "labels": {
            "project_id": "p1",
            "service_name": "fn",
            "revision_name": "fn-00001-abc",
            "location": "us-central1",
            "configuration_name": "fn",
        },
    }
    assert "jsonPayload" not in out and out["insertId"] and out["timestamp"].endswith("Z")


def test_json_lines_become_json_payload_with_special_fields_lifted():
    line = json.dumps(
        {
            "severity": "warning",
            "message": "invoice_failed",
            "timestamp": "2026-01-02T03:04:05.123456789+01:00",
            "correlation_id": "c1",
            "logging.googleapis.com/labels": {"execution_id": "e1", "n": 2},
            "logging.googleapis.com/trace": "projects/p1/traces/abc",
            "logging.googleapis.com/spanId": "000000000000004a",
            "logging.googleapis.com/insertId": "my-id",
            "logging.googleapis.com/sourceLocation": {"file": "main.py", "line": "3"},
            "logging.googleapis.com/operation": {"id": "op1", "first": True},
            "logging.googleapis.com/trace_sampled": True,
        }
    )
    entry = log_entry(line, "stdout", RESOURCE, instance_id="i1")
    assert entry["jsonPayload"] == {"message": "invoice_failed", "correlation_id": "c1"}
    assert entry["severity"] == "WARNING"
    assert entry["timestamp"] == "2026-01-02T02:04:05.123456Z"
    assert entry["labels"] == {
        "goog-managed-by": "cloudfunctions",
        "instanceId": "i1",
        "execution_id": "e1",
        "n": "2",
    }
    assert (entry["trace"], entry["spanId"], entry["insertId"], entry["traceSampled"]) == (
        "projects/p1/traces/abc",
        "000000000000004a",
        "my-id",
        True,
    )
    assert entry["sourceLocation"] == {"file": "main.py", "line": "3"}
    assert entry["operation"] == {"id": "op1", "first": True}


def test_time_fields_in_cloud_runs_order_and_unknown_severity_kept_in_payload():
    seconds = log_entry(
        '{"timestampSeconds": 1767225600, "timestampNanos": 5000, "time": "x"}', "stdout", RESOURCE
    )
    assert seconds["timestamp"] == "2026-01-01T00:00:00.000005Z" and seconds["jsonPayload"] == {"time": "x"}
    timed = log_entry('{"time": "2026-01-01T00:00:01Z", "severity": "LOUD"}', "stderr", RESOURCE)
    assert timed["timestamp"] == "2026-01-01T00:00:01.000000Z"
    assert timed["severity"] == "ERROR" and timed["jsonPayload"] == {"severity": "LOUD"}
    not_object = log_entry("[1, 2]", "stdout", RESOURCE)
    assert not_object["textPayload"] == "[1, 2]"


def test_secret_values_are_redacted():
    entry = log_entry('{"message": "token abc123 used"}', "stdout", RESOURCE, secrets=["abc123"])
    assert entry["jsonPayload"]["message"] == "token [REDACTED] used"


def test_read_revision_logs_filters_by_revision_and_since(tmp_path):
    paths = StatePaths(tmp_path).create()
    paths.revision_log("a-00001-aaa").write_text(
        json.dumps({"textPayload": "old", "timestamp": "2026-01-01T00:00:00Z"})
        + "\n{cut off\n"
        + json.dumps({"textPayload": "new", "timestamp": "2026-01-02T00:00:00Z"})
        + "\n"
    )
    paths.revision_log("b-00001-bbb").write_text(
        json.dumps({"textPayload": "other", "timestamp": "2026-01-03T00:00:00Z"}) + "\n"
    )
    assert [r["textPayload"] for r in read_revision_logs(tmp_path, "a-00001-aaa")] == ["old", "new"]
    assert [r["textPayload"] for r in read_revision_logs(tmp_path, since="2026-01-01T12:00:00Z")] == [
        "new",
        "other",
    ]
    assert list(read_revision_logs(tmp_path, "missing-00001-zzz")) == []


def test_secrets_pick_latest_or_numbered_version(tmp_path):
    paths = StatePaths(tmp_path).create()
    paths.secrets_toml.write_text('plain = "p"\nversioned = { "1" = "one", "10" = "ten", "2" = "two" }\n')
    refs = [
        {"key": "A", "secret": "plain", "version": "latest"},
        {"key": "B", "secret": "versioned", "version": "latest"},
        {"key": "C", "secret": "versioned", "version": "2"},
    ]
    assert resolve_secret_env(paths, refs) == {"A": "p", "B": "ten", "C": "two"}
    with pytest.raises(SecretMissing, match=r"secret \[versioned\] has no version \[3\]"):
        resolve_secret_env(paths, [{"key": "D", "secret": "versioned", "version": "3"}])


def test_update_mask_paths_in_snake_case_copy_or_remove():
    target = {
        "serviceConfig": {"environmentVariables": {"A": "1"}, "timeoutSeconds": 60},
        "labels": {"x": "y"},
    }
    source = {"serviceConfig": {"environmentVariables": {"B": "2"}}}
    _set_path(target, "service_config.environment_variables", source)
    _set_path(target, "labels", source)
    assert target == {"serviceConfig": {"environmentVariables": {"B": "2"}, "timeoutSeconds": 60}}


def test_traffic_resolution_names_latest_ready_revision():
    fn = {
        "traffic": [{"latestRevision": True, "percent": 70}, {"revisionName": "s-00001-aaa", "percent": 30}],
        "latestReady": "s-00003-ccc",
    }
    assert shapes.serving_revisions(fn) == {"s-00003-ccc": 70, "s-00001-aaa": 30}
    assert shapes.traffic_is_latest(fn["traffic"]) is False
    assert (
        shapes.serving_revisions({"traffic": [{"latestRevision": True, "percent": 100}], "latestReady": None})
        == {}
    )


def test_service_name_and_project_number():
    assert shapes.service_name("process_invoice") == "process-invoice"
    number = shapes.project_number("freckled-hen-analytics")
    assert len(number) == 12 and number == shapes.project_number("freckled-hen-analytics")


def test_template_changes_name_only_what_differs():
    fn = {"resource": {"serviceConfig": {"environmentVariables": {"A": "1"}, "availableMemory": "256Mi"}}}
    same = {
        "spec": {
            "containers": [
                {"env": [{"name": "A", "value": "1"}], "resources": {"limits": {"memory": "256Mi"}}}
            ]
        }
    }
    assert shapes.template_changes(fn, same) == {}
    changed = {
        "spec": {
            "containers": [
                {
                    "env": [{"name": "A", "value": "2"}],
                    "resources": {"limits": {"memory": "512Mi", "cpu": "1"}},
                }
            ],
            "timeoutSeconds": 60,
            "containerConcurrency": 4,
        }
    }
    assert shapes.template_changes(fn, changed) == {
        "environmentVariables": {"A": "2"},
        "availableMemory": "512Mi",
        "availableCpu": "1",
        "maxInstanceRequestConcurrency": 4,
    }


def test_serving_all_traffic_on_latest_keeps_tags_without_traffic():
    traffic = [
        {"revisionName": "s-00001-aaa", "percent": 100},
        {"revisionName": "s-00002-bbb", "percent": 0, "tag": "cand"},
    ]
    assert traffic_to_latest(traffic) == [
        {"latestRevision": True, "percent": 100},
        {"revisionName": "s-00002-bbb", "percent": 0, "tag": "cand"},
    ]


def test_invoker_policy_and_member_validation():
    public = {"bindings": [{"role": "roles/run.invoker", "members": ["allUsers"]}]}
    named = {
        "bindings": [
            {"role": "roles/run.invoker", "members": ["serviceAccount:ci@p.iam.gserviceaccount.com"]}
        ]
    }
    assert iam.may_invoke(public, None) is True
    assert iam.may_invoke(named, None) is False
    assert iam.may_invoke(named, "ci@p.iam.gserviceaccount.com") is True
    assert iam.may_invoke(named, "someone@example.com") is False
    assert iam.may_invoke(None, iam.OWNER_EMAIL) is True
    iam.check_policy(named)
    with pytest.raises(ApiError, match=r"Invalid principal: 'user:not-an-email'"):
        iam.check_policy({"bindings": [{"role": "roles/run.invoker", "members": ["user:not-an-email"]}]})
    with pytest.raises(ApiError, match="Role roles/run.everything is not supported"):
        iam.check_policy({"bindings": [{"role": "roles/run.everything", "members": ["allUsers"]}]})
