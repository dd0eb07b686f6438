"""Invoices for the function's tests: PDFs rendered from the factory's source data, with the ground
truth (order number, rows that must reach the sheet) taken from that same source data."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path

from test_scripts.factory.creative_coop_docai import render_docai
from test_scripts.factory.creative_coop_goldens import cs003837319
from test_scripts.factory.creative_coop_model import Invoice
from test_scripts.factory.creative_coop_pdf import render_pdf
from test_scripts.factory.creative_coop_random import random_invoice

REPO = Path(__file__).resolve().parents[2]
GOLDEN_PDF = REPO / "test_invoices" / "cs003837319.pdf"


@dataclass(frozen=True)
class SampleInvoice:
    source: Invoice
    pdf: bytes

    def docai_json(self, order: int = 2) -> dict:
        """The same invoice as Document AI would return it (the factory's rendering, not ours)."""
        return render_docai(self.source, order)

    @property
    def order_no(self) -> str:
        return self.source.header.order_no

    @property
    def ordered_items(self) -> int:
        """Rows the sheet must get: items with Qty Ord > 0 that were not cancelled."""
        return len(self.product_codes)

    @property
    def product_codes(self) -> list[str]:
        """The sheet rows' items: ordered and not cancelled (nothing allocated, shipped or back-ordered)."""
        return [i.product_code for i in self.source.items if i.qty_ordered > 0 and not i.cancelled]


@functools.cache
def small_invoice(seed: int = 7) -> SampleInvoice:
    source = random_invoice(random.Random(seed), pages=2, items=14, title="INVOICE", label_layout="inline")
    return SampleInvoice(source, render_pdf(source))


@functools.cache
def uncompressed_reference_pdf() -> bytes:
    """CS003837319 with uncompressed page streams: a few hundred KB with thousands of newlines,
    like the PDFs real accounting systems write (multipart parsers must not choke on them)."""
    return render_pdf(cs003837319(), compress=False)


@functools.cache
def reference_invoice() -> SampleInvoice:
    """CS003837319: the committed golden PDF when present, else rendered from the same source data."""
    source = cs003837319()
    pdf = GOLDEN_PDF.read_bytes() if GOLDEN_PDF.exists() else render_pdf(source)
    return SampleInvoice(source, pdf)
