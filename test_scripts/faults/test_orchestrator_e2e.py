"""Secrets end to end (issue 14 items 1 and 4), with the real gcloud CLI deploying to a localcloud:
a secret-looking env value is refused, a legitimate secret reaches the function as a Secret Manager
reference and leaves it when config drops it, and afterwards no file of the deploy state, of
localcloud's state or of gcloud's config and logs holds either value (secrets.toml aside), and
localcloud's state is owner-only.

The damaged-backup rollback drill runs in `bench/faults/run_orchestrator_faults.py` (one more
build); here its selection logic is covered by test_orchestrator_faults.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .orchestrator_faults import localcloud_faults

pytestmark = [pytest.mark.gcloud, pytest.mark.slow]


def test_secrets_reach_the_function_only_as_references_and_leak_nowhere(tmp_path: Path):
    figures = localcloud_faults(tmp_path, rollback_drill=False)
    failed = [f"{o.name}: {o.detail}" for o in figures.outcomes if not o.survived]
    assert failed == []
    assert [o.name for o in figures.outcomes] == [
        "secret-looking env value refused",
        "secret deployed as a reference",
        "dry run shows the secret to be removed",
        "secret removed from config leaves the function",
    ]
    assert figures.secrets_found == []
    assert [line.split(": ")[0].rsplit("/", 1)[1] for line in figures.control] == ["secrets.toml"]
    assert figures.loose_modes == []
