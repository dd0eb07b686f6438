"""The extractor's output: an invoice with its line items and the quality checks run on it.

These models cross boundaries (CLI JSON, HTTP responses, golden `expected.json` files), so the
field names are a contract: add fields, never rename them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, computed_field


class LineItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_code: str
    upc: str | None = None
    description: str = ""
    qty_ordered: int
    qty_allocated: int | None = None
    qty_shipped: int | None = None
    qty_backordered: int | None = None
    unit: str | None = None
    list_price: Decimal | None = None
    unit_price: Decimal | None = None
    extended_price: Decimal | None = None
    page: int | None = Field(default=None, description="1-based page the row starts on, when known")


class Totals(BaseModel):
    """The document's own totals block, used to reconcile the extraction."""

    model_config = ConfigDict(extra="ignore")

    merchandise_subtotal: Decimal | None = None
    tariff_surcharge_total: Decimal | None = None
    freight: Decimal | None = None
    total: Decimal | None = None


class QualityCheck(BaseModel):
    name: str
    passed: bool
    #: True when the document gave nothing to check against (e.g. no subtotal printed).
    skipped: bool = False
    detail: str = ""


class QualityReport(BaseModel):
    checks: list[QualityCheck] = Field(default_factory=list)

    def ran(self) -> list[QualityCheck]:
        """The checks that had something to judge; a skipped one never counts as passed."""
        return [c for c in self.checks if not c.skipped]

    @property
    def passed(self) -> bool:
        ran = self.ran()
        return bool(ran) and all(check.passed for check in ran)

    @property
    def score(self) -> float:
        """Share of the checks that ran (not skipped) which passed; nothing ran is 0.0, not 1.0."""
        ran = self.ran()
        return sum(c.passed for c in ran) / len(ran) if ran else 0.0

    def by_name(self) -> dict[str, bool]:
        """name -> passed, for the checks that ran (a skipped check judged nothing and is left out)."""
        return {check.name: check.passed for check in self.ran()}


class ParsedInvoice(BaseModel):
    """What a vendor parser returns: the invoice before quality checks are run."""

    model_config = ConfigDict(extra="ignore")

    vendor: str
    #: Creative Co-op only: "order_confirmation" or "invoice" (from its labels and columns).
    document_kind: str | None = None
    invoice_number: str | None = None
    #: The order the document is about: a CC invoice's `ORDER NO:` (CS…); on a confirmation the
    #: invoice number itself.
    order_number: str | None = None
    order_date: dt.date | None = None
    customer_number: str | None = None
    po_number: str | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    totals: Totals | None = None
    page_count: int = 0
    #: What the parser itself observed (a recovered price, rows it could not read); joined to the
    #: quality checks, not printed on their own.
    parser_checks: list[QualityCheck] = Field(default_factory=list, exclude=True)

    @computed_field  # derived, so it can never disagree with the items; still in the JSON
    @property
    def pages_with_items(self) -> list[int]:
        return sorted({item.page for item in self.line_items if item.page})


class Invoice(ParsedInvoice):
    """The extractor's result (`extract --format json` prints this)."""

    origin: str = Field(default="", description="'docai' or 'pdf': what the document was read from")
    quality: QualityReport = Field(default_factory=QualityReport)
