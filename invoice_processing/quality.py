"""Quality checks that need no ground truth, run on every extraction.

They catch the failures that hurt before: misread UPCs, prices taken from the wrong column, rows
dropped (the subtotal stops reconciling), a missing invoice number, and a fallback that fills many
products with one price/quantity pair.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from .models import LineItem, ParsedInvoice, QualityCheck, QualityReport

CENT = Decimal("0.01")
PLACEHOLDER_WORDS = re.compile(r"^(|n/?a|unknown|placeholder|item|product|description|tbd|test)$", re.I)
# One (price, quantity) pair on this share of at least PLACEHOLDER_MIN_ITEMS distinct products is
# what the old fallback produced (88 rows of $1.60 x 24); real orders are never that uniform.
PLACEHOLDER_SHARE = 0.5
PLACEHOLDER_MIN_ITEMS = 8


def gtin_check_digit_ok(code: str) -> bool:
    """UPC-A (12 digits) or EAN-13/ISBN-13: weights alternate 3,1 from the right of the payload."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    payload = list(map(int, code))
    check = payload.pop()
    total = 3 * sum(payload[-1::-2]) + sum(payload[-2::-2])
    return (10 - total % 10) % 10 == check


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _check_upcs(items: list[LineItem]) -> QualityCheck:
    codes = [(i.product_code, i.upc) for i in items if i.upc]
    if not codes:
        return QualityCheck(name="upc_check_digits", passed=True, skipped=True, detail="no UPCs on the items")
    bad = [f"{code} {upc}" for code, upc in codes if not gtin_check_digit_ok(upc)]
    detail = f"{len(codes) - len(bad)}/{len(codes)} valid" + (f"; bad: {', '.join(bad[:5])}" if bad else "")
    return QualityCheck(name="upc_check_digits", passed=not bad, detail=detail)


def billed_quantity(item: LineItem, invoice: ParsedInvoice) -> int:
    """What the extended price is for: shipped on an invoice, ordered otherwise (0 when cancelled)."""
    if invoice.document_kind == "invoice":
        return item.qty_shipped or 0
    return 0 if is_cancelled(item) else item.qty_ordered


def is_cancelled(item: LineItem) -> bool:
    """Ordered, but nothing allocated, shipped or back-ordered (domain doc 2): no sheet row."""
    return (
        item.qty_ordered > 0
        and item.qty_allocated == 0
        and item.qty_shipped == 0
        and item.qty_backordered == 0
        and (item.extended_price is None or item.extended_price == 0)
    )


def _check_extended(invoice: ParsedInvoice) -> QualityCheck:
    items = invoice.line_items
    priced = [i for i in items if i.unit_price is not None and i.extended_price is not None]
    if not priced:
        return QualityCheck(
            name="extended_matches_qty_x_price", passed=True, skipped=True, detail="no extended prices"
        )
    bad = [i for i in priced if money(billed_quantity(i, invoice) * i.unit_price) != money(i.extended_price)]
    detail = f"{len(priced) - len(bad)}/{len(priced)} consistent" + "".join(
        f"; {i.product_code}: {billed_quantity(i, invoice)} x {i.unit_price} != {i.extended_price}"
        for i in bad[:3]
    )
    return QualityCheck(name="extended_matches_qty_x_price", passed=not bad, detail=detail)


def _check_subtotal(invoice: ParsedInvoice) -> QualityCheck:
    subtotal = invoice.totals.merchandise_subtotal if invoice.totals else None
    if subtotal is None:
        return QualityCheck(
            name="subtotal_reconciles", passed=True, skipped=True, detail="the document prints no subtotal"
        )
    extended = [i.extended_price for i in invoice.line_items if i.extended_price is not None]
    total = money(sum(extended, Decimal(0)))
    passed = total == money(subtotal)
    return QualityCheck(
        name="subtotal_reconciles", passed=passed, detail=f"items sum to {total}; document says {subtotal}"
    )


def _check_invoice_number(invoice: ParsedInvoice) -> QualityCheck:
    number = (invoice.invoice_number or "").strip()
    return QualityCheck(
        name="invoice_number_found", passed=bool(number), detail=number or "no invoice number found"
    )


def _check_placeholders(items: list[LineItem]) -> QualityCheck:
    blank = [i.product_code for i in items if PLACEHOLDER_WORDS.match(i.description.strip())]
    pairs = Counter((i.unit_price, i.qty_ordered) for i in items if i.unit_price is not None)
    problems = []
    if blank:
        problems.append(f"{len(blank)} items with placeholder descriptions ({', '.join(blank[:3])})")
    if pairs and len({i.product_code for i in items}) >= PLACEHOLDER_MIN_ITEMS:
        (price, qty), count = pairs.most_common(1)[0]
        if count >= PLACEHOLDER_MIN_ITEMS and count / len(items) > PLACEHOLDER_SHARE:
            problems.append(f"{count} of {len(items)} items share price {price} and quantity {qty}")
    return QualityCheck(
        name="no_placeholder_pattern", passed=not problems, detail="; ".join(problems) or "none found"
    )


def run_quality_checks(invoice: ParsedInvoice) -> QualityReport:
    items = invoice.line_items
    return QualityReport(
        checks=[
            _check_upcs(items),
            _check_extended(invoice),
            _check_subtotal(invoice),
            _check_invoice_number(invoice),
            _check_placeholders(items),
            *invoice.parser_checks,
        ]
    )
