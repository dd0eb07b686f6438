"""The function's version for the health document: the VERSION file the deploy writes into the
uploaded source (pyproject.toml is not uploaded), else pyproject.toml's, else the installed package's."""

from __future__ import annotations

import functools
import tomllib
from importlib import metadata
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
_VERSION_FILE = Path(__file__).resolve().parents[1] / "VERSION"


@functools.cache
def function_version() -> str:
    try:
        return _VERSION_FILE.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        pass
    try:
        return tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("invoice-pipeline")
    except metadata.PackageNotFoundError:
        return "unknown"
