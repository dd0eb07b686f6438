"""The generic path: any vendor without a parser of its own (Rifle Paper is the typical one).

Line items come from Document AI `line_item` entities, which sometimes merge two products into one
entity (`NPU001 842967188700 7.00 4 28.00 CAL094 ...`); those are split back into one item per
product. A PDF read directly has no entities, so its text rows are parsed on a best-effort basis:
only rows whose numbers reconcile (qty x price = amount) count, so address lines and stray
code-like tokens never become items. Nothing here raises on odd input: it returns what is there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..document import Document, Entity
from ..models import LineItem, ParsedInvoice, Totals
from ..quality import money
from .text_helpers import (
    CODE_TOKEN,
    INT_TOKEN,
    all_lines,
    clean_spaces,
    is_money,
    labelled_value,
    parse_date,
    parse_int,
    parse_money,
    valid_gtin,
)

# --- one product out of a run of tokens ---------------------------------------------------------


@dataclass
class Segment:
    """The tokens of one product inside an entity's text or a text row."""

    code: str | None
    tokens: list[str] = field(default_factory=list)


TRIPLE_WINDOW = 8


def _reconciling_triple(tokens: Sequence[str]) -> tuple[int, int, int] | None:
    """Indices (qty, price, amount) of numbers with qty x price = amount.

    Descriptions contain numbers too (`2026 Wall Calendar`, `Set of 12`), so the triple must
    reconcile, and of several the tightest group wins.
    """
    numeric = [i for i, t in enumerate(tokens) if is_money(t) or INT_TOKEN.match(t)]
    candidates: list[tuple[int, int, int]] = []
    for a in reversed(numeric):
        amount = parse_money(tokens[a]) if is_money(tokens[a]) else None
        if amount is None:
            continue
        # Only numbers within a row's width of each other: bounds the work on huge entities.
        near = [i for i in numeric if abs(i - a) <= TRIPLE_WINDOW]
        for p in near:
            price = parse_money(tokens[p]) if p != a and is_money(tokens[p]) else None
            if price is None:
                continue
            for q in near:
                if q in (a, p) or not INT_TOKEN.match(tokens[q]):
                    continue
                if money(int(tokens[q]) * price) == money(amount):
                    candidates.append((q, p, a))
    # The numeric columns sit together: the tightest triple wins, then the one nearest the end.
    return min(candidates, key=lambda t: (max(t) - min(t), -min(t)), default=None)


def item_from_tokens(code: str | None, tokens: Sequence[str], page: int | None = None) -> LineItem | None:
    """Code, optional GTIN, description words and a reconciling qty/price/amount -> a LineItem."""
    triple = _reconciling_triple(tokens)
    if triple is None:
        return None
    q, p, a = triple
    upc = next((t for t in tokens if valid_gtin(t)), None)
    used = {q, p, a}
    words = [t for i, t in enumerate(tokens) if i not in used and t != upc and t != code]
    # Numbers after the price columns are other columns (shipped, back-ordered), not description.
    words = [w for w in words if not (is_money(w))]
    product_code = code or upc
    if not product_code:
        return None
    return LineItem(
        product_code=product_code,
        upc=upc,
        description=clean_spaces(" ".join(words)),
        qty_ordered=int(tokens[q]),
        unit_price=parse_money(tokens[p]),
        extended_price=parse_money(tokens[a]),
        page=page,
    )


def split_products(tokens: Sequence[str]) -> list[Segment]:
    """Split a run of tokens at every product start: a code followed by a GTIN, or a code whose
    tokens up to the next code reconcile (qty x price = amount). Tokens before the first start
    stay with the first product."""
    starts = [
        i
        for i, t in enumerate(tokens)
        if CODE_TOKEN.match(t) and not valid_gtin(t) and i + 1 < len(tokens) and valid_gtin(tokens[i + 1])
    ]
    if not starts:
        codes = [i for i, t in enumerate(tokens) if CODE_TOKEN.match(t)]
        bounds = [*codes, len(tokens)]
        starts = [c for c, nxt in zip(codes, bounds[1:], strict=False) if _reconciling_triple(tokens[c:nxt])]
    if not starts:
        return [Segment(None, list(tokens))]
    segments = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        head = list(tokens[:start]) if n == 0 else []
        segments.append(Segment(tokens[start], head + list(tokens[start:end])))
    return segments


# --- entities -> items --------------------------------------------------------------------------


def _prop(entity: Entity, name: str) -> str | None:
    found = entity.prop(f"line_item/{name}") or entity.prop(name)
    if found is None:
        return None
    text = clean_spaces(found.normalized or found.mention_text or "")
    return text or None


def _item_from_properties(entity: Entity, page: int | None) -> LineItem | None:
    """One product from the entity's properties, filling gaps from its text."""
    tokens = (entity.mention_text or "").split()
    code = _prop(entity, "product_code")
    upc = next((t for t in tokens if valid_gtin(t)), None)
    if code and valid_gtin(code.replace(" ", "")):
        upc, code = code.replace(" ", ""), next((t for t in tokens if CODE_TOKEN.match(t)), None)
    code = code or next((t for t in tokens if CODE_TOKEN.match(t)), None) or upc
    qty = parse_int(_prop(entity, "quantity"))
    price = parse_money(_first_money(_prop(entity, "unit_price")))
    amount = parse_money(_first_money(_prop(entity, "amount")))
    from_text = item_from_tokens(code, tokens, page)
    if from_text is not None:
        qty = qty if qty is not None else from_text.qty_ordered
        price = price if price is not None else from_text.unit_price
        amount = amount if amount is not None else from_text.extended_price
    if qty is None and price and amount is not None:
        qty = parse_int(str(amount / price)) if price else None
    if price is None and qty and amount is not None:
        price = money(amount / qty)
    description = _prop(entity, "description") or (from_text.description if from_text else "")
    if not code and description:
        code = description.split()[0]
    if not code or qty is None:
        return None
    return LineItem(
        product_code=code,
        upc=upc,
        description=description,
        qty_ordered=qty,
        unit_price=price,
        extended_price=amount,
        page=page,
    )


def _first_money(text: str | None) -> str | None:
    if not text:
        return None
    for token in text.split():
        if parse_money(token) is not None:
            return token
    return text


def items_from_entity(entity: Entity, page: int | None = None) -> list[LineItem]:
    """One entity -> its products: several when Document AI merged rows into one entity."""
    segments = split_products((entity.mention_text or "").split())
    if len(segments) < 2:
        item = _item_from_properties(entity, page)
        return [item] if item else []
    items = []
    for n, segment in enumerate(segments):
        item = item_from_tokens(segment.code, segment.tokens, page)
        if item is None:
            continue
        if n == 0 and not item.description:
            # The properties describe the entity's first product at most.
            item = item.model_copy(update={"description": _prop(entity, "description") or ""})
        items.append(item)
    return items


def items_from_entities(entities: Iterable[Entity]) -> list[LineItem]:
    items: list[LineItem] = []
    for entity in entities:
        if entity.type == "line_item":
            items.extend(items_from_entity(entity))
    return items


def with_pages(document: Document, items: list[LineItem]) -> list[LineItem]:
    """Entities carry no page here: an item's page is the first page whose text has its code."""
    placed = []
    for item in items:
        page = next(
            (p.number for p in document.pages if any(item.product_code in line for line in p.lines)), None
        )
        placed.append(item.model_copy(update={"page": page}) if item.page is None else item)
    return placed


def items_from_rows(document: Document) -> list[LineItem]:
    """Best effort for a document without entities: every text row that reads as one product."""
    items = []
    for page, line in document.lines():
        tokens = line.split()
        if len(tokens) < 3 or not (CODE_TOKEN.match(tokens[0]) or valid_gtin(tokens[0])):
            continue
        code = tokens[0] if CODE_TOKEN.match(tokens[0]) else None
        item = item_from_tokens(code, tokens, page)
        if item is not None:
            items.append(item)
    return items


# --- header fields ------------------------------------------------------------------------------

INVOICE_LABEL = re.compile(r"\binvoice\s*(?:#|no\.?|number|num)\s*:?", re.I)
INVOICE_VALUE = re.compile(r"\b((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,19})\b")
DATE_LABEL = re.compile(r"\b(?:invoice|order)\s*date\s*:?|\bdate\s*:", re.I)
DATE_VALUE = re.compile(r"(\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4})")
SUBTOTAL = re.compile(r"^(?:merchandise\s+)?sub\s*-?\s*total\s*:?\s*\$?\s*([\d,]+\.\d{2})\b", re.I)
SUFFIXES = re.compile(r"\b(?:Inc|LLC|Ltd|Co|Company|Corp|Corporation)\b\.?", re.I)


def _entity_text(document: Document, type_: str) -> str | None:
    for entity in document.entities_of(type_):
        text = clean_spaces(entity.mention_text or "")
        if text:
            return text
    return None


def _entity_date(document: Document, type_: str) -> dt.date | None:
    for entity in document.entities_of(type_):
        found = parse_date(entity.normalized) or parse_date(entity.mention_text)
        if found:
            return found
    return None


def vendor_name(document: Document) -> str:
    """The supplier as the document names it: Document AI's `supplier_name`, else a company-like
    first line (`Rifle Paper Co.`), else "Unknown"."""
    named = _entity_text(document, "supplier_name")
    if named:
        return named
    for line in all_lines(document)[:3]:
        suffix = SUFFIXES.search(line)
        # The name ends at its company suffix: a PDF line may carry the title beside it.
        if suffix and not re.search(r"\d", line[: suffix.end()]) and suffix.end() <= 60:
            return clean_spaces(line[: suffix.end()])
    return "Unknown"


def subtotal(document: Document) -> Decimal | None:
    for line in all_lines(document):
        match = SUBTOTAL.search(line)
        if match:
            return parse_money(match.group(1))
    return None


class GenericParser:
    name = "Unknown"

    def score(self, document: Document) -> float:
        """The fallback never claims a document: it is what runs when no vendor parser does."""
        return 0.0

    def parse(self, document: Document) -> ParsedInvoice:
        items = with_pages(document, items_from_entities(document.entities)) if document.entities else []
        if not items:
            items = items_from_rows(document)
        lines = all_lines(document)
        number = _entity_text(document, "invoice_id") or labelled_value(lines, INVOICE_LABEL, INVOICE_VALUE)
        date_text = labelled_value(lines, DATE_LABEL, DATE_VALUE)
        found_subtotal = subtotal(document)
        return ParsedInvoice(
            vendor=vendor_name(document),
            invoice_number=number.lstrip("#").strip() if number else None,
            order_date=_entity_date(document, "invoice_date") or parse_date(date_text),
            po_number=_entity_text(document, "purchase_order"),
            line_items=items,
            totals=Totals(merchandise_subtotal=found_subtotal) if found_subtotal is not None else None,
            page_count=len(document.pages),
        )
