"""The Creative Co-op golden set: CS003837319 reconstructed, plus one invoice per edge case.

Every invoice here is drawn from a fixed seed with explicit knobs, so the set is reproducible;
`build_goldens` writes it. Each golden names its renderings: a PDF and/or Document AI JSON in a
reading order, all judged against the one expected file of the same name.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, replace
from decimal import Decimal

from .creative_coop_docai import EntityNoise, render_docai
from .creative_coop_expected import expected_json
from .creative_coop_model import Furniture, Invoice
from .creative_coop_pdf import render_pdf
from .creative_coop_random import random_invoice
from .creative_coop_real import ci004848705_items, cs003837319_known_items, facts
from .creative_coop_text import random_wording


@dataclass(frozen=True)
class Rendering:
    kind: str  # "pdf" or "docai"
    order: int = 0
    snake_case: bool = False
    invoice_id_missing: bool = False
    tokens: bool = False


def _json_bytes(value: object, indent: int | None = 1) -> bytes:
    return (json.dumps(value, indent=indent, ensure_ascii=False) + "\n").encode("utf-8")


def render_files(name: str, invoice: Invoice, renderings: list[Rendering]) -> dict[str, bytes]:
    """File name -> bytes for one golden: its documents and `<name>.expected.json`."""
    files = {f"{name}.expected.json": _json_bytes(expected_json(invoice), indent=2)}
    for rendering in renderings:
        if rendering.kind == "pdf":
            files[f"{name}.pdf"] = render_pdf(invoice)
            continue
        noise = EntityNoise(invoice_id_missing=1.0 if rendering.invoice_id_missing else 0.0)
        document = render_docai(
            invoice,
            rendering.order,
            seed=rendering.order,
            noise=noise,
            snake_case=rendering.snake_case,
            tokens=rendering.tokens,
        )
        # Word positions make a document large: written compact, as the API sends it.
        files[f"{name}.docai.json"] = _json_bytes(document, indent=None if rendering.tokens else 1)
    return files


def cs003837319() -> Invoice:
    """Order CS003837319 of 1/17/2025: 15 pages, 132 products. Every row the shared facts know is
    there exactly (XS9826A first, the others spread through the order, the cancelled XS8911A,
    XS8912A and XS9089 among them); the rest are drawn in the same style."""
    rng = random.Random(3837319)
    upcs: set[str] = set()
    known = cs003837319_known_items(rng, upcs)
    positions = [0, *sorted(rng.sample(range(1, 132), len(known) - 1))]
    invoice = random_invoice(
        rng,
        pages=15,
        items=132,
        order_no="CS003837319",
        order_date=dt.date(2025, 1, 17),
        customer_no="418267",
        po_no="FH-0117",
        title="ORDER CONFIRMATION",
        vendor_name="Creative Co-op",
        division=facts()["CS003837319"]["header_line_seen"],
        label_layout="stacked",
        wrap_probability=0.45,
        # the facts list every row without a sheet row: no other cancelled or Qty Ord 0 rows
        zero_probability=0.0,
        cancelled_weight=0,
        surcharge_probability=0.15,
        page_split_probability=0.4,
        new_prefix_probability=0.0,
        rt_probability=0.0,
        freight=Decimal("0.00"),
        fixed_items=dict(zip(positions, known, strict=True)),
        furniture=Furniture(footer=random_wording(random.Random(17), 14, 14)),
    )
    return invoice


def ci004848705() -> Invoice:
    """Invoice CI004848705: its 52 products in order with the business's shipped quantities and
    every value the facts give (DF7838A's Your Price lost by OCR, recoverable as 115.20 / 24), a
    stray `lo` in DF6802's RT column, `TRF-CCOI` rows; 3 pages with a footer and `Continued`."""
    rng = random.Random(4848705)
    upcs: set[str] = set()
    products = ci004848705_items(rng, upcs)
    products = [replace(p, rt_noise="lo") if p.product_code == "DF6802" else p for p in products]
    return random_invoice(
        rng,
        pages=3,
        items=len(products),
        kind="invoice",
        invoice_no="CI004848705",
        order_no="CS003664318",
        order_date=dt.date(2024, 10, 8),
        invoice_date=dt.date(2024, 12, 4),
        customer_no="418267",
        po_no="FH-1008",
        vendor_name="Creative Co-op",
        label_layout="scattered",
        page_split_probability=0.0,
        freight=Decimal("64.18"),
        fixed_items=dict(enumerate(products)),
        furniture=Furniture(
            footer=random_wording(random.Random(48), 18, 18),
            continued="Continued",
            stamps=((1, "RECEIVED"),),
        ),
    )


def goldens() -> list[tuple[str, Invoice, list[Rendering]]]:
    """(name, invoice, renderings) for every Creative Co-op golden."""
    reference = cs003837319()
    return [
        (
            "cs003837319",
            reference,
            [Rendering("pdf"), Rendering("docai", 1, invoice_id_missing=True)],
        ),
        ("ci004848705", ci004848705(), [Rendering("pdf"), Rendering("docai", 4, tokens=True)]),
        ("cs003837319-order2", reference, [Rendering("docai", 2)]),
        ("cs003837319-order3", reference, [Rendering("docai", 3, invoice_id_missing=True)]),
        (
            "cc-one-page-invoice",
            random_invoice(
                random.Random(101),
                pages=1,
                items=12,
                title="INVOICE",
                vendor_name="Creative Co-op, Inc.",
                label_layout="inline",
                surcharge_probability=0.3,
                freight=Decimal("38.65"),
            ),
            [Rendering("pdf"), Rendering("docai", 2)],
        ),
        (
            "cc-far-labels",
            random_invoice(
                random.Random(202),
                pages=4,
                items=30,
                vendor_name="Creative Coop",
                label_layout="scattered",
                title="ORDER CONFIRMATION",
                wrap_probability=0.4,
            ),
            [Rendering("pdf"), Rendering("docai", 3, invoice_id_missing=True)],
        ),
        (
            "cc-many-zero-rows",
            random_invoice(
                random.Random(303),
                pages=3,
                items=26,
                vendor_name="Creative-Coop",
                zero_probability=0.45,
                label_layout="stacked",
                title="ORDER CONFIRMATION",
            ),
            [Rendering("docai", 1, snake_case=True)],
        ),
        (
            "cc-two-line-tariffs",
            random_invoice(
                random.Random(404),
                pages=6,
                items=44,
                surcharge_probability=0.6,
                two_line_tariff_probability=1.0,
                page_split_probability=1.0,
                new_prefix_probability=0.4,
                title="INVOICE",
                label_layout="inline",
                vendor_name="Creative Co-op",
            ),
            [Rendering("pdf"), Rendering("docai", 2, snake_case=True, invoice_id_missing=True)],
        ),
        (
            "cc-long-descriptions",
            random_invoice(
                random.Random(505),
                pages=5,
                items=34,
                wrap_probability=0.9,
                rt_probability=0.1,
                page_split_probability=1.0,
                label_layout="scattered",
                vendor_name="Creative Co-op, Inc.",
                title="ORDER CONFIRMATION",
            ),
            [Rendering("pdf"), Rendering("docai", 1)],
        ),
        (
            "cc-noisy-invoice",
            random_invoice(
                random.Random(606),
                pages=4,
                items=36,
                kind="invoice",
                vendor_name="Creative Co-op, Inc.",
                label_layout="stacked",
                surcharge_probability=0.4,
                blank_probability=0.5,
                drop_probability=0.15,
                noise_token_probability=0.2,
                footer_probability=1.0,
                continued_probability=1.0,
                stamp_probability=1.0,
                note_probability=1.0,
            ),
            [Rendering("pdf"), Rendering("docai", 2, tokens=True, snake_case=True)],
        ),
        (
            "cc-furniture-text",
            random_invoice(
                random.Random(707),
                pages=5,
                items=40,
                vendor_name="Creative Coop",
                label_layout="scattered",
                wrap_probability=0.5,
                page_split_probability=1.0,
                zero_probability=0.25,
                drop_probability=0.2,
                undetermined_drops=True,
                footer_probability=1.0,
                continued_probability=1.0,
                stamp_probability=0.6,
                note_probability=1.0,
            ),
            [Rendering("docai", 3, invoice_id_missing=True)],
        ),
    ]


def golden_files() -> dict[str, bytes]:
    """Every Creative Co-op golden file, name -> bytes (the `build_goldens` contract)."""
    files: dict[str, bytes] = {}
    for name, invoice, renderings in goldens():
        files.update(render_files(name, invoice, renderings))
    return files
