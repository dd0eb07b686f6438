"""Verification over real HTTP against a real functions-framework process (no gcloud needed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from deploy_scripts.config import REPO_ROOT, load_config
from deploy_scripts.localcloud.processes import free_port
from deploy_scripts.pipeline.verify import check_health, placeholder_pattern, verify_live

from .conftest import sabotage


def _function_source(target: Path) -> Path:
    target.mkdir()
    shutil.copy2(REPO_ROOT / "main.py", target / "main.py")
    shutil.copytree(
        REPO_ROOT / "invoice_processing",
        target / "invoice_processing",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return target


class Served:
    def __init__(self, source: Path, tmp: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = tmp / f"ff-{self.port}.log"
        env = dict(os.environ, INVOICE_PARSER="local", INVOICE_SINK="sqlite", INVOICE_SQLITE_PATH=str(tmp / "rows.sqlite3"),
                   K_REVISION="test-rev-1", PYTHONPATH=str(source))  # fmt: skip
        self.handle = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target", "process_invoice", "--port", str(self.port), "--host", "127.0.0.1"],
            cwd=source, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url, timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"functions-framework did not start: {self.log.read_text()[-2000:]}")

    def events(self, revision, since):
        lines = []
        for line in self.log.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        return lines

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.handle.close()


@pytest.fixture
def config(isolated_env, monkeypatch):
    monkeypatch.setenv("DEPLOY_LOAD_SAMPLE_REQUESTS", "2")
    return load_config()


@pytest.mark.slow
def test_honest_function_passes_verification(tmp_path: Path, config):
    served = Served(_function_source(tmp_path / "src"), tmp_path)
    try:
        result = verify_live(served.url, "test-rev-1", config, read_events=served.events)
    finally:
        served.stop()
    by_name = {c.name: c for c in result.checks}
    failed = [c for c in result.checks if not c.passed]
    assert result.passed, failed
    assert by_name["reference_accuracy"].measured >= 0.90
    assert by_name["reference_items"].measured >= 130
    assert by_name["reference_served_by_new_revision"].measured == "test-rev-1"
    # the real invoice is a live reference too, judged against its golden truth like the confirmation
    assert by_name["reference_accuracy[CI004848705]"].measured >= 0.90
    assert by_name["reference_items[CI004848705]"].measured >= 52
    assert by_name["invoice_number_on_every_row[CI004848705]"].passed
    assert "accuracy[ci004848705.pdf]" not in by_name  # no longer merely an "other vendor"
    assert result.metrics["load_sample"]["requests"] == 2
    assert result.metrics["load_sample"]["peak_memory_mb"] > 0  # read from the function's own events


@pytest.mark.slow
def test_sabotaged_extractor_fails_on_ground_truth(tmp_path: Path, config):
    served = Served(sabotage(_function_source(tmp_path / "src")), tmp_path)
    try:
        result = verify_live(served.url, None, config, full=False)
    finally:
        served.stop()
    by_name = {c.name: c for c in result.checks}
    assert by_name["health"].passed
    assert not by_name["reference_accuracy"].passed and by_name["reference_accuracy"].measured < 0.6
    assert not by_name["reference_items"].passed and by_name["reference_items"].measured < 100
    assert not by_name["reference_accuracy[CI004848705]"].passed


def test_health_gives_up_after_bounded_attempts():
    port = free_port()  # nothing listens here
    started = time.monotonic()
    check, seen = check_health(f"http://127.0.0.1:{port}/", None, max_seconds=1.0, attempts=3)
    assert not check.passed and seen["attempts"] == 3
    assert check.detail == "no healthy answer in 3 attempts: ConnectionError"
    assert time.monotonic() - started < 10


def test_placeholder_pattern_is_the_historic_failure():
    honest = [{"description": f"item {i}", "unit_price": f"{i}.00", "qty_ordered": 6} for i in range(20)]
    assert placeholder_pattern(honest) is None
    broken = [{"description": f"item {i}", "unit_price": "1.60", "qty_ordered": 24} for i in range(20)]
    assert placeholder_pattern(broken) == "20 of 20 items share price 1.60 and quantity 24"
    assert (
        placeholder_pattern([{"description": " ", "unit_price": "1", "qty_ordered": 1}])
        == "1 items without a description"
    )
