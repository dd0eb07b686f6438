from __future__ import annotations

import os
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deploy_scripts.config import load_config
from deploy_scripts.errors import BackupInvalid, ConfigError
from deploy_scripts.pipeline.backup import PARTIAL_AFTER, BackupStore
from deploy_scripts.pipeline.source import build_zip, sha256_file, tree_sha256, unpack


def make_source(root: Path) -> Path:
    (root / "invoice_processing" / "vendors").mkdir(parents=True)
    (root / "invoice_processing" / "__pycache__").mkdir()
    (root / "invoice_processing" / "tests").mkdir()
    (root / "main.py").write_text("def process_invoice(request):\n    return 'ok'\n")
    (root / "requirements.txt").write_text("functions-framework\n")
    (root / "invoice_processing" / "__init__.py").write_text("")
    (root / "invoice_processing" / "vendors" / "x.py").write_text("X = 1\n")
    (root / "invoice_processing" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / "invoice_processing" / "tests" / "test_x.py").write_text("")
    (root / "notes.md").write_text("not shipped")
    return root


def test_zip_is_deterministic_and_holds_only_the_function(tmp_path: Path):
    source = make_source(tmp_path / "src")
    first = build_zip(source, tmp_path / "a.zip")
    os.utime(source / "main.py", (1_000_000, 1_000_000))  # a new mtime must not change the archive
    second = build_zip(source, tmp_path / "b.zip")
    assert first.sha256 == second.sha256 == sha256_file(tmp_path / "b.zip")
    assert zipfile.ZipFile(first.zip_path).namelist() == [
        "invoice_processing/VERSION", "invoice_processing/__init__.py", "invoice_processing/vendors/x.py", "main.py",
        "requirements.txt",
    ]  # fmt: skip
    (source / "invoice_processing" / "vendors" / "x.py").write_text("X = 2\n")
    assert build_zip(source, tmp_path / "c.zip").sha256 != first.sha256


def test_zip_carries_the_version_pyproject_names(tmp_path: Path):
    """pyproject.toml is not uploaded: the deployed function learns its version from this file."""
    source = make_source(tmp_path / "src")
    (source / "pyproject.toml").write_text('[project]\nname = "invoice-pipeline"\nversion = "9.8.7"\n')
    archive = build_zip(source, tmp_path / "a.zip")
    assert zipfile.ZipFile(archive.zip_path).read("invoice_processing/VERSION") == b"9.8.7\n"
    # an unpacked backup keeps the version it was built with, never today's
    staged = unpack(archive.zip_path, tmp_path / "staged")
    (staged / "pyproject.toml").write_text('[project]\nname = "invoice-pipeline"\nversion = "10.0"\n')
    again = build_zip(staged, tmp_path / "b.zip")
    assert zipfile.ZipFile(again.zip_path).read("invoice_processing/VERSION") == b"9.8.7\n"


def test_unpacked_tree_matches_source(tmp_path: Path):
    source = make_source(tmp_path / "src")
    archive = build_zip(source, tmp_path / "a.zip")
    staged = unpack(archive.zip_path, tmp_path / "staged")
    assert (staged / "main.py").read_text() == (source / "main.py").read_text()
    assert tree_sha256(staged) == tree_sha256(unpack(archive.zip_path, tmp_path / "again"))


def test_missing_parts_is_a_config_error(tmp_path: Path):
    (tmp_path / "main.py").write_text("")
    with pytest.raises(ConfigError, match="missing requirements.txt, invoice_processing"):
        build_zip(tmp_path, tmp_path / "a.zip")


def test_backup_is_owner_only_and_checksummed(tmp_path: Path, isolated_env):
    env = load_config().environment("local")
    store = BackupStore(isolated_env)
    live = {"name": "process_invoice", "serviceConfig": {"revision": "process-invoice-00001-abc"}}
    manifest, archive = store.create(
        "20260101T000000Z_abc123", "local", env, make_source(tmp_path / "s"), live, None, "rev-1"
    )
    directory = isolated_env / "backups" / manifest.id
    assert sorted(p.name for p in directory.iterdir()) == ["manifest.json", "source.zip", "source.zip.sha256"]
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    loaded = store.load(manifest.id)
    assert loaded.source_sha256 == archive.sha256 and loaded.serving_revision == "rev-1"
    assert loaded.live_description == live
    assert store.verified_zip(loaded) == archive.zip_path


def test_tampered_backup_is_never_used(tmp_path: Path, isolated_env):
    env = load_config().environment("local")
    store = BackupStore(isolated_env)
    manifest, archive = store.create(
        "20260101T000000Z_abc123", "local", env, make_source(tmp_path / "s"), None, None, None
    )
    with zipfile.ZipFile(archive.zip_path, "a") as handle:
        handle.writestr("invoice_processing/evil.py", "raise SystemExit")
    with pytest.raises(BackupInvalid, match=r"checksum .* does not match the recorded .*will not be used"):
        store.verified_zip(store.load(manifest.id))


def test_prune_keeps_newest_and_protected(tmp_path: Path, isolated_env):
    env = load_config().environment("local")
    store = BackupStore(isolated_env)
    source = make_source(tmp_path / "s")
    ids = [
        store.create(f"2026010{i}T000000Z_abc12{i}", "local", env, source, None, None, None)[0].id
        for i in range(5)
    ]
    # ids share a second-resolution timestamp prefix only if created in the same second: sort as stored
    ordered = store.ids()
    assert sorted(ids) == ordered
    later = datetime.now(UTC) + PARTIAL_AFTER * 2  # none is a running deploy's any more
    removed = store.prune(keep=2, protected={ordered[0]}, now=later)
    assert removed == ordered[1:3]
    assert store.ids() == [ordered[0], *ordered[3:]]
