"""The discovery-document validator: it must reject drift, or the contract check proves nothing."""

from __future__ import annotations

from deploy_scripts.localcloud.contract import check_answer, document_for, problems, response_schema

FUNCTION = "/v2/projects/p/locations/us-central1/functions/f"


def test_methods_map_to_their_response_schemas():
    assert document_for("run", "/apis/serving.knative.dev/v1/namespaces/p/services/s") == "run.v1"
    assert (
        response_schema("run.v1", "GET", "/apis/serving.knative.dev/v1/namespaces/p/services/s") == "Service"
    )
    assert response_schema("run.v2", "DELETE", "/v2/projects/p/locations/l/services/s/revisions/r") == (
        "GoogleLongrunningOperation"
    )
    assert response_schema(
        "cloudfunctions.v2", "POST", "/v2/projects/p/locations/l/functions:generateUploadUrl"
    ) == ("GenerateUploadUrlResponse")
    assert response_schema("logging.v2", "POST", "/v2/entries:list") == "ListLogEntriesResponse"


def test_unknown_fields_wrong_types_and_enums_are_reported():
    body = {"name": "x", "invented": 1, "serviceConfig": {"timeoutSeconds": "60"}, "state": "RUNNING"}
    found = check_answer("cloudfunctions", "GET", FUNCTION, 200, body)
    assert found[:2] == [
        "Function.invented: not a field of Function",
        "Function.serviceConfig.timeoutSeconds: expected an integer, got '60'",
    ]
    assert len(found) == 3 and found[2].startswith(
        "Function.state: 'RUNNING' is not one of ['STATE_UNSPECIFIED', 'ACTIVE'"
    )
    assert check_answer("cloudfunctions", "GET", FUNCTION, 200, {"name": "x", "state": "ACTIVE"}) == []


def test_any_messages_are_checked_as_the_type_they_name():
    operation = {
        "name": "o",
        "done": False,
        "metadata": {"@type": "type.googleapis.com/google.cloud.run.v2.Service", "uri": 7},
    }
    assert problems("run.v2", "GoogleLongrunningOperation", operation) == [
        "GoogleLongrunningOperation.metadata<GoogleCloudRunV2Service>.uri: expected a string, got 7"
    ]


def test_logging_entries_are_checked_too():
    page = {
        "entries": [
            {
                "logName": "projects/p/logs/run.googleapis.com%2Fstdout",
                "resource": {"type": "cloud_run_revision", "labels": {"service_name": "s"}},
                "timestamp": "2026-01-02T03:04:05.123456Z",
                "severity": "INFO",
                "jsonPayload": {"message": "invoice_processed", "anything": [1, {"nested": True}]},
                "insertId": "abc",
            }
        ],
        "nextPageToken": "t",
    }
    assert check_answer("logging", "POST", "/v2/entries:list", 200, page) == []
    page["entries"][0]["timestamp"] = "yesterday"
    page["entries"][0]["severity"] = "LOUD"
    found = check_answer("logging", "POST", "/v2/entries:list", 200, page)
    assert found == [
        "ListLogEntriesResponse.entries[0].timestamp: expected an RFC 3339 timestamp, got 'yesterday'",
        "ListLogEntriesResponse.entries[0].severity: 'LOUD' is not one of "
        "['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']",
    ]


def test_error_bodies_must_be_googles():
    assert (
        check_answer(
            "run", "GET", "/v2/x", 404, {"error": {"code": 404, "message": "m", "status": "NOT_FOUND"}}
        )
        == []
    )
    assert check_answer("run", "GET", "/v2/x", 404, {"message": "m"}) == [
        "error body is not {'error': {...}}: {'message': 'm'}"
    ]
