"""Creative Co-op golden invoice generator: source data, PDF, Document AI JSON, expected JSON.

rng = random.Random(7)
invoice = random_invoice(rng, pages=3, items=20)
render_pdf(invoice)                   # bytes
render_docai(invoice, order=2)        # dict, Document AI REST JSON
expected_json(invoice)                # dict, the `extract --format json` ground truth
"""

from .creative_coop_docai import EntityNoise, render_docai, to_snake_case
from .creative_coop_expected import expected_json, known_prices, recovered_codes
from .creative_coop_model import (
    CANONICAL_VENDOR,
    ROWS_PER_PAGE,
    TOTALS_ROWS,
    Furniture,
    Header,
    Invoice,
    Item,
    TableLine,
    check_layout,
    fmt_money,
    money,
)
from .creative_coop_pdf import render_pdf
from .creative_coop_random import (
    KNOWN_PREFIXES,
    MAX_ITEMS_PER_PAGE,
    VENDOR_SPELLINGS,
    choose_page_breaks,
    random_invoice,
)

__all__ = [
    "CANONICAL_VENDOR",
    "KNOWN_PREFIXES",
    "MAX_ITEMS_PER_PAGE",
    "ROWS_PER_PAGE",
    "TOTALS_ROWS",
    "VENDOR_SPELLINGS",
    "EntityNoise",
    "Furniture",
    "Header",
    "Invoice",
    "Item",
    "TableLine",
    "check_layout",
    "choose_page_breaks",
    "expected_json",
    "fmt_money",
    "known_prices",
    "recovered_codes",
    "money",
    "random_invoice",
    "render_docai",
    "render_pdf",
    "to_snake_case",
]
