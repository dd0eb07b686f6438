"""The readiness gate as a pipeline stage. It must score the code being deployed, and only that.

For the repository's own source the gate runs in-process (the extractor imported here is the one
being shipped). For another `--source-dir`, the gate runs in a child interpreter that imports
`invoice_processing` from that directory and nothing else from it: the gate itself
(deploy_scripts), its config and the golden invoices are this repository's. A candidate's
`test_invoices/` may add invoices to the golden set, never replace or weaken one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import REPO_ROOT, DeployConfig
from ..errors import GateFailed

CANDIDATE_GOLDENS = "test_invoices"

# Run with `python -P` and no PYTHONPATH: neither the working directory nor the environment can put
# the candidate's own deploy_scripts (a gate that always passes) ahead of this repository's.
_CHILD = """
import json, sys
from pathlib import Path
payload = json.loads(sys.stdin.read())
source = Path(payload["source_dir"])
sys.path.insert(0, str(source))
import invoice_processing
sys.path.remove(str(source))
if not Path(invoice_processing.__file__).resolve().is_relative_to(source):
    sys.exit(f"{source} has no invoice_processing/ package to gate")
sys.path.insert(0, payload["repo_root"])
from deploy_scripts.config import DeployConfig
from deploy_scripts.gate import run_gate
from deploy_scripts.project import Project
config = DeployConfig.model_validate(payload["config"]).for_project(Project(Path(payload["project"])))
extra = payload["invoices_dir"] and Path(payload["invoices_dir"])
report = run_gate(config, extra, candidate_dirs=[source / payload["candidate_goldens"]])
out = report.to_json()
out["extractor_path"] = invoice_processing.__file__
print(json.dumps(out, default=str))
"""


@dataclass
class GateOutcome:
    passed: bool
    readiness_score: float
    report: dict[str, Any]
    extractor_path: str
    native: Any = None  # the GateReport when run in-process (for rich rendering)

    def failed_checks(self) -> list[dict]:
        """Every check that did not pass, those without data to judge included."""
        return [c for c in self.report.get("checks", []) if not c.get("passed")]

    def summary(self) -> str:
        failed = self.failed_checks()
        names = ", ".join(
            f"{c.get('name')}=" + ("no data" if c.get("skipped") else f"{c.get('value', c.get('measured'))}")
            for c in failed[:6]
        )
        return f"readiness {self.readiness_score:.1%}" + (f"; failed: {names}" if failed else "")


def _is_repo(source_dir: Path) -> bool:
    """Whether the extractor this process imports is the one in `source_dir` (then the gate runs here)."""
    import invoice_processing

    return source_dir.resolve() == Path(invoice_processing.__file__).resolve().parents[1]


def run_gate_for_source(
    config: DeployConfig, source_dir: Path, invoices_dir: Path | None = None
) -> GateOutcome:
    if _is_repo(source_dir):
        import invoice_processing

        from ..gate import run_gate

        report = run_gate(config, invoices_dir)
        data = report.to_json()
        return GateOutcome(report.passed, report.readiness_score, data, invoice_processing.__file__, report)
    payload = json.dumps(
        {
            "config": config.model_dump(mode="json"),
            "invoices_dir": str(invoices_dir) if invoices_dir else None,
            "source_dir": str(source_dir.resolve()),
            "repo_root": str(REPO_ROOT.resolve()),
            "candidate_goldens": CANDIDATE_GOLDENS,
            "project": str(config.project.root),
        }
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    child = subprocess.run(
        [sys.executable, "-P", "-c", _CHILD],
        input=payload,
        capture_output=True,
        text=True,
        env=env,
        cwd=source_dir,
        check=False,
    )
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise GateFailed(f"the gate could not run against {source_dir}: {last}")
    data = json.loads(child.stdout)
    return GateOutcome(bool(data["passed"]), float(data["readiness_score"]), data, data.pop("extractor_path"))
