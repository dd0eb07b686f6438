"""entries:list over stored LogEntries: the filter language, ordering, pages and refusals (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_scripts.localcloud.api_logging import list_entries
from deploy_scripts.localcloud.errors import ApiError
from deploy_scripts.localcloud.log_filter import FilterError, compile_filter
from deploy_scripts.localcloud.settings import StatePaths


def entry(
    insert_id: str, when: str, *, service="fn", severity="INFO", project="p1", execution=None, **payload
):
    """A LogEntry as Cloud Logging returns one for a Cloud Run revision (hand-written, not converted)."""
    doc = {
        "insertId": insert_id,
        "logName": f"projects/{project}/logs/run.googleapis.com%2Fstdout",
        "resource": {
            "type": "cloud_run_revision",
            "labels": {
                "project_id": project,
                "service_name": service,
                "revision_name": f"{service}-00001-abc",
                "location": "us-central1",
                "configuration_name": service,
            },
        },  # fmt: skip
        "severity": severity,
        "timestamp": when,
        "receiveTimestamp": when,
        "labels": {"instanceId": "i1", **({"execution_id": execution} if execution else {})},
    }
    if payload:
        doc["jsonPayload"] = payload
    else:
        doc["textPayload"] = f"text {insert_id}"
    return doc


ENTRIES = [
    entry("a", "2026-01-01T00:00:01Z", message="invoice_processed", peak_memory_mb=120.5, execution="e1"),
    entry("b", "2026-01-01T00:00:03.5Z", severity="WARNING", message="invoice_failed", peak_memory_mb=80),
    entry("c", "2026-01-01T00:00:02Z", severity="ERROR"),
    entry("d", "2026-01-01T00:00:04Z", service="other", message="invoice_processed"),
    entry("e", "2026-01-01T00:00:05Z", project="p2", message="invoice_processed"),
    entry("f", "2026-01-01T00:00:06.000000001Z", severity="DEFAULT", message="booting worker"),
]


@pytest.fixture
def state_dir(tmp_path):
    paths = StatePaths(tmp_path).create()
    half = len(ENTRIES) // 2  # two revision files: the API merges them
    paths.revision_log("fn-00001-abc").write_text("".join(json.dumps(e) + "\n" for e in ENTRIES[:half]))
    paths.revision_log("other-00001-abc").write_text("".join(json.dumps(e) + "\n" for e in ENTRIES[half:]))
    return tmp_path


def ids(state_dir, filter_: str = "", **body) -> list[str]:
    answer = list_entries(state_dir, {"resourceNames": ["projects/p1"], "filter": filter_, **body})
    return [e["insertId"] for e in answer.get("entries", [])]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ("", ["a", "c", "b", "d", "f"]),
        ('resource.type="cloud_run_revision" AND resource.labels.service_name="fn"', ["a", "c", "b", "f"]),
        (
            'resource.labels.service_name = "fn" jsonPayload.message=("invoice_processed" OR "invoice_failed")',
            ["a", "b"],
        ),
        ("severity>=WARNING", ["c", "b"]),
        ("severity<=INFO AND severity>DEFAULT", ["a", "d"]),
        ('timestamp>="2026-01-01T00:00:02Z" AND timestamp<"2026-01-01T00:00:04Z"', ["c", "b"]),
        ("timestamp>2026-01-01T00:00:06Z", ["f"]),
        ('labels.execution_id="e1"', ["a"]),
        ('labels."execution_id"="e1"', ["a"]),
        ('NOT labels.execution_id="e1" AND resource.labels.service_name="fn"', ["c", "b", "f"]),
        ('-resource.labels.service_name="fn"', ["d"]),
        ('(severity=ERROR OR severity=WARNING) AND resource.labels.service_name="fn"', ["c", "b"]),
        ("jsonPayload.peak_memory_mb>100", ["a"]),
        ('jsonPayload.message:"invoice"', ["a", "b", "d"]),
        ('textPayload:"TEXT"', ["c"]),
        ('jsonPayload.message=~"^invoice_(failed|x)$"', ["b"]),
        ('logName="projects/p1/logs/run.googleapis.com%2Fstdout" AND "booting"', ["f"]),
        ("jsonPayload.missing=1", []),
        ("NOT jsonPayload.missing=1 AND severity=ERROR", ["c"]),
    ],
)
def test_filters(state_dir, filter_, expected):
    assert ids(state_dir, filter_) == expected


def test_order_and_pages(state_dir):
    assert ids(state_dir, orderBy="timestamp desc") == ["f", "d", "b", "c", "a"]
    body = {"resourceNames": ["projects/p1"], "orderBy": "timestamp desc", "pageSize": 2}
    pages = []
    while True:
        answer = list_entries(state_dir, body)
        pages.append([e["insertId"] for e in answer["entries"]])
        if "nextPageToken" not in answer:
            break
        body["pageToken"] = answer["nextPageToken"]
    assert pages == [["f", "d"], ["b", "c"], ["a"]]
    other_project = list_entries(state_dir, {"resourceNames": ["projects/p2"]})
    assert [e["insertId"] for e in other_project["entries"]] == ["e"]
    assert list_entries(state_dir, {"resourceNames": ["projects/nobody"]}) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"filter": 'severity>="LOUD"'}, "unknown severity 'LOUD'"),
        ({"filter": 'timestamp>="yesterday"'}, "invalid timestamp 'yesterday'"),
        ({"filter": "(severity=ERROR"}, "missing ')'"),
        ({"filter": 'jsonPayload.message="open'}, "unterminated string"),
        ({"orderBy": "severity desc"}, "orderBy 'severity desc' is not supported"),
        ({"pageToken": "not-a-token"}, "pageToken is not a token this API returned"),
        ({"pageSize": -1}, "pageSize must not be negative"),
    ],
)
def test_bad_requests_are_400_with_a_reason(state_dir, body, message):
    with pytest.raises(ApiError) as refused:
        list_entries(state_dir, {"resourceNames": ["projects/p1"], **body})
    assert refused.value.code == 400 and message in refused.value.message


def test_resource_names_are_required(state_dir):
    with pytest.raises(ApiError, match="resourceNames is required"):
        list_entries(state_dir, {"filter": ""})


def test_a_page_token_is_bound_to_its_query(state_dir):
    first = list_entries(state_dir, {"resourceNames": ["projects/p1"], "pageSize": 1})
    with pytest.raises(ApiError, match="belongs to a request with other"):
        list_entries(state_dir, {"resourceNames": ["projects/p1"], "filter": "severity=ERROR",
                                 "pageToken": first["nextPageToken"]})  # fmt: skip


def test_filter_errors_name_the_position():
    with pytest.raises(FilterError, match="expected a value at position 10"):
        compile_filter("severity>=")
    with pytest.raises(FilterError, match="unexpected text at position 16"):
        compile_filter("severity>=ERROR )")


def test_converted_entries_use_only_logging_v2_field_names():
    """What localcloud makes of output lines, against the LogEntry schema of Google's discovery document."""
    import googleapiclient

    from deploy_scripts.localcloud.logs import log_entry, revision_resource

    discovery = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "logging.v2.json"
    schemas = json.loads(discovery.read_text())["schemas"]
    fields, severities = (
        set(schemas["LogEntry"]["properties"]),
        schemas["LogEntry"]["properties"]["severity"]["enum"],
    )
    resource = revision_resource("p1", "us-central1", "fn", "fn-00001-abc")
    line = json.dumps({"severity": "notice", "message": "m", "time": "2026-01-01T00:00:00Z", "httpRequest": {"status": 200},
                       "logging.googleapis.com/sourceLocation": {"file": "main.py"},
                       "logging.googleapis.com/operation": {"id": "o"}, "logging.googleapis.com/spanId": "s",
                       "logging.googleapis.com/trace": "t", "logging.googleapis.com/trace_sampled": False})  # fmt: skip
    for entry in (
        log_entry(line, "stdout", resource, instance_id="i"),
        log_entry("text", "stderr", resource),
    ):
        assert set(entry) <= fields, set(entry) - fields
        assert entry["severity"] in severities
        assert set(entry["resource"]) == set(schemas["MonitoredResource"]["properties"]) == {"type", "labels"}
    assert set(schemas["ListLogEntriesResponse"]["properties"]) == {"entries", "nextPageToken"}
