"""The sheet's Item column (domain doc section 4): `CODE - UPC: … - Description`, and no stray
separator for a part the document does not print (the generic path leaves codes empty rather than
inventing them)."""

from decimal import Decimal

import pytest

from invoice_processing.models import LineItem
from invoice_processing.sheet_rows import item_text


def line(code: str, upc: str | None, description: str) -> LineItem:
    return LineItem(
        product_code=code, upc=upc, description=description, qty_ordered=1, unit_price=Decimal("1.00")
    )


@pytest.mark.parametrize(
    ("code", "upc", "description", "shown"),
    [
        ("XS9826A", "191009727774", '6"H Metal Ballerina Ornament, Sage',
         'XS9826A - UPC: 191009727774 - 6"H Metal Ballerina Ornament, Sage'),  # the domain doc's row
        ("", None, "Laptop", "Laptop"),
        ("", "191009727774", "Laptop", "UPC: 191009727774 - Laptop"),
        ("DF5599", None, "Photo Frame", "DF5599 - Photo Frame"),
        ("DF5599", None, "", "DF5599"),
    ],
)  # fmt: skip
def test_item_text_joins_only_the_printed_parts(code, upc, description, shown):
    assert item_text(line(code, upc, description)) == shown
