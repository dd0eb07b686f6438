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
        ("::a9fe:a9fe",),  # IPv4-compatible ::169.254.169.254
        ("2002:a9fe:a9fe::1",),  # 6to4 of 169.254.169.254
        ("2002:0a00:0001::1",),  # 6to4 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe",),  # NAT64 well-known prefix
        ("64:ff9b:1:a9fe:a9:fe00::",),  # NAT64 local-use prefix
        ("2001:0:4136:e378:8000:63bf:5601:5601",),  # Teredo, client 169.254.169.254 (obfuscated)
        ("2001:0:a9fe:a9fe:8000:63bf:a2d3:a2d3",),  # Teredo, server 169.254.169.254
        ("2600::5efe:a9fe:a9fe",),  # ISATAP interface id
        ("::ffff:7f00:1",),  # loopback, but mapped: never the deliberate loopback
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
        ("https://[2002:a9fe:a9fe::1]/", "embeds 169.254.169.254, a link-local address"),
        ("https://[::ffff:10.0.0.1]/", "embeds 10.0.0.1, a private"),
        ("https://[64:ff9b::7f00:1]/", "embeds 127.0.0.1, a loopback address"),
        ("https://2852039166/", "link-local"),  # 169.254.169.254 in decimal, as inet_aton reads it
        ("https://0xa9fea9fe/", "link-local"),
        ("https://0251.0376.0251.0376/", "link-local"),
        ("https://user:pw@files.example.com/a.pdf", "user name or password"),
    ],
)
def test_bad_urls_are_refused_without_resolving(url, message):
    resolve = resolver_to("93.184.216.34")
    with pytest.raises(FetchRefused, match=message):
        check_url(url, POLICY, resolve)
    assert resolve.seen == []


def test_loopback_http_only_when_allowed():
    allowed = FetchPolicy(max_bytes=10, allow_loopback=True)
    target = check_url("http://127.0.0.1:8080/x.pdf?a=1", allowed, resolver_to())
    assert (target.scheme, target.host, target.port, target.address, target.path) == (
        "http",
        "127.0.0.1",
        8080,
        "127.0.0.1",
        "/x.pdf?a=1",
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
