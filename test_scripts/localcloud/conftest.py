"""A localcloud on a free loopback port in a temporary state dir, and the real gcloud pointed at it."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy_scripts.localcloud import client
from deploy_scripts.localcloud.contract import CHECK_ENV

PROJECT = "lc-test-project"
REGION = "us-central1"
GCLOUD_TIMEOUT = 90

HELLO_MAIN = textwrap.dedent(
    """
    import os

    def hello(request):
        return {
            "revision": os.environ.get("K_REVISION"),
            "service": os.environ.get("K_SERVICE"),
            "greeting": os.environ.get("GREETING"),
            "localcloud": os.environ.get("LOCALCLOUD_URL"),
            "secret_length": len(os.environ.get("API_KEY", "")),
        }
    """
)


def revision_processes(state_dir: Path) -> list[str]:
    """functions-framework processes whose source lies in this state dir (their --source names it)."""
    found = subprocess.run(["pgrep", "-af", "functions_framework"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if str(state_dir) in line]


def write_source(
    directory: Path, main: str = HELLO_MAIN, requirements: str = "functions-framework\n"
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.py").write_text(main)
    (directory / "requirements.txt").write_text(requirements)  # revisions get only what it names
    return directory


class Gcloud:
    """Runs the real gcloud binary with localcloud's environment."""

    def __init__(self, endpoint: client.Endpoint):
        self.endpoint = endpoint
        self.env = {**os.environ, **client.gcloud_env(endpoint, project=PROJECT, region=REGION)}

    def __call__(self, *args: str, timeout: float = GCLOUD_TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["gcloud", *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            ["gcloud", *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def deploy_args(self, name: str, source: Path, *extra: str) -> list[str]:
        if not any("allow-unauthenticated" in flag for flag in extra):
            extra = (*extra, "--allow-unauthenticated")  # public unless a test says otherwise
        return [
            "functions", "deploy", name, "--gen2", "--runtime", "python312", "--region", REGION,
            "--source", str(source), "--entry-point", "hello", "--trigger-http", *extra,
        ]  # fmt: skip

    def deploy(self, name: str, source: Path, *extra: str) -> subprocess.CompletedProcess:
        return self(*self.deploy_args(name, source, *extra))

    def value(self, *args: str) -> str:
        result = self(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


def start_localcloud(state_dir: Path) -> client.Endpoint:
    return client.start(state_dir, port=0)


def stop_localcloud(state_dir: Path) -> None:
    client.stop(state_dir)
    deadline = time.monotonic() + 10
    while revision_processes(state_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = revision_processes(state_dir)
    assert not leftovers, f"orphan revision processes: {leftovers}"


@pytest.fixture(scope="session", autouse=True)
def contract_violations(tmp_path_factory) -> Path:
    """Every localcloud these tests start checks its API answers against Google's discovery documents."""
    path = tmp_path_factory.mktemp("contract") / "violations.jsonl"
    path.touch()
    previous = os.environ.get(CHECK_ENV)
    os.environ[CHECK_ENV] = str(path)
    yield path
    if previous is None:
        os.environ.pop(CHECK_ENV, None)
    else:
        os.environ[CHECK_ENV] = previous


@pytest.fixture(autouse=True)
def answers_follow_the_contract(contract_violations: Path):
    """A test fails if any answer localcloud gave during it departs from Google's API contract."""
    before = contract_violations.stat().st_size
    yield
    with contract_violations.open(encoding="utf-8") as handle:
        handle.seek(before)
        drifted = handle.read()
    assert not drifted, f"localcloud answers that Google's discovery documents reject:\n{drifted}"


@pytest.fixture(scope="session")
def localcloud_dir(tmp_path_factory) -> Path:
    if shutil.which("gcloud") is None:
        pytest.skip("gcloud is not installed")
    return tmp_path_factory.mktemp("localcloud")


@pytest.fixture(scope="session")
def endpoint(localcloud_dir: Path):
    endpoint = start_localcloud(localcloud_dir)
    yield endpoint
    stop_localcloud(localcloud_dir)


@pytest.fixture(scope="session")
def gcloud(endpoint) -> Gcloud:
    return Gcloud(endpoint)


@pytest.fixture
def source_factory(tmp_path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(main: str = HELLO_MAIN, requirements: str = "functions-framework\n") -> Path:
        return write_source(tmp_path / f"src{next(counter)}", main, requirements)

    return make
