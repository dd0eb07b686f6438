"""The generic path on a large text: parse time per size, to show it grows linearly.

    python bench/bench_generic.py [--rows 2000 4000 9250 18500]

Each document is `rows` product rows (18,500 rows make just over 1 MB of text) plus the one
Document AI `line_item` entity that merges all of them, the worst case for the generic path. Prints
characters, seconds and microseconds per character; no target (issue 11: "not minutes").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from invoice_processing.vendors.generic import GenericParser  # noqa: E402
from test_scripts.extract.big_text import megabyte_document  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 4000, 9250, 18500])
    args = parser.parse_args()
    print(f"{'rows':>7} {'characters':>11} {'items':>7} {'seconds':>8} {'us/char':>8}")
    for rows in args.rows:
        document = megabyte_document(rows)
        started = time.perf_counter()
        parsed = GenericParser().parse(document)
        seconds = time.perf_counter() - started
        chars = len(document.text)
        print(
            f"{rows:>7} {chars:>11,} {len(parsed.line_items):>7} {seconds:>8.2f} {seconds / chars * 1e6:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
