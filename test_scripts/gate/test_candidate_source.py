"""`deploy --source-dir`: a candidate checkout is gated with its own extractor, but with the
orchestrator's gate and golden invoices; its test_invoices/ can add invoices, never replace them."""

import json
import shutil

from deploy_scripts.config import REPO_ROOT, load_config
from deploy_scripts.localcloud.staging import stage_project_source
from deploy_scripts.pipeline.gate_stage import run_gate_for_source
from test_scripts.deploy.conftest import sabotage

ALWAYS_PASSES = """
def run_gate(*args, **kwargs):
    raise SystemExit("the candidate's own gate ran")
"""


def test_a_candidates_goldens_and_gate_cannot_weaken_the_gate(tmp_path, monkeypatch):
    monkeypatch.delenv("DEPLOY_CONFIG", raising=False)
    source = sabotage(stage_project_source(tmp_path / "candidate"))  # Creative Co-op loses every other row
    goldens = source / "test_invoices"
    goldens.mkdir()
    truth = json.loads((REPO_ROOT / "test_invoices" / "cs003837319.expected.json").read_text())
    truth["line_items"] = truth["line_items"][::2]  # "truth" rewritten to agree with the broken code
    (goldens / "cs003837319.expected.json").write_text(json.dumps(truth))
    shutil.copy2(REPO_ROOT / "test_invoices" / "cs003837319.docai.json", goldens)
    for suffix in (".expected.json", ".docai.json"):  # a new invoice: added to the set
        shutil.copy2(
            REPO_ROOT / "test_invoices" / f"harpercollins-ns4435067{suffix}", goldens / f"po-7{suffix}"
        )
    (source / "deploy_scripts" / "gate").mkdir(parents=True)
    (source / "deploy_scripts" / "__init__.py").write_text("")
    (source / "deploy_scripts" / "gate" / "__init__.py").write_text(ALWAYS_PASSES)

    outcome = run_gate_for_source(load_config(), source)

    assert outcome.extractor_path == str(source / "invoice_processing" / "__init__.py")
    assert not outcome.passed
    failed = {c["name"] for c in outcome.failed_checks()}
    assert {"reference_accuracy", "reference_item_count"} <= failed
    assert outcome.report["invoices_dir"] == str(REPO_ROOT / "test_invoices")
    assert outcome.report["ignored"] == [
        f"{goldens / 'cs003837319.expected.json'}: {REPO_ROOT / 'test_invoices' / 'cs003837319.expected.json'} "
        "is the orchestrator's truth for this invoice; this copy is not used"
    ]
    assert outcome.report["added_from"] == [str(goldens)]
    names = {i["name"] for i in outcome.report["invoices"]}
    assert {"po-7.docai.json", "cs003837319.pdf", "cs003837319.docai.json"} <= names


def test_a_candidate_without_test_invoices_is_gated_on_the_orchestrators_set(tmp_path, monkeypatch):
    monkeypatch.delenv("DEPLOY_CONFIG", raising=False)
    source = stage_project_source(tmp_path / "candidate")
    outcome = run_gate_for_source(load_config(), source)
    assert outcome.report["added_from"] == [] and outcome.report["ignored"] == []
    expected = {
        p.name for p in (REPO_ROOT / "test_invoices").iterdir() if not p.name.endswith(".expected.json")
    }
    assert {i["name"] for i in outcome.report["invoices"]} == expected
