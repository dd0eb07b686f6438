"""The deployable source: a deterministic zip of main.py, requirements.txt and invoice_processing/,
plus `invoice_processing/VERSION` (the project's version and git commit: pyproject.toml is not
uploaded, so this is how the live function knows what it runs).

The zip is built once per deploy; its sha256 is stable for the same files (sorted entries, fixed
timestamps and permissions), it goes into the backup, and the directory handed to gcloud's
`--source` is unpacked from that very zip, so the backup holds exactly what was uploaded.
"""

from __future__ import annotations

import hashlib
import subprocess
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

TOP_LEVEL_FILES = ("main.py", "requirements.txt")
PACKAGE = "invoice_processing"
VERSION_FILE = f"{PACKAGE}/VERSION"
#: Ground truth shipped with the function: every golden PDF's `test_invoices/<name>.expected.json`,
#: uploaded as `invoice_processing/golden_truth/<name>.expected.json` (inside the package, so an unpacked
#: upload is never mistaken for a checkout's golden set), which the scheduled daily and weekly checks
#: ask the function to score its answer against (service/daily_check.py).
GOLDEN_DIR = "test_invoices"
SHIPPED_TRUTH_DIR = f"{PACKAGE}/golden_truth"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", "tests", "test", ".pytest_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


@dataclass(frozen=True)
class SourceArchive:
    zip_path: Path
    sha256: str
    files: tuple[str, ...]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_files(source_dir: Path) -> list[str]:
    """Relative paths (posix) that make up the deployable source, sorted."""
    missing = [name for name in (*TOP_LEVEL_FILES, PACKAGE) if not (source_dir / name).exists()]
    if missing:
        raise ConfigError(
            f"{source_dir}: not a deployable source directory, missing {', '.join(missing)} "
            "(pass --source-dir pointing at a checkout that has main.py, requirements.txt and invoice_processing/)"
        )
    files = list(TOP_LEVEL_FILES)
    for path in sorted((source_dir / PACKAGE).rglob("*")):
        relative = path.relative_to(source_dir)
        if (
            path.is_file()
            and not _SKIP_DIRS.intersection(relative.parts)
            and path.suffix not in _SKIP_SUFFIXES
        ):
            files.append(relative.as_posix())
    return sorted(files)


def shipped_truths(source_dir: Path) -> dict[str, Path]:
    """Upload name -> checkout file of every golden PDF's ground truth (the documents the scheduler
    posts); empty for an unpacked upload, which has them in its package already."""
    golden = source_dir / GOLDEN_DIR
    if not golden.is_dir():
        return {}
    return {
        f"{SHIPPED_TRUTH_DIR}/{pdf.stem}.expected.json": golden / f"{pdf.stem}.expected.json"
        for pdf in sorted(golden.glob("*.pdf"))
        if (golden / f"{pdf.stem}.expected.json").is_file()
    }


def source_version(source_dir: Path) -> str:
    """`<pyproject version>+g<commit>` of the source (PEP 440 local label), as much as is known."""
    try:
        version = tomllib.loads((source_dir / "pyproject.toml").read_text(encoding="utf-8"))["project"][
            "version"
        ]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        from importlib import metadata

        try:
            version = metadata.version("invoice-pipeline")
        except metadata.PackageNotFoundError:
            version = "0+unknown"
    try:
        head = subprocess.run(
            ["git", "-C", str(source_dir), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return version
    commit = head.stdout.strip() if head.returncode == 0 else ""
    return f"{version}+g{commit}" if commit and "+" not in version else version


def build_zip(source_dir: Path, zip_path: Path) -> SourceArchive:
    files = source_files(source_dir)
    contents = {name: (source_dir / name).read_bytes() for name in files}
    for name, path in shipped_truths(source_dir).items():
        contents.setdefault(name, path.read_bytes())
    if VERSION_FILE not in contents:  # an unpacked backup already has its own
        contents[VERSION_FILE] = (source_version(source_dir) + "\n").encode()
    files = sorted(contents)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in files:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name])
    return SourceArchive(zip_path=zip_path, sha256=sha256_file(zip_path), files=tuple(files))


def escaping_member(archive: zipfile.ZipFile, target: Path) -> str | None:
    """The first member name that would land outside `target` when extracted, or None if none would."""
    root = target.resolve()
    for member in archive.infolist():
        if not (root / member.filename).resolve().is_relative_to(root):
            return member.filename
    return None


def unpack(zip_path: Path, target: Path) -> Path:
    """Unpack a source zip into an empty directory (the `--source` gcloud uploads)."""
    target.mkdir(parents=True, exist_ok=False)
    with zipfile.ZipFile(zip_path) as archive:
        # Entries come from our own builder, but a tampered backup must not escape the directory.
        escaping = escaping_member(archive, target)
        if escaping is not None:
            raise ConfigError(f"{zip_path}: entry {escaping!r} points outside the archive")
        archive.extractall(target)
    return target


def tree_sha256(directory: Path) -> str:
    """One digest over the staged tree (paths and contents): what gcloud zipped and uploaded."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
