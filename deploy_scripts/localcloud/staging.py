"""Stage the deployable part of this repository (main.py, invoice_processing/, requirements.txt).

What `gcloud functions deploy --source` should upload: not tests, golden invoices or state dirs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .settings import REPO_ROOT

DEPLOYED = ("main.py", "requirements.txt", "invoice_processing")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def stage_project_source(destination: Path, repo_root: Path = REPO_ROOT) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in DEPLOYED:
        source = repo_root / name
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: the function cannot be deployed without it")
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=IGNORED, dirs_exist_ok=True)
        else:
            shutil.copy2(source, destination / name)
    return destination
