"""Session-wide: no test can reach Google (see test_scripts/offline.py for what is set and why).

The environment is set in `pytest_configure`, before any test module is imported, because
google-auth reads NO_GCE_CHECK and the metadata host when it is imported. The autouse fixtures put
it back for every test (a test may change it through monkeypatch, never keep it changed) and fail
the test that made an in-process non-loopback connection or name lookup.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_scripts.offline import REMOVED, LoopbackGuard, Nowhere, offline_environ

_state: dict = {}


def pytest_configure(config: pytest.Config) -> None:
    scratch = tempfile.TemporaryDirectory(prefix="offline-tests-")
    nowhere = Nowhere()
    environ = offline_environ(Path(scratch.name) / "gcloud-config", nowhere.url)
    saved = {key: os.environ.get(key) for key in (*environ, *REMOVED)}
    for key in REMOVED:
        os.environ.pop(key, None)
    os.environ.update(environ)
    _state.update(
        scratch=scratch, nowhere=nowhere, environ=environ, saved=saved, guard=LoopbackGuard().install()
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _state:
        return
    _state["guard"].uninstall()
    _state["nowhere"].close()
    for key, value in _state["saved"].items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _state["scratch"].cleanup()
    _state.clear()


@pytest.fixture(scope="session", autouse=True)
def offline_session() -> dict:
    """What the session runs with: `environ`, the refusing `nowhere` endpoint, the socket `guard`."""
    return _state


@pytest.fixture(autouse=True)
def stays_offline(offline_session: dict) -> Iterator[LoopbackGuard]:
    """Every test starts offline, and fails if its own code tried to leave loopback."""
    for key in REMOVED:
        os.environ.pop(key, None)
    os.environ.update(offline_session["environ"])
    guard: LoopbackGuard = offline_session["guard"]
    before = len(guard.refused)
    yield guard
    attempts = guard.refused[before:]
    del guard.refused[before:]
    if attempts:
        pytest.fail(f"this test tried to leave loopback (refused by the offline guard): {attempts}")
