"""The project a command works on: found from the working directory, as gcloud's `--source=.`,
chalice's `--project-dir` and pip-tools do, never from where this package is installed.

One `Project` carries the paths; commands find it once and pass it to what needs them.
Precedence: `--project-dir` > `DEPLOY_PROJECT_DIR` > the nearest directory at or above the
working directory that holds `config/deploy.toml`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

PROJECT_DIR_ENV = "DEPLOY_PROJECT_DIR"
CONFIG_RELATIVE = Path("config") / "deploy.toml"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_RELATIVE

    @property
    def invoices_dir(self) -> Path:
        """The golden invoices the gate and the live verification score."""
        return self.root / "test_invoices"

    @property
    def source_dir(self) -> Path:
        """What `deploy` uploads by default: main.py, requirements.txt, invoice_processing/."""
        return self.root

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    def resolve(self, path: Path) -> Path:
        """A path from the config, relative to the project root."""
        return path if path.is_absolute() else self.root / path


def find_project(project_dir: Path | str | None = None, start: Path | None = None) -> Project:
    explicit = project_dir or os.environ.get(PROJECT_DIR_ENV)
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not (root / CONFIG_RELATIVE).is_file():
            origin = "--project-dir" if project_dir else PROJECT_DIR_ENV
            raise ConfigError(
                f"{origin} {root}: no {CONFIG_RELATIVE} there; point it at a checkout of the project"
            )
        return Project(root)
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / CONFIG_RELATIVE).is_file():
            return Project(directory)
    raise ConfigError(
        f"no {CONFIG_RELATIVE} in {here} or any directory above it; run the command inside a checkout "
        f"of the project, or pass --project-dir DIR (or set {PROJECT_DIR_ENV})"
    )
