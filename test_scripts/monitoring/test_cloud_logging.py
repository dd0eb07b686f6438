"""Production reads Cloud Logging. Google is unreachable here, so the client is faked at its one
method (`list_entries`), returning the library's real StructEntry objects."""

from datetime import timedelta

from google.cloud.logging_v2.entries import StructEntry
from google.cloud.logging_v2.resource import Resource

from deploy_scripts.function_events import google_client
from deploy_scripts.monitoring.monitor import Monitor, Windows
from deploy_scripts.monitoring.sources import CloudLoggingSource, JsonLinesSource, source_for

from .conftest import NOW, event


class FakeLoggingClient:
    def __init__(self, entries):
        self.entries = entries
        self.calls = []

    def list_entries(self, **kwargs):
        self.calls.append(kwargs)
        return iter(self.entries)


def entry(minutes_ago, **kw):
    payload = event(minutes_ago, **kw)
    del payload["timestamp"]  # Cloud Logging keeps the time on the entry
    revision = payload.pop("revision")
    del payload["severity"]  # … and the severity
    return StructEntry(payload=payload, timestamp=NOW - timedelta(minutes=minutes_ago), severity="INFO",
                       resource=Resource(type="cloud_run_revision", labels={"revision_name": revision}))  # fmt: skip


def test_production_figures_come_from_the_functions_cloud_run_entries(config):
    client = FakeLoggingClient(
        [entry(3), entry(2, failed=True, revision="process-invoice-00007-new"), entry(1)]
    )
    projects = []

    def factory(project):
        projects.append(project)
        return client

    source = CloudLoggingSource(config.environment("production"), client_factory=factory)
    evaluation = Monitor(
        config, "production", source, windows=Windows(60, 24, 24, 1), clock=lambda: NOW
    ).evaluate()

    assert projects == ["freckled-hen-analytics"]
    [call] = client.calls
    assert call["resource_names"] == ["projects/freckled-hen-analytics"]
    assert call["order_by"] == "timestamp asc"
    since = (NOW - timedelta(hours=24)).isoformat().replace("+00:00", "Z")
    assert call["filter_"] == (
        'resource.type="cloud_run_revision" AND resource.labels.service_name="process-invoice" AND '
        'resource.labels.location="us-central1" AND jsonPayload.message=("invoice_processed" OR "invoice_failed") '
        f'AND timestamp>="{since}"'
    )
    figures = evaluation.snapshot.current.figures
    assert (figures.events, figures.failed) == (3, 1)
    assert figures.revisions == ["process-invoice-00001-abc", "process-invoice-00007-new"]
    assert evaluation.snapshot.scope == "production.freckled-hen-analytics.us-central1.process_invoice"
    assert [t.kind for t in evaluation.transitions] == ["fired"]


def test_text_entries_and_other_messages_are_ignored(config):
    other = StructEntry(payload={"message": "booting"}, timestamp=NOW, resource=Resource(type="x", labels={}))
    client = FakeLoggingClient([other, entry(1)])
    source = CloudLoggingSource(config.environment("production"), client_factory=lambda project: client)
    evaluation = Monitor(config, "production", source, clock=lambda: NOW).evaluate()
    assert evaluation.snapshot.current.figures.events == 1


def test_production_reads_googles_cloud_logging(config):
    source = source_for(config.environment("production"))
    assert isinstance(source, CloudLoggingSource) and source._client_factory is google_client


def test_an_events_file_overrides_the_environment(config, tmp_path):
    assert isinstance(source_for(config.environment("production"), [tmp_path / "x.jsonl"]), JsonLinesSource)
