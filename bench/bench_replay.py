"""What shadow replay adds to a deploy's verification: N archived real invoices posted and compared.

    python bench/bench_replay.py [--invoices 20] [--pages 2] [--runs 3]

A real functions-framework process (local parser, SQLite sink) archives `--invoices` distinct
generated Creative Co-op invoices (real POSTs) in a directory; then `shadow_replay` posts them back
to it as dry runs and compares every field, `--runs` times. Prints the archive's size, the time of
one archive write as the function's answers show it (with vs without an archive), and the median
replay time. No target: the figure is the cost verification pays per deploy (20 by default).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy_scripts.config import load_config  # noqa: E402
from deploy_scripts.pipeline.replay import shadow_replay  # noqa: E402
from test_scripts.factory.creative_coop_pdf import render_pdf  # noqa: E402
from test_scripts.factory.creative_coop_random import random_invoice  # noqa: E402
from test_scripts.function.servers import FunctionProcess  # noqa: E402


def post(url: str, pdf: bytes, dry_run: bool = False) -> float:
    headers = {"X-Invoice-Dry-Run": "1"} if dry_run else {}
    response = requests.post(
        url, files={"invoice_file": ("i.pdf", pdf, "application/pdf")}, headers=headers, timeout=120
    )
    response.raise_for_status()
    return response.json()["duration_ms"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20)
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pdfs = [render_pdf(random_invoice(random.Random(seed), pages=args.pages, items=12 * args.pages,
                                      title="INVOICE", label_layout="inline"))
            for seed in range(args.invoices)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {
            "INVOICE_SQLITE_PATH": str(work / "rows.sqlite3"),
            "INVOICE_ARCHIVE_URL": str(work / "archive"),
        }
        with FunctionProcess(work, env) as function:
            real_ms = [post(function.url, pdf) for pdf in pdfs]
            dry_ms = [post(function.url, pdf, dry_run=True) for pdf in pdfs]
            config = load_config()
            config.deploy.replay_invoices = args.invoices
            config.environments[config.default_env].env_vars["INVOICE_ARCHIVE_URL"] = str(work / "archive")
            seconds = []
            for _ in range(args.runs):
                started = time.perf_counter()
                check, metrics = shadow_replay(function.url, None, config, config.default_env, diff_dir=work)
                seconds.append(time.perf_counter() - started)
                if not check.passed:
                    print(f"replay did not pass: {check.detail}", file=sys.stderr)
                    return 1
        size = sum(p.stat().st_size for p in (work / "archive").rglob("*") if p.is_file())
    print(f"archived {args.invoices} invoices ({args.pages} pages each): {size / 1024:.0f} KiB")
    print(f"function time, real POST (sink write + archive) median {statistics.median(real_ms):.0f} ms; "
          f"dry run median {statistics.median(dry_ms):.0f} ms")  # fmt: skip
    print(f"shadow replay of {metrics['compared']} invoices: median {statistics.median(seconds):.2f} s "
          f"over {args.runs} runs (min {min(seconds):.2f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
