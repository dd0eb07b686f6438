"""file_url safety: refusals happen before any connection; caps and limits hold on a real server."""

from __future__ import annotations

import pytest

from invoice_processing.service.errors import FetchFailed, FetchRefused, PayloadTooLarge
from invoice_processing.service.fetch import FetchPolicy, check_url, fetch_url


class NoConnections:
    """A pool factory that records any attempt to connect: the tests expect none."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, *args):
        self.calls.append(args)
        raise AssertionError("a connection was attempted")


def resolver_to(*addresses: str):
    seen: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        seen.append(host)
        return list(addresses)

    resolve.seen = seen  # type: ignore[attr-defined]
    return resolve


POLICY = FetchPolicy(max_bytes=1000, timeout_seconds=2)


@pytest.mark.parametrize(
    "addresses",
    [
        ("169.254.169.254",),  # the metadata server
        ("10.1.2.3",),
        ("192.168.0.10",),
        ("172.16.5.5",),
        ("127.0.0.1",),
        ("::1",),
        ("fe80::1",),
        ("::ffff:169.254.169.254",),  # IPv4-mapped IPv6
        ("0.0.0.0",),
        ("100.64.0.1",),  # carrier-grade NAT
        ("93.184.216.34", "10.0.0.1"),  # one bad answer among good ones is enough
    ],
)
def test_name_resolving_to_internal_address_is_refused_before_connecting(addresses):
    resolve, pool = resolver_to(*addresses), NoConnections()
    with pytest.raises(FetchRefused, match="refused"):
        fetch_url("https://invoices.example.com/a.pdf", POLICY, resolver=resolve, pool_factory=pool)
    assert resolve.seen == ["invoices.example.com"]
    assert pool.calls == []


def test_public_address_is_connected_to_the_checked_address_with_the_name_for_tls():
    pool = NoConnections()
    with pytest.raises(AssertionError, match="a connection was attempted"):
        fetch_url(
            "https://invoices.example.com/a.pdf",
            POLICY,
            resolver=resolver_to("93.184.216.34"),
            pool_factory=pool,
        )
    assert pool.calls == [("https", "93.184.216.34", 443, "invoices.example.com")]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://invoices.example.com/a.pdf", "must be an https"),
        ("file:///etc/passwd", "must be an https"),
        ("gopher://x/", "must be an https"),
        ("https:///nohost", "must be an https"),
        ("https://example.com:99999/", "not a valid URL"),
        ("https://metadata.google.internal/computeMetadata/v1/", "metadata server"),
    ],
)
def test_bad_urls_are_refused_without_resolving(url, message):
    resolve = resolver_to("93.184.216.34")
    with pytest.raises(FetchRefused, match=message):
        check_url(url, POLICY, resolve)
    assert resolve.seen == []


def test_loopback_http_only_when_allowed():
    allowed = FetchPolicy(max_bytes=10, allow_loopback=True)
    assert check_url("http://127.0.0.1:8080/x.pdf?a=1", allowed, resolver_to())[:4] == (
        "http",
        "127.0.0.1",
        8080,
        "127.0.0.1",
    )
    with pytest.raises(FetchRefused, match="loopback"):
        check_url("https://127.0.0.1:8080/x.pdf", POLICY, resolver_to())
    with pytest.raises(FetchRefused, match="must be an https"):
        check_url("http://127.0.0.1:8080/x.pdf", POLICY, resolver_to())
    # Loopback allowed still means private networks are not.
    with pytest.raises(FetchRefused, match="private"):
        check_url("https://10.0.0.1/x.pdf", allowed, resolver_to())
    with pytest.raises(FetchRefused, match="must be an https"):
        check_url("http://files.example.com/x.pdf", allowed, resolver_to("93.184.216.34"))


def test_redirect_to_internal_address_is_refused_before_following(file_server):
    """A public link that redirects inwards: the second hop is checked like the first."""
    from flask import Flask, redirect

    from .servers import ThreadedApp

    app = Flask("redirector")
    app.get("/go")(lambda: redirect("http://169.254.169.254/computeMetadata/v1/", 302))
    with ThreadedApp(app) as server:
        policy = FetchPolicy(max_bytes=1000, allow_loopback=True)
        with pytest.raises(FetchRefused, match="link-local"):
            fetch_url(server.url + "/go", policy)


def test_streaming_cap_timeouts_and_redirect_limit(file_server, invoice):
    policy = FetchPolicy(max_bytes=len(invoice.pdf), timeout_seconds=1, allow_loopback=True, max_redirects=3)
    assert fetch_url(f"{file_server.url}/redirect/3/invoice.pdf", policy) == invoice.pdf
    with pytest.raises(FetchRefused, match="redirected more than 3"):
        fetch_url(f"{file_server.url}/redirect/4/invoice.pdf", policy)
    with pytest.raises(PayloadTooLarge):
        fetch_url(f"{file_server.url}/endless", policy)
    with pytest.raises(FetchFailed, match="timed out"):
        fetch_url(f"{file_server.url}/slow?s=2", policy)
    smaller = FetchPolicy(max_bytes=len(invoice.pdf) - 1, allow_loopback=True)
    with pytest.raises(PayloadTooLarge):
        fetch_url(f"{file_server.url}/files/invoice.pdf", smaller)
