"""The Creative Co-op golden set: CS003837319 reconstructed, plus one invoice per edge case.

Every invoice here is drawn from a fixed seed with explicit knobs, so the set is reproducible;
`build_goldens` writes it. Each golden names its renderings: a PDF and/or Document AI JSON in a
reading order, all judged against the one expected file of the same name.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from decimal import Decimal

from .creative_coop_docai import EntityNoise, render_docai
from .creative_coop_expected import expected_json
from .creative_coop_model import Invoice, Item
from .creative_coop_pdf import render_pdf
from .creative_coop_random import random_invoice


@dataclass(frozen=True)
class Rendering:
    kind: str  # "pdf" or "docai"
    order: int = 0
    snake_case: bool = False
    invoice_id_missing: bool = False


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
            invoice, rendering.order, seed=rendering.order, noise=noise, snake_case=rendering.snake_case
        )
        files[f"{name}.docai.json"] = _json_bytes(document)
    return files


def _cs003837319_fixed_items() -> dict[int, Item]:
    """The rows of CS003837319 that the domain doc quotes, at the positions they hold."""
    return {
        0: Item(
            "XS9826A",
            "191009727774",
            ('6"H Metal Ballerina Ornament,', "Sage"),
            24,
            0,
            0,
            24,
            "each",
            Decimal("2.00"),
        ),
        1: Item(
            "XS8911A",
            "191009710615",
            ('S/3 4-1/4"H Stoneware Sugar', "Pot w/ Lid, Spoon & Creamer"),
            12,
            0,
            0,
            12,
            "Set",
            Decimal("10.00"),
        ),
        17: Item(
            "DF5599",
            "191009455981",
            ("Mango Wood Photo Frame (Holds", '4" x 6" Photo)'),
            12,
            12,
            0,
            0,
            "each",
            Decimal("12.00"),
            has_tariff=True,
            tariff_two_lines=True,
        ),
        38: Item(
            "CF3269",
            "191009332695",
            (
                '12"H Recycled Glass Bottle w/',
                "Cork Stopper, Natural (Each One",
                "Will Vary) Battery Operated",
                "(Requires 2 AA Batteries)",
            ),
            0,
            0,
            0,
            0,
            "each",
            Decimal("16.00"),
        ),
        64: Item(
            "HX4007B",
            "191009400738",
            ("Enameled Metal Snowflake", "Ornament, White & Blue"),
            144,
            144,
            0,
            0,
            "each",
            Decimal("12.50"),
            has_tariff=True,
        ),
    }


def cs003837319() -> Invoice:
    """Order CS003837319 of 1/17/2025: 15 pages, 132 products, the quoted rows among them."""
    return random_invoice(
        random.Random(3837319),
        pages=15,
        items=132,
        order_no="CS003837319",
        order_date=dt.date(2025, 1, 17),
        customer_no="418267",
        po_no="FH-0117",
        title="ORDER CONFIRMATION",
        vendor_name="Creative Co-op",
        label_layout="stacked",
        wrap_probability=0.45,
        zero_probability=0.07,
        surcharge_probability=0.15,
        page_split_probability=0.4,
        new_prefix_probability=0.0,
        rt_probability=0.0,
        freight=Decimal("0.00"),
        fixed_items=_cs003837319_fixed_items(),
    )


def goldens() -> list[tuple[str, Invoice, list[Rendering]]]:
    """(name, invoice, renderings) for every Creative Co-op golden."""
    reference = cs003837319()
    return [
        ("cs003837319", reference, [Rendering("pdf"), Rendering("docai", 1, invoice_id_missing=True)]),
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
    ]


def golden_files() -> dict[str, bytes]:
    """Every Creative Co-op golden file, name -> bytes (the `build_goldens` contract)."""
    files: dict[str, bytes] = {}
    for name, invoice, renderings in goldens():
        files.update(render_files(name, invoice, renderings))
    return files
