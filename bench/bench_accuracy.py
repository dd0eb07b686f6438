"""Accuracy on Creative Co-op invoices the extractor has never seen (issue 2's acceptance figure).

    python bench/bench_accuracy.py [--invoices 100] [--seed 1]

Each invoice is drawn by the independent generator (random 1-15 pages; 1-150 items, at least one
per page and no more than the pages hold; wrapping, page-split descriptions, zero rows, tariffs,
new prefixes), rendered as a PDF and in the three Document AI reading orders, extracted, and scored against the generator's
source data with the gate's own scoring. Prints field accuracy per format and overall, and how many
invoice numbers were right; exits 1 below 99.5% or on any wrong invoice number.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict

from deploy_scripts.gate.scoring import score_invoice
from invoice_processing import InvoiceError, extract_invoice
from test_scripts.factory.creative_coop import (
    MAX_ITEMS_PER_PAGE,
    expected_json,
    random_invoice,
    render_docai,
    render_pdf,
)

TARGET = 0.995
FORMATS = ("pdf", "order1", "order2", "order3")


def render(invoice, fmt: str) -> bytes:
    if fmt == "pdf":
        return render_pdf(invoice)
    return json.dumps(render_docai(invoice, order=int(fmt[-1]))).encode()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    correct: dict[str, int] = defaultdict(int)
    expected: dict[str, int] = defaultdict(int)
    numbers_right = documents = 0
    for _ in range(args.invoices):
        pages = rng.randint(1, 15)
        invoice = random_invoice(
            rng, pages=pages, items=rng.randint(pages, min(150, pages * MAX_ITEMS_PER_PAGE))
        )
        truth = expected_json(invoice)
        for fmt in FORMATS:
            documents += 1
            try:
                actual = extract_invoice(render(invoice, fmt)).model_dump(mode="json")
            except InvoiceError:
                actual = None
            score = score_invoice(truth, actual, name=fmt)
            correct[fmt] += sum(t.correct for t in score.fields.values())
            expected[fmt] += sum(t.expected for t in score.fields.values()) + score.spurious_fields
            numbers_right += bool(score.invoice_fields.get("invoice_number"))
    print(f"{args.invoices} invoices x {len(FORMATS)} formats = {documents} documents (seed {args.seed})")
    for fmt in FORMATS:
        print(f"  {fmt:7} field accuracy {correct[fmt] / expected[fmt]:.4%} ({correct[fmt]}/{expected[fmt]})")
    overall = sum(correct.values()) / sum(expected.values())
    print(f"  overall field accuracy {overall:.4%}; invoice number right on {numbers_right}/{documents}")
    return 0 if overall >= TARGET and numbers_right == documents else 1


if __name__ == "__main__":
    sys.exit(main())
