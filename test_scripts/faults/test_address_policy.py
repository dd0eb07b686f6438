"""One address policy (invoice_processing.netpolicy) for the function's file_url and the monitor's
webhook: every IPv6 form that carries an internal IPv4 is refused, and both connect only to the
address that was checked."""

from __future__ import annotations

import socket

import pytest

from deploy_scripts.errors import ConfigError
from deploy_scripts.monitoring import webhook
from invoice_processing.netpolicy import AddressPolicy, address_problem, embedded_ipv4

STRICT, LOCAL = AddressPolicy(), AddressPolicy(allow_loopback=True)

# (address, the IPv4 inside it): written from each format's definition (RFC 4291, 3056, 6052, 4380, 5214).
EMBEDDING = [
    ("::ffff:169.254.169.254", "169.254.169.254"),  # IPv4-mapped
    ("::169.254.169.254", "169.254.169.254"),  # IPv4-compatible
    ("2002:a9fe:a9fe::1", "169.254.169.254"),  # 6to4: bits 16-47
    ("2002:0a00:0001:5::1", "10.0.0.1"),
    ("64:ff9b::169.254.169.254", "169.254.169.254"),  # NAT64 well-known prefix
    ("64:ff9b::127.0.0.1", "127.0.0.1"),
    ("2001:0:4136:e378:8000:63bf:5601:5601", "169.254.169.254"),  # Teredo client, bits inverted
    ("2001:0:a9fe:a9fe:8000:63bf:a2d3:a2d3", "169.254.169.254"),  # Teredo server, bits 32-63
    ("fe80::5efe:169.254.169.254", "169.254.169.254"),  # ISATAP
]


@pytest.mark.parametrize(("address", "inner"), EMBEDDING)
def test_embedded_ipv4_is_found_and_judged_even_when_loopback_is_allowed(address, inner):
    import ipaddress

    assert inner in {str(v4) for v4 in embedded_ipv4(ipaddress.IPv6Address(address))}
    for policy in (STRICT, LOCAL):
        assert f"embeds {inner}" in (address_problem(address, policy) or "")


@pytest.mark.parametrize("address", ["64:ff9b:1::a9fe:a9fe", "64:ff9b:1:ffff::1"])
def test_local_use_nat64_is_refused_whatever_it_carries(address):
    assert "local-use NAT64" in (address_problem(address, STRICT) or "")


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:4700::1111", "2002:5db8:d822::1", "::ffff:93.184.216.34"]
)
def test_public_addresses_pass(address):
    assert address_problem(address, STRICT) is None


def test_loopback_only_when_the_caller_says_so():
    assert address_problem("127.0.0.1", STRICT) == "a loopback address"
    assert address_problem("::1", STRICT) == "a loopback address"
    assert address_problem("127.0.0.1", LOCAL) is None and address_problem("::1", LOCAL) is None
    assert address_problem("10.0.0.1", LOCAL) == "a private or reserved address"


def _resolving_to(address: str):
    def resolve(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, 443))]

    return resolve


@pytest.mark.parametrize(
    ("url", "address", "message"),
    [
        ("https://[2002:a9fe:a9fe::1]/hook", None,
         "webhook host 2002:a9fe:a9fe::1 resolves to internal address 2002:a9fe:a9fe::1 (an IPv6 address that "
         "embeds 169.254.169.254, a link-local address (the metadata server lives there)); refusing to send alerts there"),
        ("https://hooks.example.com/x", "64:ff9b::a9fe:a9fe",
         "webhook host hooks.example.com resolves to internal address 64:ff9b::a9fe:a9fe (an IPv6 address that "
         "embeds 169.254.169.254, a link-local address (the metadata server lives there)); refusing to send alerts there"),
        ("https://hooks.example.com/x", "::ffff:10.1.2.3",
         "webhook host hooks.example.com resolves to internal address ::ffff:a01:203 (an IPv6 address that embeds "
         "10.1.2.3, a private or reserved address); refusing to send alerts there"),
    ],
)  # fmt: skip
def test_webhook_refuses_embedded_internal_addresses(url, address, message):
    with pytest.raises(ConfigError) as caught:
        webhook.check_webhook_url(url, _resolving_to(address) if address else None)
    assert str(caught.value) == message


class Recorder:
    """A pool factory that records where it was asked to connect; its pools never connect."""

    def __init__(self):
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        return self

    def urlopen(self, *args, **kwargs):
        raise OSError("recorded, not connected")

    def close(self):
        pass


def test_webhook_connects_to_the_address_it_checked(monkeypatch):
    pools = Recorder()
    monkeypatch.setattr(webhook, "pinned_pool", pools)
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.216.34"))
    with pytest.raises(webhook.requests.ConnectionError):
        webhook.pinned_post("https://hooks.example.com/services/T/B/x", json={"text": "t"}, timeout=1)
    assert pools.calls == [("https", "93.184.216.34", 443, "hooks.example.com")]


def test_webhook_rechecks_at_send_time_and_never_connects_inside(monkeypatch):
    """The URL was fine when the monitor started; DNS now answers the metadata server."""
    pools = Recorder()
    monkeypatch.setattr(webhook, "pinned_pool", pools)
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("169.254.169.254"))
    with pytest.raises(
        webhook.WebhookRejected, match="^refused: webhook host hooks.example.com resolves to internal"
    ):
        webhook.pinned_post("https://hooks.example.com/services/T/B/x", json={"text": "t"}, timeout=1)
    assert pools.calls == []
