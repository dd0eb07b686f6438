"""Slack-compatible webhook notifications: a JSON POST of `text` plus one attachment of fields.

What is sent is built from the incident alone (rule, measured value, threshold, times, scope and
revision names): never document contents, invoice numbers or anything from the environment. The
URL itself is a credential (Slack puts the token in the path), so it is never printed or stored;
messages name only its host.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import requests
import urllib3
from tenacity import RetryError, retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from invoice_processing.netpolicy import AddressPolicy, Target, address_problem, pinned_pool

from ..errors import ConfigError
from .rules import describe_threshold, format_value
from .store import AlertStore, Transition

Resolver = Callable[..., list]
CHANNEL = "webhook"
TIMEOUT_SECONDS = 10
#: The monitor runs on the operator's machine, and a receiver there (a local relay, the tests'
#: receiver) is the operator's own choice: loopback is allowed on purpose, plain http only to it.
#: Everything else internal is refused by the same policy as the function's file_url download.
WEBHOOK_POLICY = AddressPolicy(allow_loopback=True)


class WebhookRejected(Exception):
    """The receiver answered, but not with a 2xx: worth retrying later, not now."""


def _addresses(host: str, resolve: Resolver) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = resolve(host, None)
    except (OSError, UnicodeError) as exc:
        raise ConfigError(
            f"webhook host {host!r} does not resolve ({exc}); check MONITOR_WEBHOOK_URL / --webhook"
        ) from None
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "?"


def is_loopback_name(host: str) -> bool:
    """A loopback literal, or `localhost` (a URL's hostname arrives lower-cased; the webhook still
    checks the addresses `localhost` resolves to)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def webhook_target(url: str, resolve: Resolver | None = None) -> Target:
    """The address to connect to for this URL, judged by WEBHOOK_POLICY before any connection:
    https, or http to loopback only; no private, link-local (metadata) or other internal address,
    in any IPv6 form that embeds one either."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError("webhook URL must be an https:// URL (http:// only to 127.0.0.1, ::1 or localhost)")
    if parts.username or parts.password:
        raise ConfigError("webhook URL must not carry a user name or password")
    if parts.scheme == "http" and not is_loopback_name(host):
        raise ConfigError(f"webhook URL to {host} must use https:// (plain http is allowed only to loopback)")
    addresses = _addresses(host, resolve or socket.getaddrinfo)
    if not addresses:
        raise ConfigError(f"webhook host {host!r} does not resolve; check MONITOR_WEBHOOK_URL / --webhook")
    if parts.scheme != "https" and not all(a.is_loopback for a in addresses):
        # "localhost" that does not resolve to loopback
        raise ConfigError(f"webhook URL to {host} must use https:// (plain http is allowed only to loopback)")
    for address in addresses:
        problem = address_problem(address, WEBHOOK_POLICY)
        if problem:
            detail = f" ({problem})" if address.version == 6 else ""
            raise ConfigError(
                f"webhook host {host} resolves to internal address {address}{detail}; "
                "refusing to send alerts there"
            )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, str(addresses[0]), path)


def check_webhook_url(url: str, resolve: Resolver | None = None) -> str:
    """The URL, if WEBHOOK_POLICY allows it; raises ConfigError (exit 2) before any connection."""
    webhook_target(url, resolve)
    return url


@dataclass(frozen=True)
class _Answer:
    status_code: int


def pinned_post(url: str, *, json: dict, timeout: float, allow_redirects: bool = False) -> _Answer:
    """POST `json` to the address that was checked just now (TLS verified for the URL's host), so a
    DNS answer that changed since the check cannot send the alert, and its token, elsewhere."""
    try:
        target = webhook_target(url)
    except ConfigError as exc:
        raise WebhookRejected(f"refused: {exc}") from None
    pool = pinned_pool(target.scheme, target.address, target.port, target.host)
    body = _json_bytes(json)
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "invoice-monitor/1",
    }
    try:
        response = pool.urlopen(
            "POST", target.path, body=body, headers=headers, redirect=allow_redirects, retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )  # fmt: skip
        return _Answer(response.status)
    except urllib3.exceptions.NewConnectionError:  # a subclass of ConnectTimeoutError, but refused
        raise requests.ConnectionError() from None
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        raise requests.Timeout() from None
    except (urllib3.exceptions.HTTPError, OSError):
        raise requests.ConnectionError() from None
    finally:
        pool.close()


def _json_bytes(payload: dict) -> bytes:
    return json.dumps(payload).encode("utf-8")


def slack_payload(transition: Transition) -> dict:
    incident = transition.incident
    firing = transition.kind == "fired"
    limit = describe_threshold(incident.breaches_when, incident.threshold, incident.unit)
    value = incident.fired_value if firing else incident.resolved_value
    when = incident.fired_at if firing else incident.resolved_at
    state = "FIRING" if firing else "RESOLVED"
    text = (
        f"[{state}] {incident.title} {format_value(value, incident.unit)} "
        f"(alert when {limit}) on {incident.scope}"
    )
    fields = [
        ("alert", incident.rule),
        ("measured", format_value(value, incident.unit)),
        ("threshold", limit),
        ("scope", incident.scope),
        ("revisions", incident.revisions or "n/a"),
        ("incident", f"#{incident.id} fired {incident.fired_at.isoformat(timespec='seconds')}"),
        ("at", when.isoformat(timespec="seconds") if when else "n/a"),
    ]
    attachment = {
        "color": "#d62728" if firing else "#2ca02c",
        "fallback": text,
        "fields": [{"title": title, "value": value, "short": True} for title, value in fields],
    }
    return {"text": text, "attachments": [attachment]}


class WebhookNotifier:
    def __init__(self, url: str, post: Callable[..., _Answer] = pinned_post, attempts: int = 3,
                 wait_seconds: float = 0.5):  # fmt: skip
        self.url = url
        self.host = host_of(url)
        self._post = post
        self._attempts = attempts
        self._wait = wait_seconds

    def send(self, payload: dict) -> None:
        """POST with bounded retries on connection errors and non-2xx answers; raises on the last failure."""

        @retry(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._wait, max=5),
            retry=retry_if_exception_type((requests.RequestException, WebhookRejected)),
            reraise=True,
        )
        def attempt() -> None:
            response = self._post(self.url, json=payload, timeout=TIMEOUT_SECONDS, allow_redirects=False)
            if not 200 <= response.status_code < 300:
                raise WebhookRejected(f"HTTP {response.status_code}")

        attempt()

    def flush(self, store: AlertStore, now: datetime) -> list[str]:
        """Deliver every queued notification; returns problems (host only, never the URL)."""
        problems = []
        for pending in store.pending(CHANNEL):
            transition = Transition.model_validate(pending.payload)
            try:
                self.send(slack_payload(transition))
            except (requests.RequestException, WebhookRejected, RetryError) as exc:
                reason = exc.__class__.__name__ if isinstance(exc, requests.RequestException) else str(exc)
                store.mark(pending.id, now, reason)
                problems.append(f"webhook to {self.host} failed ({reason}); will retry on the next run")
            else:
                store.mark(pending.id, now, None)
        return problems
