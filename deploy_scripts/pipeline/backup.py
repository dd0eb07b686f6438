"""Backups: `backups/backup_<UTC>_<shortid>/` holding what is about to be uploaded and what was live.

- `source.zip` and `source.zip.sha256`: the exact archive the staging directory is unpacked from;
- `manifest.json`: environment (function configuration, secrets as references only), the live
  function's description, the serving revision, the git commit, and later the revision this source
  became. Every file is owner-only (0600, directory 0700). A backup whose checksum does not match
  is never used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..config import Environment
from ..errors import BackupInvalid
from .source import SourceArchive, build_zip, sha256_file

ZIP_NAME = "source.zip"


class BackupManifest(BaseModel):
    id: str
    created_at: str
    run_id: str
    env_name: str
    environment: Environment
    source_sha256: str
    source_files: list[str]
    source_dir: str
    git_commit: str | None = None
    git_dirty: bool | None = None
    live_description: dict[str, Any] | None = None
    live_error: str | None = None
    serving_revision: str | None = None
    #: filled in once the upload became a revision
    deployed_revision: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


def git_commit(directory: Path) -> tuple[str | None, bool | None]:
    try:
        head = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode != 0:
            return None, None
        dirty = subprocess.run(
            ["git", "-C", str(directory), "status", "--porcelain", "--", "main.py", "requirements.txt", "invoice_processing"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        return head.stdout.strip(), bool(dirty.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        return None, None


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


class BackupStore:
    def __init__(self, state_dir: Path):
        self.dir = state_dir / "backups"

    def create(
        self,
        run_id: str,
        env_name: str,
        environment: Environment,
        source_dir: Path,
        live: dict | None,
        live_error: str | None,
        serving_revision: str | None,
    ) -> tuple[BackupManifest, SourceArchive]:
        now = datetime.now(UTC)
        backup_id = f"backup_{now:%Y%m%dT%H%M%SZ}_{run_id[-6:]}"
        directory = self.dir / backup_id
        self.dir.mkdir(parents=True, exist_ok=True)
        directory.mkdir(mode=0o700)
        archive = build_zip(source_dir, directory / ZIP_NAME)
        os.chmod(archive.zip_path, 0o600)
        commit, dirty = git_commit(source_dir)  # None outside a git checkout: never another tree's commit
        manifest = BackupManifest(
            id=backup_id,
            created_at=now.isoformat(timespec="seconds"),
            run_id=run_id,
            env_name=env_name,
            environment=environment,
            source_sha256=archive.sha256,
            source_files=list(archive.files),
            source_dir=str(source_dir),
            git_commit=commit,
            git_dirty=dirty,
            live_description=live,
            live_error=live_error,
            serving_revision=serving_revision,
        )
        _write_private(directory / f"{ZIP_NAME}.sha256", f"{archive.sha256}  {ZIP_NAME}\n")
        self.save(manifest)
        return manifest, archive

    def save(self, manifest: BackupManifest) -> None:
        _write_private(self.dir / manifest.id / "manifest.json", manifest.model_dump_json(indent=2))

    def exists(self, backup_id: str) -> bool:
        return (self.dir / backup_id / "manifest.json").is_file()

    def load(self, backup_id: str) -> BackupManifest:
        path = self.dir / backup_id / "manifest.json"
        try:
            return BackupManifest.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackupInvalid(
                f"backup {backup_id} not found in {self.dir} (`rollback --action history` lists them)"
            ) from None
        except ValueError as exc:
            raise BackupInvalid(
                f"backup {backup_id}: unreadable manifest ({exc.__class__.__name__}); not used"
            ) from None

    def verified_zip(self, manifest: BackupManifest) -> Path:
        """The backup's source zip after checking it against both recorded checksums."""
        directory = self.dir / manifest.id
        zip_path = directory / ZIP_NAME
        if not zip_path.is_file():
            raise BackupInvalid(f"backup {manifest.id}: {ZIP_NAME} is missing; not used")
        recorded = (directory / f"{ZIP_NAME}.sha256").read_text(encoding="utf-8").split()[0]
        actual = sha256_file(zip_path)
        if actual != manifest.source_sha256 or actual != recorded:
            raise BackupInvalid(
                f"backup {manifest.id}: {ZIP_NAME} checksum {actual[:12]}… does not match the recorded "
                f"{manifest.source_sha256[:12]}…; the backup is damaged and will not be used"
            )
        return zip_path

    def ids(self) -> list[str]:
        """Backup ids, oldest first."""
        if not self.dir.is_dir():
            return []
        return sorted(p.name for p in self.dir.iterdir() if p.is_dir() and p.name.startswith("backup_"))

    def find_by_revision(self, revision: str) -> BackupManifest | None:
        for backup_id in reversed(self.ids()):
            try:
                manifest = self.load(backup_id)
            except BackupInvalid:
                continue
            if manifest.deployed_revision == revision:
                return manifest
        return None

    def prune(self, keep: int, protected: set[str]) -> list[str]:
        """Delete the oldest backups beyond `keep`; never one in `protected` (known-good, in use)."""
        ids = self.ids()
        removable = [b for b in ids[: max(len(ids) - keep, 0)] if b not in protected]
        for backup_id in removable:
            shutil.rmtree(self.dir / backup_id, ignore_errors=True)
        return removable
