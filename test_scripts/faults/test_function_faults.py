"""The function under bad input (issue 14): the CI subset of the fault catalogue, against real
functions-framework (gunicorn) processes on loopback, behind the loopback-only guard.

The whole catalogue, with figures: `python bench/faults/run_function_faults.py`.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import pytest

from test_scripts.function.servers import FunctionProcess

from .function_faults import (
    CASES,
    GUARD,
    _function_env,
    chunked_upload,
    guard_attempts,
    post,
    run_case,
    targets,
    worker_peak_kib,
)
from .function_faults import GOLDEN_PDF as REFERENCE_PDF

CI_CASES = [c for c in CASES if c.ci]


@pytest.fixture(scope="module")
def faults_targets(tmp_path_factory):
    with targets(tmp_path_factory.mktemp("faults")) as t:
        yield t


@pytest.mark.parametrize("case", CI_CASES, ids=lambda c: c.name)
def test_bad_input_gets_its_status_without_5xx_or_hang(faults_targets, case):
    outcome = run_case(case, faults_targets)
    assert outcome.status in case.expect, f"{case.name}: {outcome.status} in {outcome.seconds}s"
    assert not outcome.hang, f"{case.name}: took {outcome.seconds}s (limit {case.limit}s)"
    assert guard_attempts(faults_targets) == []  # nothing tried to leave loopback


def test_refused_chunked_upload_is_not_buffered(faults_targets):
    """Issue 14 item 16: after the 413 the rest of a 600 MB chunked upload is neither read nor kept."""
    before = worker_peak_kib(faults_targets.open)
    assert chunked_upload(faults_targets.open.url, 600_000_000) == 413
    time.sleep(0.2)
    assert worker_peak_kib(faults_targets.open) - before < 30 * 1024  # far below the 600 MB sent


def test_past_the_processing_budget_the_answer_is_422_and_nothing_is_written(tmp_path):
    """Issue 14 item 13: reading is abandoned at PROCESSING_BUDGET_SECONDS. A budget of 10 ms is
    shorter than reading the 15-page reference PDF takes on any machine, so the budget must answer."""
    work = tmp_path / "tight"
    env = _function_env(work, allow_loopback=False, budget=0.01)
    with FunctionProcess(work, env) as function:
        assert post(function.url, REFERENCE_PDF.read_bytes(), "application/pdf", limit=20) == 422
        assert not (work / "rows.sqlite3").exists() or "CS003837319" not in (
            work / "rows.sqlite3"
        ).read_bytes().decode("latin-1")


def test_the_catalogue_is_big_and_varied_enough():
    groups = {c.group for c in CASES}
    assert len(CASES) >= 99 and len(groups) >= 12, (len(CASES), sorted(groups))
    assert len({c.name for c in CASES}) == len(CASES)


def test_the_guard_refuses_and_records_non_loopback_connections(tmp_path):
    """The guard is what makes 'no connection attempts' mean something: show it catches one."""
    log = tmp_path / "guard.log"
    code = (
        "import errno, socket\n"
        "s = socket.socket()\n"
        "try:\n    s.connect(('10.0.0.1', 443))\nexcept OSError as e:\n    print(e.errno)\n"
        "try:\n    socket.getaddrinfo('example.com', 443)\nexcept socket.gaierror:\n    print('no dns')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(GUARD), "FAULTS_GUARD_LOG": str(log)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == [str(errno.ENETUNREACH), "no dns"]
    assert "10.0.0.1" in log.read_text()
