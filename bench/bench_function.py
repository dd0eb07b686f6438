"""Benchmark: the process_invoice function over real HTTP on loopback (functions-framework + gunicorn).

1. CS003837319 (15 pages) posted as a PDF upload, N times in sequence, each writing its rows to the
   SQLite sink (the ledger is cleared between runs so every run writes): median and p90 latency.
2. 8 different invoices posted at once: errors, wall time, and the function's peak memory (the
   worker process's VmHWM from /proc, and the peak_memory_mb the events report).

Targets (issue 5): p50 < 1 s; 8 concurrent with no errors and peak memory < 300 MB.
Usage: python bench/bench_function.py [--runs 15]
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from test_scripts.factory.creative_coop_pdf import render_pdf  # noqa: E402
from test_scripts.factory.creative_coop_random import random_invoice  # noqa: E402
from test_scripts.function.invoices import reference_invoice  # noqa: E402
from test_scripts.function.servers import FunctionProcess  # noqa: E402

P50_TARGET_S = 1.0
PEAK_TARGET_MB = 300.0


def process_tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            stack += [int(c) for c in children]
    return pids


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def post_pdf(url: str, pdf: bytes) -> tuple[float, int, dict]:
    started = time.perf_counter()
    response = requests.post(
        url, files={"invoice_file": ("invoice.pdf", pdf, "application/pdf")}, timeout=160
    )
    elapsed = time.perf_counter() - started
    return elapsed, response.status_code, response.json()


def clear_sink(path: Path) -> None:
    if path.exists():
        with sqlite3.connect(path) as connection:
            connection.execute("DELETE FROM sheet_rows")
            connection.execute("DELETE FROM invoice_ledger")


def sequential(function: FunctionProcess, sink: Path, runs: int) -> tuple[list[float], int]:
    pdf = reference_invoice().pdf
    post_pdf(function.url, pdf)  # warm-up: imports, first pdfium load
    timings, rows = [], 0
    for _ in range(runs):
        clear_sink(sink)
        elapsed, status, body = post_pdf(function.url, pdf)
        if status != 200 or body["rows_added"] == 0:
            raise SystemExit(f"reference run failed: {status} {body}")
        timings.append(elapsed)
        rows = body["rows_added"]
    return timings, rows


def concurrent(function: FunctionProcess, count: int = 8) -> tuple[float, list[int], list[float]]:
    pdfs = [
        render_pdf(random_invoice(random.Random(9000 + i), pages=random.Random(i).randint(3, 15)))
        for i in range(count)
    ]
    pdfs[0] = reference_invoice().pdf
    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(lambda pdf: post_pdf(function.url, pdf), pdfs))
    wall = time.perf_counter() - started
    return (
        wall,
        [status for _, status, _ in results],
        [body.get("duration_ms", 0) / 1000 for _, _, body in results],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        sink = Path(work) / "rows.sqlite3"
        with FunctionProcess(Path(work), {"INVOICE_SQLITE_PATH": str(sink)}) as function:
            timings, rows = sequential(function, sink, args.runs)
            wall, statuses, server_times = concurrent(function)
            pids = process_tree(function.process.pid)
            hwm = {pid: vm_hwm_mb(pid) for pid in pids}
            event_peak = max(e.get("peak_memory_mb", 0) for e in function.events())
    p50, p90 = statistics.median(timings), statistics.quantiles(timings, n=10)[-1]
    errors = sum(status != 200 for status in statuses)
    worker_peak = max(hwm.values())
    print(f"CS003837319 PDF -> {rows} rows in SQLite, {args.runs} runs: p50 {p50 * 1000:.0f} ms, "
          f"p90 {p90 * 1000:.0f} ms, min {min(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms")  # fmt: skip
    print(
        f"8 concurrent invoices: {errors} errors, wall {wall:.2f} s, slowest server time {max(server_times):.2f} s"
    )
    print(f"peak memory: worker VmHWM {worker_peak:.0f} MB (per process: "
          + ", ".join(f"{pid}={mb:.0f}" for pid, mb in hwm.items()) + f"), events' peak_memory_mb {event_peak:.0f} MB")  # fmt: skip
    missed = []
    if p50 >= P50_TARGET_S:
        missed.append(f"p50 {p50:.2f} s >= {P50_TARGET_S} s")
    if errors:
        missed.append(f"{errors} concurrent errors")
    if worker_peak >= PEAK_TARGET_MB:
        missed.append(f"peak {worker_peak:.0f} MB >= {PEAK_TARGET_MB:.0f} MB")
    print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
