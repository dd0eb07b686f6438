"""The function's version for the health document: the installed package's, else pyproject.toml's."""

from __future__ import annotations

import functools
import tomllib
from importlib import metadata
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@functools.cache
def function_version() -> str:
    try:
        return tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("invoice-pipeline")
    except metadata.PackageNotFoundError:
        return "unknown"
