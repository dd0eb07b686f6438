"""The orchestrator/config part of the fault suite (CI): every bad config file through the real
`deploy` command, and the damaged-state faults against the real BackupStore.

The whole suite with figures: `python bench/faults/run_orchestrator_faults.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .orchestrator_faults import (
    BAD_CONFIGS,
    KILL_FAULTS,
    fault_backup_id_is_a_path,
    fault_damaged_backup_falls_back,
    fault_missing_checksum,
    fault_pruning,
    run_bad_config,
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    from test_scripts.deploy.test_source_and_backup import make_source

    return make_source(tmp_path / "source")


def test_the_catalogue_holds_at_least_23_bad_files_with_distinct_names():
    assert len(BAD_CONFIGS) >= 23
    assert len({case.name for case in BAD_CONFIGS}) == len(BAD_CONFIGS)


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=lambda case: case.name.replace(" ", "-"))
def test_bad_config_is_refused_before_any_stage(case, tmp_path: Path):
    outcome = run_bad_config(case, tmp_path)
    assert (outcome.exit_code, outcome.message) == (2, case.expected)
    assert not outcome.state_written  # no lock, no record, no backup, no localcloud started


def test_backup_id_that_is_a_path_is_refused(tmp_path: Path):
    outcome = fault_backup_id_is_a_path(tmp_path / "state", tmp_path / "outside")
    assert outcome.survived, outcome.detail


def test_damaged_backup_is_refused_and_the_next_intact_one_used(tmp_path: Path, source: Path):
    outcome = fault_damaged_backup_falls_back(tmp_path / "state", source)
    assert outcome.survived, outcome.detail


def test_backup_without_its_checksum_is_refused_with_a_message(tmp_path: Path, source: Path):
    outcome = fault_missing_checksum(tmp_path / "state", source)
    assert outcome.survived, outcome.detail


def test_pruning_keeps_verified_backups_and_clears_partial_ones(tmp_path: Path, source: Path):
    outcome = fault_pruning(tmp_path / "state", source)
    assert outcome.survived, outcome.detail


def test_each_kill_fault_names_a_test_that_exists_and_items_5_to_7_and_10_are_covered():
    repo = Path(__file__).resolve().parents[2]
    assert {fault.item for fault in KILL_FAULTS} == {"14.5", "14.6", "14.7", "14.10"}
    assert len({fault.name for fault in KILL_FAULTS}) == len(KILL_FAULTS)
    for fault in KILL_FAULTS:
        path, function = fault.test.split("::")
        assert f"\ndef {function}(" in (repo / path).read_text(), fault.test
