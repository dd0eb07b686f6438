"""Backups: `backups/backup_<UTC>_<shortid>/` in the shared state, holding what is about to be
uploaded and what was live (a second checkout or machine restores from them).

- `source.zip` and `source.zip.sha256`: the exact archive the staging directory is unpacked from;
- `manifest.json`: environment (function configuration, secrets as references only), the live
  function's description, the serving revision, the git commit, and later the revision this source
  became. Locally every file is owner-only (0600, directory 0700); in a bucket, access is the
  bucket's IAM. A backup whose checksum does not match is never used.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..config import Environment
from ..errors import BackupInvalid
from ..state import as_backend, work_dir_of
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


class BackupStore:
    """Backups in the state (a State, a backend or a local directory); zips are built and checked in
    a local directory (the backend's own, or the state's scratch space for a bucket)."""

    def __init__(self, state):
        self.backend = as_backend(state)
        self.work_dir = work_dir_of(state) / "downloads"
        self.where = f"{self.backend.url}/backups"

    def _key(self, backup_id: str, name: str) -> str:
        return f"backups/{backup_id}/{name}"

    def _local_zip(self, backup_id: str) -> Path:
        local = self.backend.local_path(self._key(backup_id, ZIP_NAME))
        return local if local is not None else self.work_dir / backup_id / ZIP_NAME

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
        zip_path = self._local_zip(backup_id)
        zip_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(zip_path.parent, 0o700)
        archive = build_zip(source_dir, zip_path)
        os.chmod(archive.zip_path, 0o600)
        if self.backend.local_path(self._key(backup_id, ZIP_NAME)) is None:
            self.backend.write(self._key(backup_id, ZIP_NAME), zip_path.read_bytes())
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
        self.backend.write(
            self._key(backup_id, f"{ZIP_NAME}.sha256"), f"{archive.sha256}  {ZIP_NAME}\n".encode()
        )
        self.save(manifest)
        return manifest, archive

    def save(self, manifest: BackupManifest) -> None:
        self.backend.write(
            self._key(manifest.id, "manifest.json"), manifest.model_dump_json(indent=2).encode()
        )

    def exists(self, backup_id: str) -> bool:
        return self.backend.read(self._key(backup_id, "manifest.json")) is not None

    def load(self, backup_id: str) -> BackupManifest:
        stored = self.backend.read(self._key(backup_id, "manifest.json"))
        if stored is None:
            raise BackupInvalid(
                f"backup {backup_id} not found in {self.where} (`rollback --action history` lists them)"
            )
        try:
            return BackupManifest.model_validate_json(stored.data)
        except ValueError as exc:
            raise BackupInvalid(
                f"backup {backup_id}: unreadable manifest ({exc.__class__.__name__}); not used"
            ) from None

    def verified_zip(self, manifest: BackupManifest) -> Path:
        """The backup's source zip (a local file) after checking it against both recorded checksums."""
        zip_path = self._local_zip(manifest.id)
        if self.backend.local_path(self._key(manifest.id, ZIP_NAME)) is None:
            stored = self.backend.read(self._key(manifest.id, ZIP_NAME))
            if stored is not None:
                zip_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(zip_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(stored.data)
            else:
                zip_path.unlink(missing_ok=True)
        if not zip_path.is_file():
            raise BackupInvalid(f"backup {manifest.id}: {ZIP_NAME} is missing; not used")
        checksum = self.backend.read(self._key(manifest.id, f"{ZIP_NAME}.sha256"))
        recorded = (
            checksum.data.decode("utf-8", "replace").split()[0] if checksum and checksum.data.strip() else ""
        )
        actual = sha256_file(zip_path)
        if actual != manifest.source_sha256 or actual != recorded:
            raise BackupInvalid(
                f"backup {manifest.id}: {ZIP_NAME} checksum {actual[:12]}… does not match the recorded "
                f"{manifest.source_sha256[:12]}…; the backup is damaged and will not be used"
            )
        return zip_path

    def ids(self) -> list[str]:
        """Backup ids, oldest first."""
        ids = {key.split("/")[1] for key in self.backend.keys("backups/") if key.count("/") >= 2}
        return sorted(i for i in ids if i.startswith("backup_"))

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
            for key in self.backend.keys(f"backups/{backup_id}/"):
                self.backend.delete(key)
            local = self.backend.local_path(f"backups/{backup_id}")
            if local is not None:
                with contextlib.suppress(OSError):
                    local.rmdir()
        return removable
