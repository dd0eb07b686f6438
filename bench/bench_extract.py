"""Extraction speed and memory on the golden CS003837319 files (plain script, prints medians).

    python bench/bench_extract.py [--runs N] [--dir test_invoices]

For each `cs003837319*.pdf` / `*.docai.json`: the median wall time of `extract_invoice(bytes)`
in-process over N runs (after one warm-up), the tracemalloc peak of one run (Python allocations,
pdfium's own C memory not included) and the process's peak RSS after all runs. Targets: < 50 ms
from JSON, < 500 ms from PDF, < 200 MB peak.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from invoice_processing import extract_invoice  # noqa: E402

TARGET_MS = {"pdf": 500.0, "json": 50.0}
TARGET_PEAK_MB = 200.0


def median_ms(data: bytes, runs: int) -> tuple[float, int]:
    items = len(extract_invoice(data).line_items)  # warm-up: imports, regex compilation
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        extract_invoice(data)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), items


def traced_peak_mb(data: bytes) -> float:
    tracemalloc.start()
    extract_invoice(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dir", type=Path, default=ROOT / "test_invoices")
    args = parser.parse_args()
    files = sorted(
        p for p in args.dir.glob("cs003837319*") if p.suffix == ".pdf" or p.name.endswith(".docai.json")
    )
    if not files:
        print(f"no cs003837319*.pdf or *.docai.json in {args.dir}", file=sys.stderr)
        return 2
    print(f"{'file':<36} {'items':>5} {'median ms':>10} {'target':>7} {'tracemalloc MB':>15}")
    failed = False
    for path in files:
        data = path.read_bytes()
        kind = "pdf" if path.suffix == ".pdf" else "json"
        ms, items = median_ms(data, args.runs)
        peak = traced_peak_mb(data)
        failed |= ms > TARGET_MS[kind] or peak > TARGET_PEAK_MB
        print(f"{path.name:<36} {items:>5} {ms:>10.1f} {TARGET_MS[kind]:>7.0f} {peak:>15.1f}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS of this process: {rss_mb:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB); runs per file: {args.runs}"
    )
    failed |= rss_mb > TARGET_PEAK_MB
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
