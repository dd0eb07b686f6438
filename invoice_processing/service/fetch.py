"""Fetch a `file_url` without letting it reach anything it should not.

Every hop (the URL and each redirect) goes through the shared address policy
(`invoice_processing.netpolicy`): resolved first and refused before any connection when an address
is internal, and then connected to the checked address only. The body is capped while it streams,
and the whole download (every hop, headers and body) has one deadline that holds however slowly
the server drips its bytes: each read waits at most for the time that is left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3

from ..netpolicy import AddressPolicy, AddressRefused, PoolFactory, Resolver, Target, pinned_pool
from ..netpolicy import check_url as check_address
from ..netpolicy import system_resolver as _system_resolver
from .errors import FetchFailed, FetchRefused, PayloadTooLarge

__all__ = ["FetchPolicy", "PoolFactory", "Resolver", "check_url", "fetch_url", "system_resolver"]

_CHUNK = 64 * 1024
_CONNECT_SECONDS = 5.0
_TOO_SLOW = "downloading file_url took too long: try again or upload the file instead"


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    #: The whole download, all hops included.
    timeout_seconds: float = 20.0
    max_redirects: int = 3
    #: Plain http to 127.0.0.1/::1 (localcloud and tests only; never in production).
    allow_loopback: bool = False

    @property
    def addresses(self) -> AddressPolicy:
        return AddressPolicy(allow_loopback=self.allow_loopback)


def system_resolver(host: str, port: int) -> list[str]:
    try:
        return _system_resolver(host, port)
    except AddressRefused:
        raise FetchRefused("the file_url's host name does not resolve: check the link") from None


def check_url(url: str, policy: FetchPolicy, resolver: Resolver = system_resolver) -> Target:
    """The checked Target for a file_url hop; raises FetchRefused before any connection."""
    try:
        return check_address(url, policy.addresses, resolver)
    except AddressRefused as exc:
        raise FetchRefused(f"file_url refused: {exc}; send a public https:// link to the PDF") from None


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchFailed(_TOO_SLOW)
    return left


def _read_capped(response: urllib3.BaseHTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise PayloadTooLarge(f"the file at file_url is larger than the {policy.max_bytes} byte limit")
    sock = getattr(response.connection, "sock", None)
    body = bytearray()
    while True:
        if sock is not None:  # one read may wait only for what is left of the whole deadline
            sock.settimeout(_remaining(deadline))
        try:
            chunk = response.read1(_CHUNK)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            raise FetchFailed(_TOO_SLOW) from None
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > policy.max_bytes:
            raise PayloadTooLarge(f"the file at file_url is larger than the {policy.max_bytes} byte limit")
        _remaining(deadline)


def fetch_url(
    url: str,
    policy: FetchPolicy,
    *,
    resolver: Resolver = system_resolver,
    pool_factory: PoolFactory = pinned_pool,
) -> bytes:
    deadline = time.monotonic() + policy.timeout_seconds
    for _hop in range(policy.max_redirects + 1):
        target = check_url(url, policy, resolver)
        left = _remaining(deadline)
        timeout = urllib3.Timeout(connect=min(_CONNECT_SECONDS, left), read=left)
        pool = pool_factory(target.scheme, target.address, target.port, target.host)
        try:
            response = pool.urlopen(
                "GET",
                target.path,
                headers={"Host": target.host_header, "User-Agent": "process-invoice/1", "Accept": "*/*"},
                redirect=False,
                retries=False,
                preload_content=False,
                timeout=timeout,
            )
        except urllib3.exceptions.SSLError:
            pool.close()
            raise FetchRefused("file_url's TLS certificate is not valid for its host") from None
        except (urllib3.exceptions.HTTPError, OSError):
            pool.close()
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
