"""Webhook notifications: what is allowed as a target, what is sent, and that nothing is lost."""

import json
import socket

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.monitor_cmd import main as monitor
from deploy_scripts.errors import ConfigError
from deploy_scripts.monitoring.monitor import Monitor, Windows
from deploy_scripts.monitoring.sources import JsonLinesSource
from deploy_scripts.monitoring.webhook import WebhookNotifier, check_webhook_url, slack_payload

from .conftest import NOW, event


def resolver(address):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 443))]

    return resolve


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://[::1]:9/hook", "https://127.0.0.1/hook"])
def test_loopback_targets_are_allowed_over_http(url):
    assert check_webhook_url(url) == url


def test_localhost_is_allowed_over_http_only_when_it_resolves_to_loopback():
    assert check_webhook_url("http://localhost:9/hook", resolver("127.0.0.1")) == "http://localhost:9/hook"
    with pytest.raises(ConfigError, match="^webhook URL to localhost must use https://"):
        check_webhook_url("http://localhost:9/hook", resolver("10.0.0.7"))


def test_plain_http_elsewhere_is_refused_without_even_resolving():
    def no_lookup(*args, **kwargs):
        raise AssertionError("resolved a host that should have been refused by its scheme")

    with pytest.raises(ConfigError, match="^webhook URL to hooks.example.com must use https://"):
        check_webhook_url("http://hooks.example.com/x", no_lookup)


def test_public_https_target_is_allowed():
    url = "https://hooks.slack.com/services/T0/B0/xyz"
    assert check_webhook_url(url, resolver("34.120.1.1")) == url


@pytest.mark.parametrize(
    ("url", "address", "message"),
    [
        ("http://hooks.example.com/x", "34.120.1.1",
         "webhook URL to hooks.example.com must use https:// (plain http is allowed only to loopback)"),
        ("https://metadata.google.internal/computeMetadata/v1/", "169.254.169.254",
         "webhook host metadata.google.internal resolves to internal address 169.254.169.254; refusing to send alerts there"),
        ("https://hooks.example.com/x", "10.1.2.3",
         "webhook host hooks.example.com resolves to internal address 10.1.2.3; refusing to send alerts there"),
        ("ftp://127.0.0.1/x", "127.0.0.1", "webhook URL must be an https:// URL (http:// only to 127.0.0.1, ::1 or localhost)"),
        ("https://user:pw@hooks.example.com/x", "34.120.1.1", "webhook URL must not carry a user name or password"),
    ],
)  # fmt: skip
def test_unsafe_targets_are_refused(url, address, message):
    with pytest.raises(ConfigError) as caught:
        check_webhook_url(url, resolver(address))
    assert str(caught.value) == message


def test_metadata_address_is_refused_before_any_connection(config, tmp_path, monkeypatch):
    connections = []
    monkeypatch.setattr(socket, "getaddrinfo", resolver("169.254.169.254"))
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: connections.append(addr))
    monkeypatch.setattr(requests, "post", lambda *a, **k: connections.append(a))
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(event(1, failed=True)) + "\n")
    result = CliRunner().invoke(monitor, ["--state-dir", str(tmp_path / "s"), "--events-file", str(events),
                                          "--webhook", "https://hooks.example.com/services/T/B/tok3n"])  # fmt: skip
    assert result.exit_code == 2
    assert result.output == (
        "Error: webhook host hooks.example.com resolves to internal address 169.254.169.254; refusing to send alerts there\n"
    )
    assert connections == []
    assert not (tmp_path / "s" / "monitor.sqlite3").exists()  # refused before anything was evaluated


def _fired(config, tmp_path, receiver_url, **notifier):
    events = tmp_path / "e.jsonl"
    lines = [
        event(1, failed=True, correlation_id="corr-should-not-leak"),
        event(2, invoice_number="CS003837319"),
    ]
    events.write_text("".join(json.dumps(x) + "\n" for x in lines))
    webhook = WebhookNotifier(receiver_url, wait_seconds=0.01, **notifier)
    monitor = Monitor(
        config, "local", JsonLinesSource([events]), windows=Windows(), webhook=webhook, clock=lambda: NOW
    )
    return monitor


def test_fired_alert_is_posted_once_as_slack_json_without_document_contents(config, tmp_path, receiver):
    monitor = _fired(config, tmp_path, receiver.url)
    evaluation = monitor.evaluate()
    assert [t.kind for t in evaluation.transitions] == ["fired"]
    assert evaluation.problems == []
    [body] = receiver.bodies
    assert body["text"] == (
        "[FIRING] error rate 50.0% (alert when > 5.0%) on local.freckled-hen-analytics.us-central1.process_invoice"
    )
    fields = {f["title"]: f["value"] for f in body["attachments"][0]["fields"]}
    assert (
        fields["alert"] == "error_rate" and fields["measured"] == "50.0%" and fields["threshold"] == "> 5.0%"
    )
    assert fields["revisions"] == "process-invoice-00001-abc"
    raw = json.dumps(body)
    for leaked in ("CS003837319", "corr-should-not-leak", "s3cr3tt0ken", "Creative Co-op"):
        assert leaked not in raw
    monitor.evaluate()
    assert len(receiver.bodies) == 1  # still firing: no second message


def test_retries_a_failing_receiver_within_one_run(config, tmp_path, receiver):
    receiver.fail_first = 2
    evaluation = _fired(config, tmp_path, receiver.url).evaluate()
    assert evaluation.problems == []
    assert receiver.requests == 3 and len(receiver.bodies) == 1


def test_undelivered_notification_is_sent_on_the_next_run(config, tmp_path, receiver):
    receiver.fail_first = 3  # every attempt of the first run fails
    first = _fired(config, tmp_path, receiver.url).evaluate()
    assert first.problems == ["webhook to 127.0.0.1 failed (HTTP 503); will retry on the next run"]
    assert receiver.bodies == []
    second = _fired(config, tmp_path, receiver.url).evaluate()
    assert second.transitions == [] and second.problems == []
    assert [b["text"][:8] for b in receiver.bodies] == ["[FIRING]"]


def test_unreachable_receiver_is_reported_by_host_only(config, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens here
    evaluation = _fired(
        config, tmp_path, f"http://127.0.0.1:{port}/services/T/B/s3cr3tt0ken", attempts=1
    ).evaluate()
    assert evaluation.problems == [
        "webhook to 127.0.0.1 failed (ConnectionError); will retry on the next run"
    ]


def test_resolved_payload_says_resolved(config, tmp_path, receiver):
    monitor = _fired(config, tmp_path, receiver.url)
    monitor.evaluate()
    with (tmp_path / "e.jsonl").open("a") as handle:
        handle.write("".join(json.dumps(event(0.5)) + "\n" for _ in range(40)))
    resolved = monitor.evaluate()
    assert [t.kind for t in resolved.transitions] == ["resolved"]
    assert receiver.bodies[-1]["text"].startswith("[RESOLVED] error rate 2.4% (alert when > 5.0%)")
    assert receiver.bodies[-1] == slack_payload(resolved.transitions[0])
