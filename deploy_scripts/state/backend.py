"""Where the orchestrator's shared state lives: a local directory, or `gs://BUCKET/PREFIX`.

Both backends store opaque objects under slash-separated keys (`records/<id>.json`,
`backups/<id>/source.zip`, `locks/<key>.json`) and offer the one primitive the lock needs:
conditional writes on an object's *generation*. Creating with "generation must be 0" succeeds for
exactly one writer (Cloud Storage's `ifGenerationMatch=0`, as Terraform's GCS backend locks);
replacing or deleting with a generation fails when someone else wrote in between.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol


class PreconditionFailed(Exception):
    """The object's generation was not the one the write was conditioned on (HTTP 412)."""


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    generation: int


class StateBackend(Protocol):
    url: str

    def read(self, key: str) -> StoredObject | None: ...
    def write(self, key: str, data: bytes) -> int: ...
    def create(self, key: str, data: bytes) -> int: ...
    def replace(self, key: str, data: bytes, generation: int) -> int: ...
    def delete(self, key: str, generation: int | None = None) -> None: ...
    def keys(self, prefix: str) -> list[str]: ...
    def local_path(self, key: str) -> Path | None: ...


def _checked(key: str) -> str:
    parts = PurePosixPath(key).parts
    if not parts or any(p in ("..", ".", "") for p in parts) or key.startswith("/"):
        raise ValueError(f"state key {key!r} must be a relative path without '..'")
    return key


class LocalBackend:
    """A directory. Files 0600, directories 0700; generation = the file's mtime in ns (bumped on
    every write); compare-and-swap runs under an flock of `<root>/.state.flock`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.url = str(self.root)

    def local_path(self, key: str) -> Path:
        return self.root / _checked(key)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".state.flock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _generation(self, path: Path) -> int | None:
        try:
            return path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _temporary(self, path: Path, data: bytes) -> Path:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{id(data)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return temporary

    def _bump(self, path: Path, previous: int | None) -> int:
        # two writes in one clock tick must still get different generations
        current = path.stat().st_mtime_ns
        if previous is not None and current <= previous:
            os.utime(path, ns=(previous + 1, previous + 1))
            current = previous + 1
        return current

    def read(self, key: str) -> StoredObject | None:
        path = self.local_path(key)
        try:
            generation = path.stat().st_mtime_ns
            return StoredObject(path.read_bytes(), generation)
        except FileNotFoundError:
            return None

    def write(self, key: str, data: bytes) -> int:
        path = self.local_path(key)
        previous = self._generation(path)
        os.replace(self._temporary(path, data), path)
        return self._bump(path, previous)

    def create(self, key: str, data: bytes) -> int:
        path = self.local_path(key)
        temporary = self._temporary(path, data)
        try:
            os.link(temporary, path)  # atomic: fails when the name exists
        except FileExistsError:
            raise PreconditionFailed(f"{key} already exists") from None
        finally:
            temporary.unlink(missing_ok=True)
        return path.stat().st_mtime_ns

    def replace(self, key: str, data: bytes, generation: int) -> int:
        path = self.local_path(key)
        with self._exclusive():
            current = self._generation(path)
            if current != generation:
                raise PreconditionFailed(f"{key}: generation {current} is not {generation}")
            os.replace(self._temporary(path, data), path)
            return self._bump(path, current)

    def delete(self, key: str, generation: int | None = None) -> None:
        path = self.local_path(key)
        with self._exclusive():
            current = self._generation(path)
            if generation is not None and current is not None and current != generation:
                raise PreconditionFailed(f"{key}: generation {current} is not {generation}")
            path.unlink(missing_ok=True)

    def keys(self, prefix: str) -> list[str]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        found = []
        for path in base.rglob("*"):
            relative = path.relative_to(self.root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                found.append(relative.as_posix())
        return sorted(found)


class GcsBackend:
    """`gs://BUCKET/PREFIX` through google-cloud-storage (Google, or an emulator it is pointed at)."""

    def __init__(self, bucket: str, prefix: str, client: Any):
        self.client = client
        self.bucket = client.bucket(bucket)
        self.prefix = prefix.strip("/")
        self.url = f"gs://{bucket}/{self.prefix}" if self.prefix else f"gs://{bucket}"

    def local_path(self, key: str) -> None:
        return None

    def _name(self, key: str) -> str:
        key = _checked(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def read(self, key: str) -> StoredObject | None:
        from google.api_core.exceptions import NotFound

        blob = self.bucket.blob(self._name(key))
        try:
            data = blob.download_as_bytes()
        except NotFound:
            return None
        return StoredObject(data, int(blob.generation or 0))

    def _upload(self, key: str, data: bytes, generation: int | None) -> int:
        from google.api_core.exceptions import PreconditionFailed as Gcs412

        blob = self.bucket.blob(self._name(key))
        try:
            blob.upload_from_string(
                data, content_type="application/octet-stream", if_generation_match=generation
            )
        except Gcs412:
            raise PreconditionFailed(f"{self.url}/{key}: generation is not {generation}") from None
        return int(blob.generation)

    def write(self, key: str, data: bytes) -> int:
        return self._upload(key, data, None)

    def create(self, key: str, data: bytes) -> int:
        return self._upload(key, data, 0)

    def replace(self, key: str, data: bytes, generation: int) -> int:
        return self._upload(key, data, generation)

    def delete(self, key: str, generation: int | None = None) -> None:
        from google.api_core.exceptions import NotFound
        from google.api_core.exceptions import PreconditionFailed as Gcs412

        try:
            self.bucket.blob(self._name(key)).delete(if_generation_match=generation)
        except NotFound:
            pass
        except Gcs412:
            raise PreconditionFailed(f"{self.url}/{key}: generation is not {generation}") from None

    def keys(self, prefix: str) -> list[str]:
        full = self._name(prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        if prefix.endswith("/") and not full.endswith("/"):
            full += "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(b.name[strip:] for b in self.client.list_blobs(self.bucket, prefix=full))
