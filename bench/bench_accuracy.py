"""Field accuracy on Creative Co-op documents the extractor has never seen, per document kind.

    python bench/bench_accuracy.py [--documents 20] [--seed 1]

For each kind (order confirmations and invoices) the independent generator draws `--documents`
random documents (1-15 pages, 1-150 items, noise knobs drawn: blank cells, lost prices, stray RT
tokens, random-worded footers, `Continued` marks, stamps and notes, labels far from values) twice:
once to be read with word positions (the PDF, and Document AI JSON with tokens in all four text
orders, the tokens of some turned by up to half a degree as a crooked scan's are) and once to
be read as text alone (Document AI JSON without tokens in the three orders the
domain doc names; no blank cells there, since text alone cannot say which column is blank). Every
field the truth states (header, every item field, totals) is compared with the extraction; an
extracted item that is not in the document counts as wrong in every item field.

Prints field accuracy per kind and format, documents extracted exactly, invoice numbers right, spurious and missing items and
failed extractions; exits 1 when a kind is below 99.5%, an invoice number is wrong or an item is
spurious.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's test_scripts, as documented

from invoice_processing import InvoiceError, extract_invoice  # noqa: E402
from test_scripts.factory.creative_coop import (  # noqa: E402
    MAX_ITEMS_PER_PAGE,
    expected_json,
    random_invoice,
    render_docai,
    render_pdf,
)
from test_scripts.factory.creative_coop_compare import FieldScore, compare  # noqa: E402
from test_scripts.factory.creative_coop_random import noisy_knobs  # noqa: E402

TARGET = 0.995
KINDS = ("order_confirmation", "invoice")
POSITIONAL = ("pdf", "tokens1", "tokens2", "tokens3", "tokens4")
TEXT_ONLY = ("text1", "text2", "text3")


def render(invoice, fmt: str, seed: int) -> bytes:
    """`seed` drives entity noise, box jitter and, with tokens, a skew of up to half a degree."""
    if fmt == "pdf":
        return render_pdf(invoice)
    order, tokens = int(fmt[-1]), fmt.startswith("tokens")
    skew = (0.0, 0.3, -0.5)[seed % 3] if tokens else 0.0
    return json.dumps(render_docai(invoice, order, seed=seed, tokens=tokens, skew=skew)).encode()


def draw(rng: random.Random, kind: str, positions: bool):
    pages = rng.randint(1, 15)
    items = rng.randint(pages, min(150, pages * MAX_ITEMS_PER_PAGE))
    return random_invoice(rng, pages=pages, items=items, kind=kind, **noisy_knobs(rng, positions))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=20, help="documents drawn per kind and reading mode")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0, help="print the first N differences")
    args = parser.parse_args()
    if args.documents < 1:
        parser.error("--documents must be at least 1")
    rng = random.Random(args.seed)
    scores: dict[tuple[str, str], FieldScore] = defaultdict(FieldScore)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    numbers_right: dict[tuple[str, str], int] = defaultdict(int)
    failures: dict[tuple[str, str], int] = defaultdict(int)
    exact: dict[tuple[str, str], int] = defaultdict(int)
    shown: list[str] = []
    for kind in KINDS:
        for _ in range(args.documents):
            for positions, formats in ((True, POSITIONAL), (False, TEXT_ONLY)):
                invoice = draw(rng, kind, positions)
                truth = expected_json(invoice)
                for fmt in formats:
                    key = (kind, fmt)
                    counts[key] += 1
                    try:
                        actual = extract_invoice(render(invoice, fmt, rng.randint(0, 999))).model_dump(
                            mode="json"
                        )
                    except InvoiceError:
                        actual = None
                        failures[key] += 1
                    one = compare(truth, actual)
                    total = scores[key]
                    total.correct += one.correct
                    total.total += one.total
                    total.spurious_items += one.spurious_items
                    total.missing_items += one.missing_items
                    numbers_right[key] += one.invoice_number_ok
                    exact[key] += not one.differences
                    shown += [f"{kind} {fmt} {truth['invoice_number']}: {d}" for d in one.differences]
    ok = True
    print(f"{args.documents} documents per kind and mode (seed {args.seed}); target {TARGET:.1%} per kind")
    print(
        f"{'kind':20} {'format':8} {'accuracy':>9} {'fields':>15} {'inv no':>7} {'spurious':>8} {'missing':>7} {'failed':>6}"
    )
    for kind in KINDS:
        correct = total = 0
        for fmt in POSITIONAL + TEXT_ONLY:
            s = scores[(kind, fmt)]
            correct, total = correct + s.correct, total + s.total
            print(
                f"{kind:20} {fmt:8} {s.accuracy:9.4%} {f'{s.correct}/{s.total}':>15} "
                f"{f'{exact[(kind, fmt)]}/{counts[(kind, fmt)]}':>7} "
                f"{f'{numbers_right[(kind, fmt)]}/{counts[(kind, fmt)]}':>7} {s.spurious_items:8} "
                f"{s.missing_items:7} {failures[(kind, fmt)]:6}"
            )
            ok &= numbers_right[(kind, fmt)] == counts[(kind, fmt)] and s.spurious_items == 0
        print(f"{kind:20} {'ALL':8} {correct / total:9.4%} {f'{correct}/{total}':>15}")
        ok &= correct / total >= TARGET
    for line in shown[: args.show]:
        print("  " + line)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
