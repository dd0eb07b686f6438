"""Plain HTTP to loopback (never through an environment proxy)."""

from __future__ import annotations

import time

import requests

from deploy_scripts.localcloud.logs import read_revision_logs

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


def logged_records(state_dir, revision: str, until, timeout: float = 15.0) -> list[dict]:
    """The revision's log records once `until(records)` holds: lines reach the log after the answer."""
    deadline = time.monotonic() + timeout
    while True:
        records = list(read_revision_logs(state_dir, revision))
        if until(records) or time.monotonic() > deadline:
            return records
        time.sleep(0.1)
