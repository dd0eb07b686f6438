"""The historic failure, judged by the orchestrator (not by the extractor's own quality report)."""

from __future__ import annotations

from collections import Counter

PLACEHOLDER_MIN_ITEMS = 10


def placeholder_pattern(items: list[dict]) -> str | None:
    """Many rows sharing one price and quantity, or empty descriptions: what the old fallback made."""
    empty = [i for i in items if not str(i.get("description") or "").strip()]
    if empty:
        return f"{len(empty)} items without a description"
    pairs = Counter((str(i.get("unit_price")), str(i.get("qty_ordered"))) for i in items)
    if len(items) >= PLACEHOLDER_MIN_ITEMS and pairs:
        (price, qty), count = pairs.most_common(1)[0]
        if count > len(items) / 2:
            return f"{count} of {len(items)} items share price {price} and quantity {qty}"
    return None
