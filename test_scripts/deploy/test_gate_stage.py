"""The gate scores the code being deployed, not the code that runs the orchestrator."""

from __future__ import annotations

from deploy_scripts.config import REPO_ROOT, load_config
from deploy_scripts.pipeline.gate_stage import run_gate_for_source

from .conftest import sabotage


def test_repo_source_is_gated_in_process(isolated_env):
    outcome = run_gate_for_source(load_config(), REPO_ROOT)
    assert outcome.extractor_path == str(REPO_ROOT / "invoice_processing" / "__init__.py")
    assert outcome.native is not None  # the in-process GateReport, rendered by `deploy --action validate`
    assert outcome.report["readiness_score"] == round(outcome.readiness_score, 6)


def test_other_source_dir_is_gated_with_its_own_extractor(isolated_env, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.py").write_text((REPO_ROOT / "main.py").read_text())
    import shutil

    shutil.copytree(REPO_ROOT / "invoice_processing", source / "invoice_processing")
    sabotage(source)
    outcome = run_gate_for_source(load_config(), source)
    assert outcome.extractor_path == str(source / "invoice_processing" / "__init__.py")
    assert not outcome.passed
    failed = {c["name"] for c in outcome.failed_checks()}
    assert {"reference_accuracy", "reference_item_count"} <= failed
