"""Which network addresses outbound requests may reach, and a connection pinned to the checked one.

One policy for everything that connects to a URL someone else chose: the function's `file_url`
download and the monitor's alert webhook. A URL is parsed, its host resolved, and every address is
judged before any connection: private, loopback, link-local (169.254.169.254, the metadata
server), CGNAT, multicast, reserved and unspecified addresses are refused, and so is every IPv6
form that carries an IPv4 address inside it (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
`::a.b.c.d`, 6to4 `2002::/16`, NAT64 `64:ff9b::/96` and the local-use `64:ff9b:1::/48`, Teredo
`2001::/32` with its server and de-obfuscated client, ISATAP interface ids) when the IPv4 inside is
one of those. The connection then goes to the address that was checked, with TLS verified against
the URL's host name, so a second DNS answer cannot send it elsewhere.

Loopback is allowed only when the caller says so (`AddressPolicy.allow_loopback`): the function on
localcloud and in tests (`ALLOW_LOOPBACK_URLS=1`), and the monitor, whose webhook receiver may be
the operator's own machine. Plain http is then allowed to loopback only.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: (host, port) -> the addresses it resolves to, as strings.
Resolver = Callable[[str, int], list[str]]
#: (scheme, checked address, port, host name for TLS/SNI) -> a connection pool to exactly that address.
PoolFactory = Callable[[str, str, int, str], urllib3.HTTPConnectionPool]

METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog"})
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# inet_aton accepts these as IPv4 (decimal 2852039166, hex 0xa9fea9fe, octal 0251.0376.0251.0376,
# short 169.254.43518); resolvers do too, so they are judged as addresses, never looked up.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")


class AddressRefused(ValueError):
    """A URL or address this policy does not allow; the message says why (never the URL's path)."""


@dataclass(frozen=True)
class AddressPolicy:
    #: Loopback (127.0.0.0/8, ::1) and plain http to it: local runs only, chosen by the caller.
    allow_loopback: bool = False


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy: connect to `address`, present `host` for TLS and Host."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def host_header(self) -> str:
        default_port = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default_port else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AddressRefused(f"host {host} does not resolve") from None
    return sorted({str(info[4][0]) for info in infos})


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries by construction (tunnels, translators, mappings)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # ::a.b.c.d (deprecated), not :: or ::1
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)  # (server, client); the client is de-obfuscated by ipaddress
    if ip in _NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if (int(ip) >> 32) & 0xFDFFFFFF == 0x00005EFE:  # ISATAP interface id ::[02]00:5efe:a.b.c.d
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _ipv4_problem(ip: ipaddress.IPv4Address, policy: AddressPolicy) -> str | None:
    if ip.is_loopback:
        return None if policy.allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address (the metadata server lives there)"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return "a private or reserved address"
    return None


def address_problem(address: str | IPAddress, policy: AddressPolicy) -> str | None:
    """Why this address may not be reached, or None when it may."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_problem(ip, policy)
    if ip.is_loopback:
        return None if policy.allow_loopback else "a loopback address"
    for v4 in embedded_ipv4(ip):
        # Never the deliberate loopback: an IPv6 form of 127.0.0.1 is a way around the policy.
        problem = _ipv4_problem(v4, AddressPolicy(allow_loopback=False))
        if problem:
            return f"an IPv6 address that embeds {v4}, {problem}"
    if ip.ipv4_mapped:
        return None  # ::ffff:<public IPv4> is that public address (ipaddress calls the block private)
    if ip in _NAT64_LOCAL_USE:  # operator-chosen layout: the IPv4 inside cannot be read reliably
        return "a local-use NAT64 address (64:ff9b:1::/48)"
    if ip.is_link_local:
        return "a link-local address (the metadata server lives there)"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or ip.is_site_local:
        return "a private or reserved address"
    if not ip.is_global:
        return "a private or reserved address"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise AddressRefused(f"host {host} is not a valid address") from None
    return None


def check_url(url: str, policy: AddressPolicy, resolver: Resolver = system_resolver) -> Target:
    """The checked Target for a URL that may be fetched; raises AddressRefused before any connection."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused("it is not a valid URL") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("https", "http") or not host:
        raise AddressRefused("the URL must be an https:// URL")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("the URL must not carry a user name or password")
    if scheme == "http" and not policy.allow_loopback:
        raise AddressRefused("the URL must be an https:// URL")
    if host in METADATA_HOSTS:
        raise AddressRefused("the URL points at the metadata server")
    port = port or (443 if scheme == "https" else 80)
    literal = _literal(host)
    addresses = [str(literal)] if literal is not None else resolver(host, port)
    if not addresses:
        raise AddressRefused(f"host {host} does not resolve")
    for address in addresses:
        problem = address_problem(address, policy)
        if problem:
            raise AddressRefused(f"the URL's host resolves to {problem}")
    all_loopback = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
    if scheme == "http" and not (policy.allow_loopback and all_loopback):
        raise AddressRefused("the URL must be an https:// URL (plain http only to loopback)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, addresses[0], path)


def pinned_pool(scheme: str, address: str, port: int, hostname: str) -> urllib3.HTTPConnectionPool:
    """A pool that connects to `address` (already checked) and verifies TLS for `hostname`."""
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=hostname,
            assert_hostname=hostname,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            maxsize=1,
        )
    return urllib3.HTTPConnectionPool(address, port, maxsize=1)
