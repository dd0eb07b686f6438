"""Fixtures for the deploy/rollback tests: isolated config files, state dirs and gcloud configs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from deploy_scripts.config import DEFAULT_CONFIG, load_config
from deploy_scripts.localcloud.client import stop as stop_localcloud
from deploy_scripts.localcloud.processes import free_port
from deploy_scripts.localcloud.staging import stage_project_source
from deploy_scripts.pipeline.target import Target, resolve_target


def write_config(path: Path, **overrides) -> Path:
    """The repo's config with top-level tables/values replaced (as TOML text, no extra dependency)."""
    raw = tomllib.loads(DEFAULT_CONFIG.read_text())
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split("__")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    path.write_text(_to_toml(raw))
    return path


def _to_toml(data: dict, prefix: str = "") -> str:
    scalars, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            scalars.append(f"{_key(key)} = {_value(value)}")
    text = "\n".join(scalars) + "\n"
    for key, value in tables:
        name = f"{prefix}.{_key(key)}" if prefix else _key(key)
        text += f"\n[{name}]\n" + _to_toml(value, name)
    return text


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"'


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, state_dir: Path) -> Path:
    """No DEPLOY_* leakage from the caller; gcloud with an empty config (no account)."""
    for var in (
        "DEPLOY_ENV",
        "DEPLOY_CONFIG",
        "DEPLOY_BACKUPS_KEEP",
        "DEPLOY_TIMEOUT_SECONDS",
        "DEPLOY_LOAD_SAMPLE_REQUESTS",
        "DEPLOY_STATE_URL",
        "DEPLOY_PROJECT_DIR",
        "DEPLOY_LOCK_LEASE_SECONDS",
        "DEPLOY_ROLLOUT_STRATEGY",
        "STORAGE_EMULATOR_HOST",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DEPLOY_STATE_DIR", str(state_dir))
    # no shadow replay: it would open the archive of the machine's own localcloud (test_replay*.py
    # replays against a localcloud of its own)
    monkeypatch.setenv("DEPLOY_REPLAY_INVOICES", "0")
    gcloud_config = tmp_path / "gcloud-config"
    gcloud_config.mkdir()
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(gcloud_config))
    return state_dir


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    """Resources a test enters as it goes (a context per step), all closed after it."""
    with ExitStack() as resources:
        yield resources


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A deployable copy of this repository's function source."""
    return stage_project_source(tmp_path / "source")


SABOTAGE = """

# --- sabotage appended by test_scripts/deploy (a deliberately broken extractor) ---------------
_honest_detect_vendor = detect_vendor


class _DropEveryOtherRow:
    def __init__(self, parser):
        self._parser, self.name = parser, parser.name

    def score(self, document):
        return self._parser.score(document)

    def parse(self, document):
        parsed = self._parser.parse(document)
        return parsed.model_copy(update={"line_items": parsed.line_items[::2]})


def detect_vendor(document):  # noqa: F811
    parser = _honest_detect_vendor(document)
    return _DropEveryOtherRow(parser) if parser.name == "Creative Co-op" else parser
"""


def sabotage(source_dir: Path) -> Path:
    """Break the copy's extractor: Creative Co-op invoices lose every other row."""
    vendors = source_dir / "invoice_processing" / "vendors" / "__init__.py"
    vendors.write_text(vendors.read_text() + SABOTAGE)
    return source_dir


@pytest.fixture
def sabotaged_source(source_copy: Path) -> Path:
    return sabotage(source_copy)


@contextmanager
def localcloud_environment(root: Path, unset: tuple[str, ...] = ()) -> Iterator[Target]:
    """An end-to-end world of its own under `root`: config, deploy state, and a localcloud on a free
    loopback port, selected through the environment variables the commands read."""
    config_path = write_config(
        root / "deploy.toml", environments__local__localcloud_dir=str(root / "localcloud")
    )
    patch = pytest.MonkeyPatch()
    for var in (
        "DEPLOY_ENV",
        "DEPLOY_BACKUPS_KEEP",
        "DEPLOY_TIMEOUT_SECONDS",
        "DEPLOY_STATE_URL",
        "DEPLOY_ROLLOUT_STRATEGY",
        "STORAGE_EMULATOR_HOST",
        *unset,
    ):
        patch.delenv(var, raising=False)
    patch.setenv("DEPLOY_CONFIG", str(config_path))
    patch.setenv("DEPLOY_STATE_DIR", str(root / "state"))
    patch.setenv("DEPLOY_LOAD_SAMPLE_REQUESTS", "2")
    patch.setenv("LOCALCLOUD_PORT", str(free_port()))
    patch.setenv("LOCALCLOUD_STATE_DIR", str(root / "localcloud"))
    target = resolve_target(load_config(), None)
    try:
        yield target
    finally:
        stop_localcloud(target.endpoint.state_dir)
        patch.undo()


PROJECT_FILES = (
    "config",
    "test_invoices",
    "invoice_processing",
    "main.py",
    "requirements.txt",
    "pyproject.toml",
)


def make_checkout(root: Path, version: str) -> Path:
    """A checkout of this project (the files a clone has that the commands read), with its own version."""
    from deploy_scripts.config import REPO_ROOT

    root.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "VERSION"))
        else:
            shutil.copy2(source, root / name)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    current = tomllib.loads(text)["project"]["version"]
    pyproject.write_text(text.replace(f'version = "{current}"', f'version = "{version}"', 1))
    return root


@pytest.fixture(scope="session")
def installed_tool(tmp_path_factory) -> Path:
    """One non-editable install of this project (a wheel built once per session) in a venv of its own;
    its dependencies come from the test interpreter's site-packages (no network). Returns its bin/."""
    from deploy_scripts.config import REPO_ROOT

    root = tmp_path_factory.mktemp("installed")
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels),
         str(REPO_ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # the dependencies, without the test interpreter's editable finder (a plain path entry does not
    # process the .pth files that activate it)
    dependencies = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    Path(site, "_test_dependencies.pth").write_text(dependencies + "\n")
    (wheel,) = wheels.glob("invoice_pipeline-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return venv / "bin"
