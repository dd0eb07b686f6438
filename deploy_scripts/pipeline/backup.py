"""Backups: `backups/backup_<UTC>_<shortid>/` in the shared state, holding what is about to be
uploaded and what was live (a second checkout or machine restores from them).

- `source.zip` and `source.zip.sha256`: the exact archive the staging directory is unpacked from;
- `manifest.json`: environment (function configuration, secrets as references only), the live
  function's description, the serving revision, the git commit, and later the revision this source
  became. Locally every file is owner-only (0600, directory 0700); in a bucket, access is the
  bucket's IAM. A backup whose checksum does not match is never used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..config import Environment
from ..errors import BackupInvalid, UsageError
from ..state import State, as_backend, work_dir_of
from .records import KnownGoodStore, RunRecord, process_alive
from .source import SourceArchive, build_zip, sha256_file

ZIP_NAME = "source.zip"
#: a backup id is a name (`backup_<UTC>_<run>`), never a path: no '/', no '..'
BACKUP_ID = re.compile(r"backup_[A-Za-z0-9_-]{1,100}")
_CREATED = re.compile(r"backup_(\d{8}T\d{6}Z)")
#: a backup without its manifest this old is a partial one (its run died mid-backup), not one
#: being written right now by another run
PARTIAL_AFTER = timedelta(hours=1)


def checked_backup_id(backup_id: str) -> str:
    if not BACKUP_ID.fullmatch(backup_id):
        raise UsageError(
            f"{backup_id!r} is not a backup id: ids are names such as backup_20261201T120000Z_ab12cd, "
            "never paths; `rollback --action history` lists them"
        )
    return backup_id


#: run ids (records.new_run_id): `<UTC>_<hex>`
RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z_[0-9a-f]{6}")
#: Cloud Run revision names: lowercase letters, digits, hyphens
REVISION_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def checked_rollback_target(to: str) -> str:
    """`rollback --to`: a backup id or a revision name; anything else (a path) is a usage error."""
    if to.startswith("backup_"):
        return checked_backup_id(to)
    if not REVISION_NAME.fullmatch(to):
        raise UsageError(
            f"--to {to!r} is neither a revision name (process-invoice-00003-xyz) nor a backup id "
            "(backup_20261201T120000Z_ab12cd); `rollback --action history` lists them"
        )
    return to


def created_at(backup_id: str) -> datetime | None:
    match = _CREATED.match(backup_id)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if match else None


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
        #: this machine's scratch space (staging, downloads); None for a bare backend, which has none
        self.scratch = work_dir_of(state) if isinstance(state, State | Path | str) else None
        self.work_dir = work_dir_of(state) / "downloads"
        self.where = f"{self.backend.url}/backups"

    def _key(self, backup_id: str, name: str) -> str:
        return f"backups/{checked_backup_id(backup_id)}/{name}"

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
            manifest = BackupManifest.model_validate_json(stored.data)
        except ValueError as exc:
            raise BackupInvalid(
                f"backup {backup_id}: unreadable manifest ({exc.__class__.__name__}); not used"
            ) from None
        if (
            manifest.id != backup_id
        ):  # its files are found by id: a manifest naming another is not this backup
            raise BackupInvalid(f"backup {backup_id}: its manifest names {manifest.id!r}; not used")
        return manifest

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
        if checksum is None or not checksum.data.strip():
            raise BackupInvalid(
                f"backup {manifest.id}: {ZIP_NAME}.sha256 is missing or empty, so the archive cannot be "
                "verified; not used"
            )
        recorded = checksum.data.decode("utf-8", "replace").split()[0]
        try:
            actual = sha256_file(zip_path)
        except OSError as exc:
            raise BackupInvalid(f"backup {manifest.id}: cannot read {ZIP_NAME} ({exc}); not used") from None
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

    def newest_intact(self, backup_ids: list[str]) -> tuple[BackupManifest | None, list[str]]:
        """The first of `backup_ids` (give them newest first) whose manifest loads and whose zip
        matches both recorded checksums, and why each one before it was refused."""
        refusals = []
        for backup_id in backup_ids:
            try:
                manifest = self.load(backup_id)
                self.verified_zip(manifest)
            except (BackupInvalid, UsageError) as exc:
                refusals.append(str(exc))
                continue
            return manifest, refusals
        return None, refusals

    def _delete(self, backup_id: str) -> None:
        for key in self.backend.keys(f"backups/{backup_id}/"):
            self.backend.delete(key)
        local = self.backend.local_path(f"backups/{backup_id}")
        if local is not None:
            shutil.rmtree(local, ignore_errors=True)

    def partial_ids(self, now: datetime | None = None) -> list[str]:
        """Backups without a manifest (their run died while writing them), older than PARTIAL_AFTER."""
        now = now or datetime.now(UTC)
        partial = []
        for backup_id in self.ids():
            made = created_at(backup_id)
            if not self.exists(backup_id) and made is not None and now - made > PARTIAL_AFTER:
                partial.append(backup_id)
        return partial

    def prune(self, keep: int, protected: set[str], now: datetime | None = None) -> list[str]:
        """Keep `keep` backups, verified ones first (newest first), then the newest others; never
        delete one in `protected` (the newest known-good, the one in use) nor an unverified one
        younger than PARTIAL_AFTER (a running deploy's). Partial backups and the staging directories
        of dead runs go too. Known-good entries whose backup was deleted no longer name it (a
        rollback to them takes the fast path or another backup)."""
        now = now or datetime.now(UTC)
        partial = [b for b in self.partial_ids(now) if b not in protected]
        for backup_id in partial:
            self._delete(backup_id)
        known_good = KnownGoodStore(self.backend)
        verified = known_good.all_backup_ids()
        complete = [b for b in reversed(self.ids()) if b not in partial]
        ranked = [b for b in complete if b in verified] + [b for b in complete if b not in verified]
        young = {b for b in complete if b not in verified and now - (created_at(b) or now) <= PARTIAL_AFTER}
        removable = [b for b in ranked[keep:] if b not in protected and b not in young]
        for backup_id in removable:
            self._delete(backup_id)
        known_good.forget_backups(set(removable) | set(partial))
        if self.scratch is not None:
            prune_staging(self.backend, self.scratch, now)
        return sorted(partial + removable)


def prune_staging(backend, work_dir: Path, now: datetime | None = None) -> list[str]:
    """Delete `staging/<run id>[-restore]` directories of runs that are over (their record says
    so, or their process is gone), and unrecorded ones older than PARTIAL_AFTER."""
    now = now or datetime.now(UTC)
    staging = work_dir / "staging"
    if not staging.is_dir():
        return []
    removed = []
    for directory in staging.iterdir():
        run_id = directory.name.removesuffix("-restore")
        stored = backend.read(f"records/{run_id}.json") if RUN_ID.fullmatch(run_id) else None
        try:  # one read per leftover directory: the history can be long and in a bucket
            record = RunRecord.model_validate_json(stored.data) if stored else None
        except ValueError:
            record = None
        if record is not None:
            dead = record.status != "running" or not process_alive(record)
        else:
            age = now - datetime.fromtimestamp(directory.stat().st_mtime, UTC)
            dead = age > PARTIAL_AFTER
        if dead:
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory.name)
    return removed
