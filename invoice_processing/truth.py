"""Ground truth of one invoice (`<name>.expected.json`): the shape the gate and the function's daily
check score an extraction against. Written from the document's source data, never from the extractor.

It lives in the function's package because the deployed function scores its own answer against the
truths shipped with it (service/daily_check.py); the gate (deploy_scripts/gate) uses the same models.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _plain_money(value: object) -> object:
    """Ground truth copied from a document may keep its `$` and thousands separators."""
    return value.replace(",", "").replace("$", "").strip() if isinstance(value, str) else value


Money = Annotated[Decimal | None, BeforeValidator(_plain_money)]


class ExpectedItem(BaseModel):
    """One row's truth. Fields it leaves out are not known; an explicit null says the page does not
    determine the value. Fields beyond these (added to the extractor later) are kept and scored."""

    model_config = ConfigDict(extra="allow")

    product_code: str
    upc: str | None = None
    description: str | None = None
    qty_ordered: int | None = None
    qty_allocated: int | None = None
    qty_shipped: int | None = None
    qty_backordered: int | None = None
    unit: str | None = None
    list_price: Money = None
    unit_price: Money = None
    extended_price: Money = None
    page: int | None = None


class ExpectedTotals(BaseModel):
    model_config = ConfigDict(extra="allow")

    merchandise_subtotal: Money = None
    tariff_surcharge_total: Money = None
    freight: Money = None
    total: Money = None


class ExpectedInvoice(BaseModel):
    model_config = ConfigDict(extra="allow")

    vendor: str
    invoice_number: str | None = None
    order_date: dt.date | None = None
    customer_number: str | None = None
    po_number: str | None = None
    page_count: int | None = None
    totals: ExpectedTotals | None = None
    line_items: list[ExpectedItem] = Field(min_length=1)
