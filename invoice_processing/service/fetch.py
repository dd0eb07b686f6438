"""Fetch a `file_url` without letting it reach anything it should not.

Every hop (the URL and each redirect) is resolved first and refused before any connection when an
address is private, loopback, link-local (the metadata server), multicast or reserved. The
connection then goes to the address that was checked, not to a second DNS answer, so a name that
re-resolves to 169.254.169.254 between check and connect gets nowhere. The body is capped while
it streams, each read has a timeout and the whole fetch has a deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3

from .errors import FetchFailed, FetchRefused, PayloadTooLarge

Resolver = Callable[[str, int], list[str]]
PoolFactory = Callable[[str, str, int, str], urllib3.HTTPConnectionPool]

_CHUNK = 64 * 1024
_METADATA_HOSTS = {"metadata", "metadata.google.internal", "metadata.goog"}


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout_seconds: float = 20.0
    max_redirects: int = 3
    #: Plain http to 127.0.0.1/::1 (localcloud and tests only; never in production).
    allow_loopback: bool = False


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise FetchRefused("the file_url's host name does not resolve: check the link") from None
    return sorted({info[4][0] for info in infos})


def _default_pool(scheme: str, address: str, port: int, hostname: str) -> urllib3.HTTPConnectionPool:
    if scheme == "https":
        # Connect to the checked address, but verify the certificate for the name in the URL.
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


def _address_problem(address: str, allow_loopback: bool) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address (the metadata server lives there)"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return "a private or reserved address"
    return None


def check_url(url: str, policy: FetchPolicy, resolver: Resolver) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, checked address, path) for a URL that may be fetched; raises FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchRefused("file_url is not a valid URL") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("https", "http") or not host or (scheme == "http" and not policy.allow_loopback):
        raise FetchRefused("file_url must be an https:// URL")
    if host in _METADATA_HOSTS:
        raise FetchRefused("file_url points at the metadata server: refused")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolver(host, port)
    if not addresses:
        raise FetchRefused("the file_url's host name does not resolve: check the link")
    for address in addresses:
        problem = _address_problem(address, policy.allow_loopback)
        if problem:
            raise FetchRefused(f"file_url resolves to {problem}: refused; use a public https:// link")
    all_loopback = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
    if scheme == "http" and not (policy.allow_loopback and all_loopback):
        raise FetchRefused("file_url must be an https:// URL")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, addresses[0], path


def _read_capped(response: urllib3.BaseHTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise PayloadTooLarge(f"the file at file_url is larger than the {policy.max_bytes} byte limit")
    body = bytearray()
    for chunk in response.stream(_CHUNK):
        body += chunk
        if len(body) > policy.max_bytes:
            raise PayloadTooLarge(f"the file at file_url is larger than the {policy.max_bytes} byte limit")
        if time.monotonic() > deadline:
            raise FetchFailed("downloading file_url took too long: try again or upload the file instead")
    return bytes(body)


def fetch_url(
    url: str,
    policy: FetchPolicy,
    *,
    resolver: Resolver = system_resolver,
    pool_factory: PoolFactory = _default_pool,
) -> bytes:
    deadline = time.monotonic() + policy.timeout_seconds
    timeout = urllib3.Timeout(connect=min(5.0, policy.timeout_seconds), read=policy.timeout_seconds)
    for _hop in range(policy.max_redirects + 1):
        scheme, host, port, address, path = check_url(url, policy, resolver)
        pool = pool_factory(scheme, address, port, host)
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if ":" in host and not host.startswith("["):
            host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        try:
            response = pool.urlopen(
                "GET",
                path,
                headers={"Host": host_header, "User-Agent": "process-invoice/1", "Accept": "*/*"},
                redirect=False,
                retries=False,
                preload_content=False,
                timeout=timeout,
            )
        except urllib3.exceptions.SSLError:
            raise FetchRefused("file_url's TLS certificate is not valid for its host") from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise FetchFailed(
                "could not download file_url (connection failed or timed out): try again"
            ) from None
        try:
            if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status >= 500:
                raise FetchFailed(f"file_url's server answered {response.status}: try again later")
            if response.status >= 400:
                raise FetchRefused(f"file_url answered {response.status}: check the link")
            try:
                return _read_capped(response, policy, deadline)
            except (urllib3.exceptions.HTTPError, OSError):
                raise FetchFailed("downloading file_url failed part-way: try again") from None
        finally:
            response.release_conn()
            pool.close()
    raise FetchRefused(f"file_url redirected more than {policy.max_redirects} times: send the final link")
