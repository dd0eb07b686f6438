"""Benchmark: one `monitor` evaluation (read, window, figures, alert rules, incident store) and the
dashboard render, over synthetic invoice events spread across 24 hours and three revisions.

    python bench/bench_monitor.py [--events 1000 10000] [--runs 5]

Prints the median seconds per evaluation and per page render. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from deploy_scripts.config import load_config
from deploy_scripts.monitoring.dashboard import render_page
from deploy_scripts.monitoring.monitor import Monitor
from deploy_scripts.monitoring.sources import JsonLinesSource

CHECKS = (
    "upc_check_digits",
    "extended_matches_qty_x_price",
    "subtotal_reconciles",
    "invoice_number_found",
    "no_placeholder_pattern",
)


def synthetic_events(count: int, now: datetime, rng: random.Random) -> list[dict]:
    events = []
    for n in range(count):
        failed = rng.random() < 0.03
        at = now - timedelta(seconds=rng.uniform(0, 24 * 3600))
        event = {
            "severity": "ERROR" if failed else "INFO",
            "message": "invoice_failed" if failed else "invoice_processed",
            "timestamp": at.isoformat().replace("+00:00", "Z"),
            "revision": f"process-invoice-0000{n % 3 + 1}-abc",
            "duration_ms": rng.uniform(50, 3000),
            "peak_memory_mb": rng.uniform(60, 200),
            "status": 500 if failed else 200,
        }
        if not failed:
            event.update(
                vendor="Creative Co-op",
                invoice_number=f"CS{n:09d}",
                line_items=40,
                rows_added=38,
                quality={c: rng.random() > 0.02 for c in CHECKS},
            )
        events.append(event)
    return events


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC)
    print(f"{'events':>8}  {'evaluate median s':>18}  {'render median s':>16}")
    for count in args.events:
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "events.jsonl"
            log.write_text(
                "\n".join(json.dumps(e) for e in synthetic_events(count, now, random.Random(count)))
            )
            config = load_config().model_copy(update={"state_dir": Path(tmp) / "state"})
            monitor = Monitor(config, "local", JsonLinesSource([log]), clock=lambda: now)
            evaluate_s, render_s = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                snapshot = monitor.evaluate().snapshot
                evaluate_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                render_page(snapshot)
                render_s.append(time.perf_counter() - started)
        print(f"{count:>8}  {statistics.median(evaluate_s):>18.3f}  {statistics.median(render_s):>16.4f}")


if __name__ == "__main__":
    main()
