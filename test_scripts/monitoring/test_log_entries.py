"""The one parser reads real Cloud Logging entries: Cloud Run lifts `severity` and `timestamp` out of
the function's JSON line onto the LogEntry, so neither is in `jsonPayload` any more (the parser before
this one accepted 0 of 24 such entries and a production deploy would have failed its memory check)."""

from __future__ import annotations

from datetime import timedelta

from deploy_scripts.metrics import compute_figures, parse_event
from deploy_scripts.monitoring.observed import observe

from .conftest import NOW, event

REVISIONS = ("process-invoice-00003-abc", "process-invoice-00004-def")


def cloud_logging_entry(line: dict, index: int) -> dict:
    """The LogEntry Cloud Logging returns for one of the function's stdout lines (written by hand
    from Google's LogEntry reference, not by the code under test)."""
    payload = dict(line)
    severity = payload.pop("severity")
    stamp = payload.pop("timestamp").replace("Z", ".000000123Z")  # Cloud Logging answers up to 9 digits
    revision = payload["revision"]
    if index % 2:
        del payload["revision"]  # a line without it: the entry's resource still names the revision
    return {
        "insertId": f"{index:016x}",
        "jsonPayload": payload,
        "resource": {
            "type": "cloud_run_revision",
            "labels": {
                "project_id": "freckled-hen-analytics",
                "service_name": "process-invoice",
                "revision_name": revision,
                "location": "us-central1",
                "configuration_name": "process-invoice",
            },
        },  # fmt: skip
        "timestamp": stamp,
        "severity": severity,
        "labels": {"execution_id": f"exec{index}", "goog-managed-by": "cloudfunctions", "instanceId": "00f1"},
        "logName": "projects/freckled-hen-analytics/logs/run.googleapis.com%2Fstdout",
        "receiveTimestamp": stamp,
    }


def function_lines() -> list[dict]:
    """24 invoices as the function logs them: 4 failed, memory 100..123 MB, two revisions."""
    return [
        event(
            minutes_ago=30 - i,
            failed=i % 6 == 5,
            memory=100.0 + i,
            seconds=1.0 + i / 10,
            revision=REVISIONS[i % 2],
        )
        for i in range(24)
    ]


def test_all_24_cloud_logging_entries_are_events_with_their_figures():
    lines = function_lines()
    entries = [cloud_logging_entry(line, i) for i, line in enumerate(lines)]
    assert all("timestamp" not in e["jsonPayload"] and "severity" not in e["jsonPayload"] for e in entries)
    noise = [
        {
            "textPayload": "[INFO] Booting worker with pid: 7",
            "severity": "ERROR",
            "timestamp": entries[0]["timestamp"],
        },
        {
            "jsonPayload": {"message": "worker ready"},
            "severity": "INFO",
            "timestamp": entries[0]["timestamp"],
        },
    ]

    parsed = [parse_event(e) for e in entries]
    assert sum(p is not None for p in parsed) == 24
    assert [p.revision for p in parsed] == [line["revision"] for line in lines]
    assert [p.severity for p in parsed] == [line["severity"] for line in lines]

    figures = compute_figures(entries + noise)
    failed = sum(1 for line in lines if line["message"] == "invoice_failed")
    assert (figures.events, figures.failed, failed) == (24, 4, 4)
    assert figures.peak_memory_mb == max(line["peak_memory_mb"] for line in lines) == 123.0
    assert figures.max_seconds == max(line["duration_ms"] for line in lines) / 1000
    assert figures.revisions == sorted(REVISIONS)


def test_events_take_their_time_from_the_entry():
    lines = function_lines()
    observed = observe([cloud_logging_entry(line, i) for i, line in enumerate(lines)])
    assert len(observed) == 24
    assert observed[0].at == NOW - timedelta(minutes=30) and observed[-1].at == NOW - timedelta(minutes=7)


def test_the_functions_own_lines_still_parse():
    assert compute_figures(function_lines()).events == 24  # an events file of captured stdout
