"""The readiness gate as a pipeline stage. It must score the code being deployed.

For the repository's own source the gate runs in-process (the extractor imported here is the one
being shipped). For another `--source-dir`, the gate runs in a child interpreter whose PYTHONPATH
puts that directory first, so `invoice_processing` is imported from the code about to be uploaded
while the gate itself (deploy_scripts) and the golden invoices come from this repository.
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

_CHILD = """
import json, sys
from deploy_scripts.config import DeployConfig
from deploy_scripts.gate import run_gate
import invoice_processing
payload = json.loads(sys.stdin.read())
config = DeployConfig.model_validate(payload["config"])
report = run_gate(config, payload["invoices_dir"] and __import__("pathlib").Path(payload["invoices_dir"]))
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
        return [c for c in self.report.get("checks", []) if not c.get("passed") and not c.get("skipped")]

    def summary(self) -> str:
        failed = self.failed_checks()
        names = ", ".join(f"{c.get('name')}={c.get('value', c.get('measured'))}" for c in failed[:6])
        return f"readiness {self.readiness_score:.1%}" + (f"; failed: {names}" if failed else "")


def _is_repo(source_dir: Path) -> bool:
    return source_dir.resolve() == REPO_ROOT.resolve()


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
        }
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(source_dir.resolve()), str(REPO_ROOT)]))
    child = subprocess.run(
        [sys.executable, "-c", _CHILD],
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
