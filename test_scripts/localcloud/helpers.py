"""Plain HTTP to loopback (never through an environment proxy)."""

from __future__ import annotations

import requests

from deploy_scripts.localcloud.logs import read_revision_logs
from test_scripts.polling import poll

_session = requests.Session()
_session.trust_env = False


def get(url: str, **kwargs) -> requests.Response:
    return _session.get(url, timeout=kwargs.pop("timeout", 30), **kwargs)


def post(url: str, **kwargs) -> requests.Response:
    return _session.post(url, timeout=kwargs.pop("timeout", 30), **kwargs)


def request(method: str, url: str, **kwargs) -> requests.Response:
    return _session.request(method, url, timeout=kwargs.pop("timeout", 30), **kwargs)


def served_revisions(url: str, calls: int = 6) -> set[str]:
    return {get(url).json()["revision"] for _ in range(calls)}


def logged_records(state_dir, revision: str, until) -> list[dict]:
    """The revision's log records once `until(records)` holds: lines reach the log after the answer."""
    return poll(lambda: list(read_revision_logs(state_dir, revision)), until)
