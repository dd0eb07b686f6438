"""Stage the deployable part of this repository (main.py, invoice_processing/, requirements.txt).

What `gcloud functions deploy --source` should upload: not tests, golden invoices or state dirs.
Which files those are is defined once, by `pipeline.source.source_files`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..pipeline.source import PACKAGE, TOP_LEVEL_FILES, shipped_truths, source_files
from .settings import REPO_ROOT


def stage_project_source(destination: Path, repo_root: Path = REPO_ROOT) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in (*TOP_LEVEL_FILES, PACKAGE):
        source = repo_root / name
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: the function cannot be deployed without it")
    for relative in source_files(repo_root):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo_root / relative, target)
    for name, path in shipped_truths(repo_root).items():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination / name)
    return destination
