"""The generic path: any vendor without a parser of its own (Rifle Paper is the typical one).

Line items come from Document AI `line_item` entities, which sometimes merge two products into one
entity (`NPU001 842967188700 7.00 4 28.00 CAL094 ...`); those are split back into one item per
product. A PDF read directly has no entities, so its text rows are parsed on a best-effort basis:
only rows whose numbers reconcile (qty x price = amount) count, so address lines and stray
code-like tokens never become items. Nothing here raises on odd input: it returns what is there.

Nothing is invented: a product code is one the document prints (else empty), and the vendor,
invoice number and PO number Document AI proposes are kept only when the text supports them.
Amounts may use either decimal convention (`1,234.56` or `1.234,56` / `12,50`). Every pass is
linear in the text, so a megabyte of text takes a moment, not minutes (bench/bench_generic.py).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..document import Document, Entity
from ..models import LineItem, ParsedInvoice, Totals
from ..quality import money
from .text_helpers import (
    CODE_TOKEN,
    INT_TOKEN,
    LABEL_ONLY,
    all_lines,
    clean_spaces,
    labelled_value,
    parse_date,
    parse_int,
    valid_gtin,
)

# --- amounts in either decimal convention -------------------------------------------------------

# `1,234.56`, `1.234,56`, `12,50`, `$7.00`, `(3.50)`: cents after the last separator, and thousands
# grouped by the other one.
AMOUNT_TOKEN = re.compile(r"^\(?[$€]?(\d{1,3}(?:([,.])\d{3})+|\d+)([.,])(\d{2})\)?$")
PLAIN_NUMBER = re.compile(r"^[$€]?(\d+)(?:\.(\d+))?$")


def is_money(token: str) -> bool:
    match = AMOUNT_TOKEN.match(token)
    return bool(match) and match.group(2) != match.group(3)


def parse_money(token: str | None) -> Decimal | None:
    """An amount token in either convention, or a plain number (`7`, `$7.5`); anything else None."""
    if token is None:
        return None
    cleaned = token.strip().replace("USD", "").replace("EUR", "").strip()
    match = AMOUNT_TOKEN.match(cleaned)
    if match and match.group(2) != match.group(3):
        return Decimal(re.sub(r"\D", "", match.group(1)) + "." + match.group(4))
    plain = PLAIN_NUMBER.match(cleaned)
    if plain:
        try:
            return Decimal(plain.group(1) + ("." + plain.group(2) if plain.group(2) else ""))
        except InvalidOperation:
            return None
    return None


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
    reconcile, and of several the tightest group wins. Only numbers within a row's width of each
    other are paired (found by bisection), so the work grows linearly with the tokens.
    """
    ints: dict[int, int] = {}
    amounts: dict[int, Decimal] = {}
    for i, token in enumerate(tokens):  # each token read once
        if INT_TOKEN.match(token):
            ints[i] = int(token)
        elif is_money(token):
            amounts[i] = money(parse_money(token))
    numeric = sorted((*ints, *amounts))
    candidates: list[tuple[int, int, int]] = []
    for a in reversed(numeric):
        amount = amounts.get(a)
        if amount is None:
            continue
        near = numeric[
            bisect.bisect_left(numeric, a - TRIPLE_WINDOW) : bisect.bisect_right(numeric, a + TRIPLE_WINDOW)
        ]
        for p in near:
            price = amounts.get(p) if p != a else None
            if price is None:
                continue
            candidates += [
                (q, p, a) for q in near if q in ints and q != p and money(ints[q] * price) == amount
            ]
    # The numeric columns sit together: the tightest triple wins, then the one nearest the end.
    return min(candidates, key=lambda t: (max(t) - min(t), -min(t)), default=None)


def item_from_tokens(
    code: str | None, tokens: Sequence[str], page: int | None = None, *, need_code: bool = True
) -> LineItem | None:
    """Code, optional GTIN, description words and a reconciling qty/price/amount -> a LineItem.
    Without a printed code or GTIN there is no item, unless `need_code` is False (the item's code
    is then empty: never made up)."""
    triple = _reconciling_triple(tokens)
    if triple is None:
        return None
    q, p, a = triple
    upc = next((t for t in tokens if valid_gtin(t)), None)
    used = {q, p, a}
    words = [t for i, t in enumerate(tokens) if i not in used and t != upc and t != code]
    # Numbers after the price columns are other columns (shipped, back-ordered), not description.
    words = [w for w in words if not (is_money(w))]
    product_code = code or upc or ""
    if not product_code and need_code:
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
    """One product from the entity's properties, filling gaps from its text. The product code is
    one the entity's text prints (Document AI's own property included); never made up."""
    tokens = (entity.mention_text or "").split()
    code = _prop(entity, "product_code")
    upc = next((t for t in tokens if valid_gtin(t)), None)
    if code and valid_gtin(code.replace(" ", "")):
        upc, code = code.replace(" ", ""), None
    if code and not (CODE_TOKEN.match(code) or (code in tokens and re.search(r"\d", code))):
        code = None  # a word of the description, not a code the row prints
    code = code or next((t for t in tokens if CODE_TOKEN.match(t) and not valid_gtin(t)), None)
    qty = parse_int(_prop(entity, "quantity"))
    price = parse_money(_first_money(_prop(entity, "unit_price")))
    amount = parse_money(_first_money(_prop(entity, "amount")))
    from_text = item_from_tokens(code, tokens, page, need_code=False)
    if from_text is not None:
        qty = qty if qty is not None else from_text.qty_ordered
        price = price if price is not None else from_text.unit_price
        amount = amount if amount is not None else from_text.extended_price
    if qty is None and price and amount is not None:
        qty = parse_int(str(amount / price)) if price else None
    if price is None and qty and amount is not None:
        price = money(amount / qty)
    description = _prop(entity, "description") or (from_text.description if from_text else "")
    if qty is None or not (code or upc or description):
        return None
    return LineItem(
        product_code=code or upc or "",  # empty rather than made up
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
    """Entities carry no page here: an item's page is the first page that prints its code (or UPC).
    One pass over the words builds the index, so this is linear, not items x lines."""
    first_page: dict[str, int] = {}
    for number, line in document.lines():
        for word in line.split():
            first_page.setdefault(word, number)
    placed = []
    for item in items:
        keys = [k for k in (item.product_code, item.upc) if k]
        page = next((first_page[k] for k in keys if k in first_page), None)
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
INVOICE_VALUE = re.compile(r"\b((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,19})\b")
PO_LABEL = re.compile(
    r"\b(?:customer\s+)?(?:p\.?\s?o\.?|purchase\s+order)\s*(?:#|no\.?|number|num)?\s*:", re.I
)
DATE_LABEL = re.compile(r"\b(?:invoice|order)\s*date\s*:?|\bdate\s*:", re.I)
DATE_VALUE = re.compile(r"(\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4})")
AMOUNT_VALUE = re.compile(r"(?<![\d.,])\(?[$€]?\s?((?:\d{1,3}(?:[,.]\d{3})+|\d+)[.,]\d{2})(?![\d])")
SUBTOTAL_LABEL = re.compile(r"^\s*(?:merchandise\s+)?sub\s*-?\s*total\b\s*:?", re.I)
TOTAL_LABEL = re.compile(r"^\s*(?:invoice\s+|grand\s+)?total(?:\s+due)?\b\s*:?", re.I)
FREIGHT_LABEL = re.compile(r"^\s*(?:freight|shipping(?:\s*(?:&|and)\s*handling)?)\b\s*:?", re.I)
SUFFIXES = re.compile(r"\b(?:Inc|LLC|Ltd|Co|Company|Corp|Corporation)\b\.?", re.I)
# What Document AI sometimes hands over as an identifier: the label, or the label and the value.
LEADING_LABEL = re.compile(
    r"^(?:(?:invoice|inv|purchase|order|p\.?\s?o|no|nr|number|num)\.?(?=[\s:#]|$)|#|:|\s)+", re.I
)
IDENTIFIER = re.compile(r"(?=[A-Za-z0-9/-]*\d)[A-Za-z0-9][A-Za-z0-9/-]{2,24}")


class TextEvidence:
    """The document's text, normalised once, to check what Document AI proposes against."""

    def __init__(self, document: Document) -> None:
        self._text = clean_spaces(document.text or " ".join(all_lines(document))).lower()

    def prints(self, value: str) -> bool:
        """`value` appears in the text as a whole word or phrase (case and spacing aside)."""
        wanted = clean_spaces(value).lower()
        if not wanted:
            return False
        pattern = rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])"
        return re.search(pattern, self._text) is not None


def identifier(raw: str | None) -> str | None:
    """`#3104577` -> `3104577`; `NO. 001` -> `001`; `NO.` or `Invoice` -> None: a label is not a number."""
    if not raw:
        return None
    value = LEADING_LABEL.sub("", clean_spaces(raw)).strip()
    return value if IDENTIFIER.fullmatch(value) else None


def _entity_identifier(document: Document, type_: str, evidence: TextEvidence) -> str | None:
    """Document AI's identifier, when it is one and the text prints it."""
    for entity in document.entities_of(type_):
        value = identifier(entity.mention_text)
        if value and evidence.prints(value):
            return value
    return None


def _entity_date(document: Document, type_: str) -> dt.date | None:
    for entity in document.entities_of(type_):
        found = parse_date(entity.normalized) or parse_date(entity.mention_text)
        if found:
            return found
    return None


def vendor_name(document: Document, evidence: TextEvidence | None = None) -> str:
    """The supplier as the document names it: Document AI's `supplier_name` when the text prints it,
    else a company-like first line (`Rifle Paper Co.`), else "Unknown"."""
    evidence = evidence or TextEvidence(document)
    for entity in document.entities_of("supplier_name"):
        named = clean_spaces(entity.mention_text or "")
        if named and evidence.prints(named):
            return named
    for line in all_lines(document)[:3]:
        suffix = SUFFIXES.search(line)
        # The name ends at its company suffix: a PDF line may carry the title beside it.
        if suffix and not re.search(r"\d", line[: suffix.end()]) and suffix.end() <= 60:
            return clean_spaces(line[: suffix.end()])
    return "Unknown"


def _last_amount(lines: list[str], label: re.Pattern[str]) -> Decimal | None:
    """The amount of the last line that starts with `label` (totals close a document): on its line,
    or among the values of a block of labels that Document AI lists apart from them."""
    at = [n for n, line in enumerate(lines) if label.search(line)]
    if not at:
        return None
    start = at[-1]
    while start > 0 and LABEL_ONLY.match(lines[start - 1]):  # the labels listed before this one
        start -= 1
    found = labelled_value(lines[start:], label, AMOUNT_VALUE, window=3)
    return parse_money(found)


def subtotal(document: Document) -> Decimal | None:
    return _last_amount(all_lines(document), SUBTOTAL_LABEL)


def totals(lines: list[str]) -> Totals | None:
    found = Totals(
        merchandise_subtotal=_last_amount(lines, SUBTOTAL_LABEL),
        freight=_last_amount(lines, FREIGHT_LABEL),
        total=_last_amount(lines, TOTAL_LABEL),
    )
    return found if any(v is not None for v in found.model_dump().values()) else None


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
        evidence = TextEvidence(document)
        number = _entity_identifier(document, "invoice_id", evidence) or identifier(
            labelled_value(lines, INVOICE_LABEL, INVOICE_VALUE)
        )
        po_number = _entity_identifier(document, "purchase_order", evidence) or identifier(
            labelled_value(lines, PO_LABEL, INVOICE_VALUE)
        )
        date_text = labelled_value(lines, DATE_LABEL, DATE_VALUE)
        return ParsedInvoice(
            vendor=vendor_name(document, evidence),
            invoice_number=number,
            order_date=_entity_date(document, "invoice_date") or parse_date(date_text),
            po_number=po_number,
            line_items=items,
            totals=totals(lines),
            page_count=len(document.pages),
        )
