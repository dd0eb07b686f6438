"""The Creative Co-op generator's own invariants: it is the ground truth, so it is tested first.

Arithmetic is checked on the *printed* text (parsed back here with a strict row pattern), UPCs
with the extractor's independent GTIN check, text presence through the real document readers.
"""

from __future__ import annotations

import json
import math
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from invoice_processing.document import load_document
from invoice_processing.models import ParsedInvoice
from invoice_processing.quality import gtin_check_digit_ok
from test_scripts.factory import build_goldens
from test_scripts.factory.creative_coop import (
    KNOWN_PREFIXES,
    EntityNoise,
    Invoice,
    check_layout,
    expected_json,
    fmt_money,
    random_invoice,
    render_docai,
    render_pdf,
)
from test_scripts.factory.creative_coop_goldens import cs003837319, golden_files, goldens
from test_scripts.factory.creative_coop_layout import PAGE_HEIGHT, PAGE_WIDTH

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "test_invoices"
ROW = re.compile(
    r"^(?P<code>[A-Z]{2}\d{4}[A-Z]?) (?P<upc>\d{12}) (?:(?P<desc>.*) )?(?:(?P<rt>[A-Z]) )?"
    r"(?P<qo>\d+) (?P<qa>\d+) (?P<qs>\d+) (?P<qb>\d+) (?P<unit>[A-Za-z]+) "
    r"(?P<list>[\d,]+\.\d\d) (?P<your>[\d,]+\.\d\d) (?P<ext>[\d,]+\.\d\d)$"
)
TOTAL = re.compile(r"^(Merchandise Subtotal|Tariff Surcharge Total|Freight|Total) ([\d,]+\.\d\d)$")
TARIFF = re.compile(r"^Tariff Surcharge ([\d,]+\.\d\d)$")


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def sample_invoices() -> list[Invoice]:
    """A spread of random invoices, small to the 150-item maximum, with every edge switched on."""
    knobs = dict(wrap_probability=0.6, zero_probability=0.2, surcharge_probability=0.4, rt_probability=0.1)
    return [
        random_invoice(random.Random(seed), pages=pages, items=items, **knobs)
        for seed, pages, items in ((1, 1, 1), (2, 1, 8), (3, 3, 20), (4, 7, 56), (5, 15, 150))
    ]


def printed_tariffs(lines: list[str]) -> list[Decimal]:
    """Tariff amounts, on the label's line or (two-line form) on the line after it."""
    found = [amount(m[1]) for m in map(TARIFF.match, lines) if m]
    return found + [amount(lines[i + 1]) for i, line in enumerate(lines) if line == "Tariff Surcharge"]


def docai_lines(document: dict) -> list[str]:
    return load_document(json.dumps(document).encode()).text.splitlines()


# --- source data -----------------------------------------------------------------------------


def test_every_upc_has_a_valid_check_digit_and_the_vendor_prefix():
    invoices = sample_invoices() + [invoice for _, invoice, _ in goldens()]
    upcs = [item.upc for invoice in invoices for item in invoice.items]
    assert len(upcs) > 400
    assert all(upc.startswith("191009") and len(upc) == 12 and gtin_check_digit_ok(upc) for upc in upcs)


def test_product_codes_follow_the_format_and_include_new_prefixes():
    invoice = random_invoice(random.Random(11), pages=15, items=150, new_prefix_probability=0.3)
    codes = [item.product_code for item in invoice.items]
    assert all(re.fullmatch(r"[A-Z]{2}\d{4}[A-Z]?", code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert {code[:2] for code in codes} - set(KNOWN_PREFIXES), "no unseen prefix was drawn"
    assert any(code[-1].isalpha() for code in codes) and any(code[-1].isdigit() for code in codes)


@pytest.mark.parametrize("pages", [1, 2, 9, 15])
def test_the_pdf_and_every_reading_order_have_the_pages_asked_for(pages):
    invoice = random_invoice(random.Random(pages), pages=pages)
    pdf = load_document(render_pdf(invoice))
    assert len(pdf.pages) == pages
    for number, page in enumerate(pdf.pages, start=1):
        assert f"Page {number} of {pages}" in page.lines[1]
    for order in (1, 2, 3):
        document = load_document(json.dumps(render_docai(invoice, order)).encode())
        assert [p.number for p in document.pages] == list(range(1, pages + 1))
        assert all(f"Page {p.number} of {pages}" in p.lines for p in document.pages)


def test_impossible_sizes_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="pages must be 1..15, got 16"):
        random_invoice(random.Random(1), pages=16)
    with pytest.raises(ValueError, match="items must be 1..150, got 151"):
        random_invoice(random.Random(1), items=151)
    with pytest.raises(ValueError, match="cannot fill 15 pages"):
        random_invoice(random.Random(1), pages=15, items=2, wrap_probability=0, surcharge_probability=0)
    with pytest.raises(ValueError, match="do not fit on 1 pages"):
        random_invoice(random.Random(1), pages=1, items=60)


def test_the_layout_check_catches_an_overfull_page_and_a_split_tariff():
    invoice = random_invoice(
        random.Random(8), pages=2, items=12, surcharge_probability=1.0, two_line_tariff_probability=1.0
    )
    check_layout(invoice)
    lines = invoice.table_lines()
    amount_at = next(i for i, line in enumerate(lines) if line.kind == "tariff_amount")
    with pytest.raises(ValueError, match="splits a two-line tariff surcharge"):
        check_layout(Invoice(invoice.header, invoice.items, invoice.freight, (amount_at,)))
    big = random_invoice(random.Random(8), pages=3, items=24, wrap_probability=1.0)
    with pytest.raises(ValueError, match="page 1 holds"):
        check_layout(Invoice(big.header, big.items, big.freight, (len(big.table_lines()) - 1,)))


def test_generation_is_deterministic():
    first, second = (random_invoice(random.Random(77), pages=4) for _ in range(2))
    assert first == second
    assert render_pdf(first) == render_pdf(second)
    assert json.dumps(render_docai(first, 2, seed=5)) == json.dumps(render_docai(second, 2, seed=5))
    assert random_invoice(random.Random(78), pages=4) != first


# --- the printed arithmetic ------------------------------------------------------------------


@pytest.mark.parametrize("index", range(5))
def test_printed_rows_obey_the_pricing_rules_and_the_totals_reconcile(index):
    invoice = sample_invoices()[index]
    lines = docai_lines(render_docai(invoice, 2))
    rows = [m for m in map(ROW.match, lines) if m]
    assert len(rows) == len(invoice.items)
    for row in rows:
        list_price, your, ext = amount(row["list"]), amount(row["your"]), amount(row["ext"])
        assert your == (list_price * Decimal("0.8")).quantize(Decimal("0.01"))
        cancelled = int(row["qa"]) == int(row["qs"]) == int(row["qb"]) == 0
        assert ext == (0 if cancelled else your * int(row["qo"]))
        if ext >= 1000:
            assert "," in row["ext"]
    tariffs = printed_tariffs(lines)
    assert len(tariffs) == sum(item.has_tariff for item in invoice.items)
    totals = {m[1]: amount(m[2]) for m in map(TOTAL.match, lines) if m}
    assert totals["Merchandise Subtotal"] == sum(amount(r["ext"]) for r in rows)
    assert totals["Tariff Surcharge Total"] == sum(tariffs)
    assert (
        totals["Total"]
        == totals["Merchandise Subtotal"] + totals["Tariff Surcharge Total"] + totals["Freight"]
    )


def test_each_tariff_is_fifteen_percent_of_the_item_before_it():
    invoice = random_invoice(
        random.Random(21), pages=3, items=24, surcharge_probability=0.7, two_line_tariff_probability=0.0
    )
    lines = docai_lines(render_docai(invoice, 2))
    checked = 0
    last_ext = None
    for line in lines:
        if row := ROW.match(line):
            last_ext = amount(row["ext"])
        elif tariff := TARIFF.match(line):
            assert amount(tariff[1]) == (last_ext * Decimal("0.15")).quantize(Decimal("0.01"))
            checked += 1
    assert checked == sum(item.has_tariff for item in invoice.items) > 0


# --- the text reaches the documents ----------------------------------------------------------


def row_text(item) -> str:
    cells = [
        item.product_code,
        item.upc,
        item.description_lines[0],
        item.rt,
        str(item.qty_ordered),
        str(item.qty_allocated),
        str(item.qty_shipped),
        str(item.qty_backordered),
        item.unit,
        fmt_money(item.list_price),
        fmt_money(item.your_price),
        fmt_money(item.extended),
    ]
    return " ".join(cell for cell in cells if cell)


@pytest.mark.parametrize("index", range(5))
def test_every_item_is_printed_in_the_pdf_on_its_page(index):
    invoice = sample_invoices()[index]
    document = load_document(render_pdf(invoice))
    pages = invoice.pages()
    for number, (page, table) in enumerate(zip(document.pages, pages, strict=True), start=1):
        for line in table:
            item = invoice.items[line.item]
            if line.kind == "row":
                assert row_text(item) in page.lines, f"page {number}: row of {item.product_code}"
            elif line.kind == "desc":
                assert item.description_lines[line.part] in page.lines
    words = {word.text for page in document.pages for word in page.words}
    assert {item.upc for item in invoice.items} <= words


@pytest.mark.parametrize("order", [1, 2, 3])
def test_every_item_is_in_the_docai_text_in_each_reading_order(order):
    invoice = sample_invoices()[3]
    lines = docai_lines(render_docai(invoice, order))
    for item in invoice.items:
        numbers = [
            str(item.qty_ordered),
            str(item.qty_allocated),
            str(item.qty_shipped),
            str(item.qty_backordered),
            item.unit,
            fmt_money(item.list_price),
            fmt_money(item.your_price),
            fmt_money(item.extended),
        ]
        if order == 1:
            start = lines.index(item.product_code)
            assert lines[start + 1] == item.upc and lines[start + 2] == item.description_lines[0]
            at = start + 3
            for part in item.description_lines[1:]:  # continuation lines printed on the same page
                at += lines[at] == part
            if item.rt:
                assert lines[at] == item.rt
                at += 1
            assert lines[at : at + 8] == numbers
        elif order == 2:
            assert (
                " ".join(
                    [
                        item.product_code,
                        item.upc,
                        item.description_lines[0],
                        *([item.rt] if item.rt else []),
                        *numbers,
                    ]
                )
                in lines
            )
        else:
            row = " ".join([item.product_code, item.upc, *([item.rt] if item.rt else []), *numbers])
            assert lines[lines.index(row) + 1] == item.description_lines[0]
        for part in item.description_lines[1:]:
            assert part in lines


@pytest.mark.parametrize("order", [1, 2, 3])
def test_a_page_split_description_resumes_after_the_next_pages_header(order):
    invoice = cs003837319()
    table_lines = invoice.table_lines()
    split = next(b for b in invoice.page_breaks if table_lines[b].kind == "desc")
    page_number = invoice.page_breaks.index(split) + 2
    item = invoice.items[table_lines[split].item]
    document = load_document(json.dumps(render_docai(invoice, order)).encode())
    previous, page = document.pages[page_number - 2], document.pages[page_number - 1]
    heading_end = max(
        i
        for i, line in enumerate(page.lines)
        if line.startswith("Your Extd Price") or line.endswith("Your Extd Price")
    )
    assert page.lines[heading_end + 1] == item.description_lines[table_lines[split].part]
    assert item.product_code in " ".join(previous.lines)
    assert item.product_code not in " ".join(page.lines)


def test_header_labels_sit_apart_from_their_values_unless_inline():
    for layout in ("stacked", "scattered"):
        invoice = random_invoice(random.Random(4), pages=2, label_layout=layout)
        lines = docai_lines(render_docai(invoice, 1))
        label_at, value_at = lines.index("ORDER NO:"), lines.index(invoice.header.order_no)
        assert value_at - label_at >= 4
        assert lines[lines.index("ORDER DATE:") + 1] != invoice.header.order_date_text
    inline = random_invoice(random.Random(4), pages=2, label_layout="inline")
    assert f"ORDER NO: {inline.header.order_no}" in docai_lines(render_docai(inline, 3))


# --- the Document AI JSON form ---------------------------------------------------------------


def test_docai_json_uses_rest_conventions_and_anchors_cover_each_line():
    invoice = random_invoice(random.Random(12), pages=2, items=10)
    document = render_docai(invoice, 2)
    first_segment = document["pages"][0]["layout"]["textAnchor"]["textSegments"][0]
    assert "startIndex" not in first_segment and isinstance(first_segment["endIndex"], str)
    text = document["text"]
    for page in document["pages"]:
        assert set(page) == {"pageNumber", "dimension", "layout", "lines"}
        for line in page["lines"]:
            (segment,) = line["layout"]["textAnchor"]["textSegments"]
            chunk = text[int(segment.get("startIndex", "0")) : int(segment["endIndex"])]
            assert chunk.endswith("\n") and "\n" not in chunk[:-1] and chunk.strip()
    ends = [int(p["layout"]["textAnchor"]["textSegments"][0]["endIndex"]) for p in document["pages"]]
    assert ends[-1] == len(text)


def test_snake_case_json_has_no_camel_keys_and_reads_the_same():
    invoice = random_invoice(random.Random(13), pages=2, items=10)
    camel, snake = render_docai(invoice, 1), render_docai(invoice, 1, snake_case=True)
    dumped = json.dumps(snake)
    assert '"text_anchor"' in dumped and '"text_segments"' in dumped and '"page_number"' in dumped
    assert not re.search(r'"[a-z]+[A-Z][A-Za-z]*":', dumped)
    a, b = load_document(json.dumps(camel).encode()), load_document(json.dumps(snake).encode())
    assert [p.lines for p in a.pages] == [p.lines for p in b.pages]
    assert [(e.type, e.mention_text) for e in a.entities] == [(e.type, e.mention_text) for e in b.entities]


def test_line_item_entities_are_as_unreliable_as_asked():
    invoice = random_invoice(random.Random(14), pages=3, items=24)
    truthful = EntityNoise(
        drop=0, merge=0, quantity_is_backordered=0, unit_price_is_list=0, invoice_id_missing=0
    )
    items = [e for e in render_docai(invoice, 1, noise=truthful)["entities"] if e["type"] == "line_item"]
    assert [e["properties"][0]["mentionText"] for e in items] == [i.product_code for i in invoice.items]
    assert any(e["type"] == "invoice_id" for e in render_docai(invoice, 1, noise=truthful)["entities"])

    lying = EntityNoise(
        drop=0, merge=0, quantity_is_backordered=1, unit_price_is_list=1, invoice_id_missing=1
    )
    entities = render_docai(invoice, 1, noise=lying)["entities"]
    assert not any(e["type"] == "invoice_id" for e in entities)
    for entity, item in zip((e for e in entities if e["type"] == "line_item"), invoice.items, strict=True):
        props = {p["type"]: p["mentionText"] for p in entity["properties"]}
        assert props["line_item/quantity"] == str(item.qty_backordered)
        assert props["line_item/unit_price"] == fmt_money(item.list_price)

    merged = render_docai(invoice, 1, noise=EntityNoise(merge=1, drop=0))["entities"]
    assert len([e for e in merged if e["type"] == "line_item"]) == len(invoice.items) // 2
    dropped = render_docai(invoice, 1, noise=EntityNoise(drop=1, merge=0))["entities"]
    assert not [e for e in dropped if e["type"] == "line_item"]


# --- expected.json ---------------------------------------------------------------------------


def test_expected_json_is_the_source_data_in_the_extract_shape():
    invoice = random_invoice(
        random.Random(15), pages=2, items=14, vendor_name="Creative-Coop", wrap_probability=1.0
    )
    expected = expected_json(invoice)
    parsed = ParsedInvoice.model_validate(expected)
    assert parsed.vendor == "Creative Co-op" and parsed.invoice_number == invoice.header.order_no
    assert expected["order_date"] == invoice.header.order_date.isoformat()
    assert expected["page_count"] == 2 and len(parsed.line_items) == 14
    for row, item in zip(expected["line_items"], invoice.items, strict=True):
        assert row["description"] == " ".join(item.description_lines) and "  " not in row["description"]
        assert re.fullmatch(r"\d+\.\d\d", row["unit_price"]) and re.fullmatch(
            r"\d+\.\d\d", row["extended_price"]
        )
        assert Decimal(row["extended_price"]) == Decimal(row["unit_price"]) * row["qty_ordered"]
    assert Decimal(expected["totals"]["merchandise_subtotal"]) == sum(
        Decimal(r["extended_price"]) for r in expected["line_items"]
    )


# --- the golden set --------------------------------------------------------------------------


def test_cs003837319_is_a_faithful_reconstruction():
    invoice = cs003837319()
    expected = expected_json(invoice)
    assert invoice.page_count == 15 and 130 <= len(invoice.items) <= 135
    assert expected["invoice_number"] == "CS003837319" and expected["order_date"] == "2025-01-17"
    assert expected["document_kind"] == "order_confirmation"
    assert expected["line_items"][0] == {
        "product_code": "XS9826A",
        "upc": "191009727774",
        "description": '6"H Metal Ballerina Ornament, Sage',
        "qty_ordered": 24,
        "qty_allocated": 0,
        "qty_shipped": 0,
        "qty_backordered": 24,
        "unit": "each",
        "list_price": "2.00",
        "unit_price": "1.60",
        "extended_price": "38.40",
        "page": 1,
    }
    assert sum(item.cancelled for item in invoice.items) == 3
    assert any(len(item.description_lines) == 4 for item in invoice.items)
    lines = invoice.table_lines()
    assert sum(lines[b].kind == "desc" for b in invoice.page_breaks) >= 2
    # the old fallback's signature ($1.60 x 24 on many rows) must not be the truth itself
    assert sum((i.your_price, i.qty_ordered) == (Decimal("1.60"), 24) for i in invoice.items) < 8
    assert invoice.furniture.footer and invoice.header.division == "Creative Co-Op Seasonal"


FACTS = json.loads(
    (Path(__file__).resolve().parent / "factory" / "creative_coop_real_documents.json").read_text()
)
SHARED_FACTS = Path("/work/shared/data/creative-coop-real-documents.json")


@pytest.mark.skipif(not SHARED_FACTS.is_file(), reason="the shared facts are not on this machine")
def test_the_factory_copy_of_the_real_facts_is_the_shared_one():
    assert json.loads(SHARED_FACTS.read_text()) == FACTS


def _rows_by_code(name: str) -> dict[str, dict]:
    rows = json.loads((GOLDEN_DIR / f"{name}.expected.json").read_text())["line_items"]
    by_code = {row["product_code"]: row for row in rows}
    assert len(by_code) == len(rows), "a product code is printed twice"
    return by_code


def test_the_cs003837319_golden_agrees_with_every_known_fact():
    facts = FACTS["CS003837319"]
    expected = json.loads((GOLDEN_DIR / "cs003837319.expected.json").read_text())
    assert expected["page_count"] == facts["pages"] and expected["order_date"] == facts["order_date"]
    rows = _rows_by_code("cs003837319")
    for fact in facts["rows_with_every_column"]:
        row = rows[fact["product_code"]]
        assert row["description"].startswith(fact["description_start"])
        assert (row["upc"], row["unit"]) == (fact["upc"], fact["unit"])
        got = [row[k] for k in ("qty_ordered", "qty_allocated", "qty_shipped", "qty_backordered")]
        assert got == [fact[k] for k in ("qty_ord", "qty_alloc", "qty_shipped", "qty_bkord")]
        assert (row["list_price"], row["unit_price"], row["extended_price"]) == (
            fact["list_price"],
            fact["your_price"],
            fact["extended"],
        )
    for fact in facts["known_rows"]:
        row = rows[fact["product_code"]]
        assert row["upc"] == fact["upc"] and row["unit_price"] == fact["your_price"]
        assert fact["description_contains"] in row["description"]
        assert row["qty_ordered"] == fact["sheet_qty"]
        assert row["qty_allocated"] + row["qty_backordered"] > 0, "a known sheet row must not be cancelled"
    for code in facts["no_sheet_row"]:
        row = rows[code]
        assert row["qty_ordered"] > 0 and row["extended_price"] == "0.00"
        assert row["qty_allocated"] == row["qty_shipped"] == row["qty_backordered"] == 0
    cancelled = [c for c, r in rows.items() if r["qty_ordered"] > 0 and r["extended_price"] == "0.00"]
    assert sorted(cancelled) == sorted(facts["no_sheet_row"])
    tariffs = {f["product_code"]: f["tariff"] for f in facts["rows_with_every_column"] if "tariff" in f}
    text = docai_lines(json.loads((GOLDEN_DIR / "cs003837319.docai.json").read_text()))
    for code, amount_text in tariffs.items():
        at = next(i for i, line in enumerate(text) if line == code)
        following = text[at : at + 16]
        assert "Tariff Surcharge " + amount_text in following or amount_text in following


def test_the_ci004848705_golden_agrees_with_every_known_fact():
    facts = FACTS["CI004848705"]
    expected = json.loads((GOLDEN_DIR / "ci004848705.expected.json").read_text())
    assert expected["document_kind"] == "invoice" and expected["invoice_number"] == "CI004848705"
    assert expected["order_number"].startswith("CS") and expected["order_number"] != "CI004848705"
    codes = [row["product_code"] for row in expected["line_items"]]
    assert codes == [fact["product_code"] for fact in facts["rows"]] and len(codes) == facts["products"]
    rows = _rows_by_code("ci004848705")
    names = {"qty_bkord": "qty_backordered", "your_price": "unit_price", "extended": "extended_price"}
    for fact in facts["rows"]:
        row = rows[fact["product_code"]]
        for key, value in fact.items():
            if key in ("product_code", "note"):
                continue
            assert row[names.get(key, key)] == value, (fact["product_code"], key)
        assert row["qty_ordered"] == row["qty_shipped"] + row["qty_backordered"]
        assert row["qty_allocated"] is None
    assert rows["DF7838A"]["unit_price"] == "4.80"  # lost from the page, determined by 115.20 / 24
    document = json.loads((GOLDEN_DIR / "ci004848705.docai.json").read_text())
    text = document["text"]
    assert "TRF-CCOI" in text and "\nlo\n" in text and "INVOICE NO:" in text
    assert all(page["tokens"] for page in document["pages"])
    # the lost price is lost in both renderings: DF7838A's numbers carry 6.00 and 115.20, not 4.80
    pdf_pages = load_document((GOLDEN_DIR / "ci004848705.pdf").read_bytes()).pages
    pdf_words = next(p for p in pdf_pages if any(w.text == "DF7838A" for w in p.words)).words
    code = next(w for w in pdf_words if w.text == "DF7838A")
    row = [w.text for w in pdf_words if abs(w.bottom - code.bottom) < 1 and w.x0 > 300]
    assert row == ["24", "0", "each", "6.00", "115.20"]
    assert "lo" in [w.text for p in pdf_pages for w in p.words]
    # column blocks: the quoted DF6360 description line sits between codes, its numbers elsewhere
    lines = text.splitlines()
    at = lines.index("DF6360")
    assert lines[at + 1 : at + 3] == [
        "191009487548",
        'S/3 4-1/4"H Stoneware Sugar Pot w/ Lid, Spoon & Creamer',
    ]
    assert not re.fullmatch(r"\d+", lines[at + 3])


def test_tokens_sit_where_the_pdf_prints_each_word():
    invoice = random_invoice(
        random.Random(9),
        pages=2,
        items=14,
        kind="invoice",
        blank_probability=0.3,
        drop_probability=0.2,
        noise_token_probability=0.2,
        footer_probability=1,
        continued_probability=1,
        stamp_probability=1,
        note_probability=1,
    )
    pdf = load_document(render_pdf(invoice))
    document = render_docai(invoice, 4, tokens=True, seed=3)
    text = document["text"]
    for page, docai_page in zip(pdf.pages, document["pages"], strict=True):
        tokens = []
        for token in docai_page["tokens"]:
            segment = token["layout"]["textAnchor"]["textSegments"][0]
            word = text[int(segment.get("startIndex", 0)) : int(segment["endIndex"])]
            corner = token["layout"]["boundingPoly"]["normalizedVertices"][0]
            tokens.append((word.strip(), corner["x"] * page.width, corner["y"] * page.height))
        assert sorted(t[0] for t in tokens) == sorted(w.text for w in page.words)
        for word in page.words:
            assert any(
                t[0] == word.text and abs(t[1] - word.x0) < 1 and abs(t[2] - word.top) < 5 for t in tokens
            )


def test_the_edge_case_goldens_cover_what_they_are_named_for():
    by_name = {name: (invoice, renderings) for name, invoice, renderings in goldens()}
    assert by_name["ci004848705"][0].kind == "invoice"
    noisy = by_name["cc-noisy-invoice"][0]
    assert noisy.kind == "invoice" and noisy.furniture.footer and noisy.furniture.stamps
    assert sum(i.blank_zeros for i in noisy.items) >= 5 and sum(bool(i.rt_noise) for i in noisy.items) >= 3
    assert {i.dropped for i in noisy.items} >= {"your_price", ""}
    furnished = by_name["cc-furniture-text"][0]
    assert furnished.furniture.continued and furnished.furniture.note and furnished.furniture.stamps
    assert any(i.dropped and i.extended == 0 for i in furnished.items), "a lost price nothing determines"
    one_page, _ = by_name["cc-one-page-invoice"]
    assert one_page.page_count == 1 and one_page.header.title == "INVOICE"
    assert by_name["cc-far-labels"][0].header.label_layout == "scattered"
    zeros = by_name["cc-many-zero-rows"][0]
    assert sum(i.qty_ordered == 0 for i in zeros.items) >= len(zeros.items) / 4
    tariffs = by_name["cc-two-line-tariffs"][0]
    assert sum(i.tariff_two_lines for i in tariffs.items) >= 10
    assert {inv.header.vendor_name for inv, _ in by_name.values()} >= {
        "Creative Co-op",
        "Creative Co-op, Inc.",
        "Creative Coop",
        "Creative-Coop",
    }
    renderings = [r for _, rs in by_name.values() for r in rs]
    assert {r.order for r in renderings if r.kind == "docai"} == {1, 2, 3, 4}
    assert any(r.snake_case for r in renderings) and any(r.kind == "pdf" for r in renderings)


def test_the_committed_golden_files_are_what_the_generator_writes():
    files = golden_files()
    stale = [
        name
        for name, data in files.items()
        if not (GOLDEN_DIR / name).is_file() or (GOLDEN_DIR / name).read_bytes() != data
    ]
    assert not stale, f"regenerate with `python -m test_scripts.factory.build_goldens`: {stale}"
    assert sum(len(data) for data in files.values()) < 5_000_000


def test_build_goldens_writes_once_then_reports_everything_unchanged(tmp_path):
    runner = CliRunner()
    first = runner.invoke(build_goldens.main, ["--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    count = len(list(tmp_path.iterdir()))
    assert first.output.endswith(f"{count} written, 0 unchanged in {tmp_path}\n")
    snapshot = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = runner.invoke(build_goldens.main, ["--out", str(tmp_path)])
    assert second.exit_code == 0
    assert second.output == f"0 written, {count} unchanged in {tmp_path}\n"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == snapshot


def test_build_goldens_refuses_an_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "not-a-dir"
    target.write_text("keep me")
    result = CliRunner().invoke(build_goldens.main, ["--out", str(target)])
    assert result.exit_code == 2
    assert "is a file" in result.output
    assert target.read_text() == "keep me"


def _unknown_keys(value, schema: dict, schemas: dict, where: str = "") -> list[str]:
    """Keys of `value` that the discovery document's schema does not define (recursively)."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    if isinstance(value, list):
        return [
            k for i, v in enumerate(value) for k in _unknown_keys(v, schema.get("items", {}), schemas, where)
        ]
    if not isinstance(value, dict) or "properties" not in schema:
        if "enum" in schema:
            return [] if value in schema["enum"] else [f"{where}={value!r}"]
        return []
    out = []
    for key, item in value.items():
        if key not in schema["properties"]:
            out.append(f"{where}.{key}")
        else:
            out += _unknown_keys(item, schema["properties"][key], schemas, f"{where}.{key}")
    return out


def test_docai_json_with_tokens_uses_only_what_the_documentai_v1_schema_defines():
    import googleapiclient

    discovery = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "documentai.v1.json"
    schemas = json.loads(discovery.read_text())["schemas"]
    invoice = random_invoice(
        random.Random(12), pages=2, items=12, kind="invoice", footer_probability=1, stamp_probability=1
    )
    for order in (1, 4):
        document = render_docai(invoice, order, tokens=True)
        assert document["pages"][0]["tokens"]
        assert _unknown_keys(document, {"$ref": "GoogleCloudDocumentaiV1Document"}, schemas) == []


def test_the_field_comparison_counts_wrong_missing_and_spurious_items():
    from test_scripts.factory.creative_coop_compare import FieldScore, compare

    truth = expected_json(random_invoice(random.Random(21), pages=1, items=3))
    assert compare(truth, truth).differences == [] and compare(truth, truth).accuracy == 1.0
    per_item = len(truth["line_items"][0])
    wrong = json.loads(json.dumps(truth))
    wrong["line_items"][1]["unit_price"] = "9.99"
    wrong["line_items"].append({**wrong["line_items"][0], "product_code": "ZZ0000"})
    del wrong["line_items"][2]
    score = compare(truth, wrong)
    assert (score.missing_items, score.spurious_items) == (1, 1)
    assert score.total == compare(truth, truth).total + per_item
    assert score.correct == compare(truth, truth).correct - 1 - per_item
    failed = compare(truth, None)
    assert failed.correct == 0 and not failed.invoice_number_ok
    with pytest.raises(ValueError, match="nothing was compared"):
        _ = FieldScore().accuracy


def test_a_skewed_scan_turns_every_token_about_the_page_centre():
    invoice = random_invoice(random.Random(31), pages=1, items=4)
    straight = render_docai(invoice, 2, tokens=True, seed=1)["pages"][0]["tokens"]
    turned = render_docai(invoice, 2, tokens=True, seed=1, skew=0.5)["pages"][0]["tokens"]
    sin = math.sin(math.radians(0.5))
    for before, after in zip(straight, turned, strict=True):
        (p, q) = (t["layout"]["boundingPoly"]["normalizedVertices"][0] for t in (before, after))
        dx = (p["x"] - 0.5) * PAGE_WIDTH
        assert abs((q["y"] - p["y"]) * PAGE_HEIGHT - dx * sin) < 0.3
    assert before["layout"]["textAnchor"] == after["layout"]["textAnchor"]
