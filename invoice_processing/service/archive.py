"""The archive of real invoices: each document the function processed for real, with its result.

The function writes one entry per real (non-dry-run) invoice it processed; the orchestrator's shadow
replay (deploy_scripts/pipeline/replay.py) reads the newest entries back and posts them to a
candidate revision as dry runs. Both use this module, so there is one reader of the archive.

Layout under the archive location (`gs://BUCKET/PREFIX` or a directory):

    <UTC time, sortable>-<correlation id>/document      the bytes the function read (PDF or JSON)
    <UTC time, sortable>-<correlation id>/result.json   ArchivedResult (line items, sheet rows, header)

Entries older than the retention (default 30 days) are deleted on every write; in production a
lifecycle rule on the bucket does the same (docs/function.md). Directories are 0700, files 0600:
the documents are the business's invoices.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

DOCUMENT = "document"
RESULT = "result.json"
DEFAULT_RETENTION_DAYS = 30
_STAMP = "%Y%m%dT%H%M%S%fZ"
_ENTRY = re.compile(r"^(?P<stamp>\d{8}T\d{12}Z)-(?P<id>[A-Za-z0-9._:-]{1,128})$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


class ArchiveError(Exception):
    """The archive cannot be opened or read; the message says what to fix."""


class ArchivedResult(BaseModel):
    """What the function answered for one real invoice: what a candidate must answer the same way."""

    archived_at: datetime
    correlation_id: str
    revision: str
    content_type: str = Field(description="application/pdf or application/json")
    invoice_number: str | None = None
    vendor: str | None = None
    header: dict[str, Any] = Field(default_factory=dict)
    line_items: list[dict[str, Any]] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)


@dataclass(frozen=True)
class ArchiveEntry:
    key: str  # "<stamp>-<correlation id>"
    archived_at: datetime


class ObjectStore(Protocol):
    def put(self, name: str, data: bytes, content_type: str) -> None: ...
    def get(self, name: str) -> bytes: ...
    def names(self, before: str | None = None) -> list[str]: ...
    def delete(self, name: str) -> None: ...


class DirectoryStore:
    """Objects as files under a directory (a local archive, or tests)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.url = str(self.root)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        path = self.root / name
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)

    def get(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def names(self, before: str | None = None) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.glob("*/*")
            if p.is_file() and not p.name.startswith(".") and (before is None or p.parent.name < before)
        )

    def delete(self, name: str) -> None:
        path = self.root / name
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # gone once its last object is


class BucketStore:
    """Objects in a Cloud Storage bucket under a prefix, through google-cloud-storage."""

    def __init__(self, client: Any, bucket: str, prefix: str):
        self.bucket = client.bucket(bucket)
        self.client = client
        self.prefix = prefix.strip("/")
        self.url = f"gs://{bucket}/{self.prefix}" if self.prefix else f"gs://{bucket}"

    def _name(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.bucket.blob(self._name(name)).upload_from_string(data, content_type=content_type)

    def get(self, name: str) -> bytes:
        return self.bucket.blob(self._name(name)).download_as_bytes()

    def names(self, before: str | None = None) -> list[str]:
        """Names in order; with `before`, only those that sort before it (GCS's endOffset)."""
        base = f"{self.prefix}/" if self.prefix else ""
        end = base + before if before else None
        return sorted(
            b.name[len(base) :] for b in self.client.list_blobs(self.bucket, prefix=base, end_offset=end)
        )

    def delete(self, name: str) -> None:
        from google.api_core.exceptions import NotFound

        with contextlib.suppress(NotFound):
            self.bucket.blob(self._name(name)).delete()


def _entry(key: str) -> ArchiveEntry | None:
    match = _ENTRY.match(key)
    if not match:
        return None
    stamp = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
    return ArchiveEntry(key, stamp)


class Archive:
    def __init__(self, store: ObjectStore, retention_days: int = DEFAULT_RETENTION_DAYS):
        self.store = store
        self.retention = timedelta(days=retention_days)

    @property
    def url(self) -> str:
        return getattr(self.store, "url", "")

    def put(self, document: bytes, result: ArchivedResult) -> str:
        """Store one entry (document first: a result.json always has its document) and prune."""
        stamp = result.archived_at.astimezone(UTC).strftime(_STAMP)
        key = f"{stamp}-{_UNSAFE.sub('', result.correlation_id)[:128] or 'unknown'}"
        self.store.put(f"{key}/{DOCUMENT}", document, result.content_type)
        self.store.put(f"{key}/{RESULT}", result.model_dump_json().encode(), "application/json")
        self.prune(result.archived_at)
        return key

    def _entries(self, before: str | None = None) -> Iterator[tuple[str, ArchiveEntry | None]]:
        for name in self.store.names(before):
            key, _, _leaf = name.partition("/")
            yield name, _entry(key)

    def prune(self, now: datetime | None = None) -> int:
        """Delete every object of entries older than the retention; returns how many objects went."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        removed = 0
        # keys start with their UTC stamp, so only the expired ones are listed (one per invoice: the
        # request path must not list the whole archive)
        for name, entry in self._entries(before=cutoff.astimezone(UTC).strftime(_STAMP)):
            if entry is not None and entry.archived_at < cutoff:
                self.store.delete(name)
                removed += 1
        return removed

    def recent(self, limit: int, now: datetime | None = None) -> list[ArchiveEntry]:
        """The newest `limit` complete entries within the retention, newest first."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        complete: dict[str, set[str]] = {}
        entries: dict[str, ArchiveEntry] = {}
        for name, entry in self._entries():
            if entry is None or entry.archived_at < cutoff:
                continue
            complete.setdefault(entry.key, set()).add(name.partition("/")[2])
            entries[entry.key] = entry
        ready = [entries[k] for k, leaves in complete.items() if {DOCUMENT, RESULT} <= leaves]
        return sorted(ready, key=lambda e: e.key, reverse=True)[:limit]

    def result(self, entry: ArchiveEntry) -> ArchivedResult:
        return ArchivedResult.model_validate_json(self.store.get(f"{entry.key}/{RESULT}"))

    def document(self, entry: ArchiveEntry) -> bytes:
        return self.store.get(f"{entry.key}/{DOCUMENT}")


def open_archive(location: str, retention_days: int = DEFAULT_RETENTION_DAYS, client: Any = None) -> Archive:
    """`gs://BUCKET/PREFIX` (google-cloud-storage: Google, or STORAGE_EMULATOR_HOST) or a directory.

    `client` is a google-cloud-storage Client to use instead of the default one (the orchestrator
    passes the one it built for the environment)."""
    if location.startswith("gs://"):
        bucket, _, prefix = location[len("gs://") :].partition("/")
        if not bucket:
            raise ArchiveError(f"archive location {location!r}: name a bucket (gs://BUCKET/PREFIX)")
        if client is None:
            from google.cloud import storage

            client = storage.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT_ID") or None)
        return Archive(BucketStore(client, bucket, prefix), retention_days)
    if "://" in location:
        raise ArchiveError(f"archive location {location!r}: use gs://BUCKET/PREFIX or a directory path")
    return Archive(DirectoryStore(Path(location)), retention_days)
