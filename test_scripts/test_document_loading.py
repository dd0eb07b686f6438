"""Document AI JSON and PDF -> the one Document model; bad input refused with a clear error."""

import io
import json

import pytest
from reportlab.pdfgen import canvas

from invoice_processing.document import load_document, parse_docai
from invoice_processing.errors import UnreadableDocument, UnsupportedFormat

TEXT = "ORDER NO:\nCS003837319\nXS9826A\n191009727774\n"


def rest_document() -> dict:
    # REST form: camelCase, int64 indices as strings, startIndex omitted when it is 0.
    return {
        "text": TEXT,
        "pages": [
            {
                "pageNumber": 1,
                "dimension": {"width": 612, "height": 792},
                "layout": {"textAnchor": {"textSegments": [{"endIndex": str(len(TEXT))}]}},
                "tokens": [
                    {
                        "layout": {
                            "textAnchor": {"textSegments": [{"startIndex": "22", "endIndex": "29"}]},
                            "boundingPoly": {
                                "normalizedVertices": [{"x": 0.1, "y": 0.5}, {"x": 0.2, "y": 0.52}]
                            },
                        }
                    }
                ],
            }
        ],
        "entities": [
            {"type": "invoice_id", "mentionText": "CS003837319", "confidence": 0.9},
            {
                "type": "line_item",
                "textAnchor": {"textSegments": [{"startIndex": "22", "endIndex": "42"}]},
                "properties": [{"type": "line_item/product_code", "mentionText": "XS9826A"}],
            },
        ],
    }


def test_rest_json_pages_lines_words_and_entities():
    doc = load_document(json.dumps(rest_document()).encode())
    assert doc.origin == "docai"
    assert doc.pages[0].lines == ["ORDER NO:", "CS003837319", "XS9826A", "191009727774"]
    word = doc.pages[0].words[0]
    assert word.text == "XS9826A"
    assert (round(word.x0), round(word.top), round(word.x1)) == (61, 396, 122)
    assert doc.entities_of("invoice_id")[0].mention_text == "CS003837319"
    line_item = doc.entities_of("line_item")[0]
    assert line_item.mention_text == "XS9826A\n191009727774"
    assert line_item.prop("line_item/product_code").mention_text == "XS9826A"


def test_snake_case_and_process_response_wrapper():
    snake = {
        "document": {
            "text": TEXT,
            "pages": [
                {
                    "page_number": 1,
                    "layout": {"text_anchor": {"text_segments": [{"start_index": 10, "end_index": 21}]}},
                }
            ],
            "entities": [{"type_": "invoice_id", "mention_text": "CS003837319"}],
        }
    }
    doc = parse_docai(snake)
    assert doc.pages[0].lines == ["CS003837319"]
    assert doc.entities[0].type == "invoice_id"


def test_document_without_pages_is_one_page_of_text():
    doc = parse_docai({"text": TEXT})
    assert [p.number for p in doc.pages] == [1]
    assert list(doc.lines())[1] == (1, "CS003837319")


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", UnreadableDocument, "empty"),
        (b"   \n", UnreadableDocument, "empty"),
        (b"GIF89a....", UnsupportedFormat, "not a PDF"),
        (b"{not json", UnreadableDocument, "not valid JSON"),
        (b"[1, 2]", UnreadableDocument, "JSON object"),
        (b'{"text": ""}', UnreadableDocument, "no text"),
        (
            b'{"text": "x", "pages": [{"layout": {"textAnchor": {"textSegments": [{"endIndex": "zz"}]}}}]}',
            UnreadableDocument,
            "malformed",
        ),
        (b"%PDF-1.4\n garbage", UnreadableDocument, "damaged"),
    ],
)
def test_bad_input_is_refused_clearly(data, error, message):
    with pytest.raises(error, match=message):
        load_document(data)


def _token(start: int, end: int, poly: dict, snake: bool = False) -> dict:
    if snake:
        segment = {"start_index": start, "end_index": end}
        return {"layout": {"text_anchor": {"text_segments": [segment]}, "bounding_poly": poly}}
    segment = {"startIndex": str(start), "endIndex": str(end)}
    return {"layout": {"textAnchor": {"textSegments": [segment]}, "boundingPoly": poly}}


def _corners(x0: float, top: float, x1: float, bottom: float) -> list[dict]:
    return [{"x": x0, "y": top}, {"x": x1, "y": top}, {"x": x1, "y": bottom}, {"x": x0, "y": bottom}]


def _tokens_document(tokens: list[dict], dimension: dict | None = None) -> dict:
    page = {"pageNumber": 1, "tokens": tokens}
    if dimension is not None:
        page["dimension"] = dimension
    return {"text": TEXT, "pages": [page]}


# XS9826A (text[22:29]) at x 0.1-0.2, y 0.5-0.52 of a US Letter page: 61.2-122.4 pt, 396-411.84 pt
XS9826A = ("XS9826A", 61.2, 396.0, 122.4, 411.84)
LETTER = {"width": 612, "height": 792}


def _words(document) -> list[tuple]:
    return [
        (w.text, round(w.x0, 6), round(w.top, 6), round(w.x1, 6), round(w.bottom, 6))
        for w in document.pages[0].words
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda d: json.dumps(d).encode(),
        lambda d: b"\xef\xbb\xbf" + json.dumps(d).encode(),  # a BOM
        lambda d: json.dumps(d).encode("utf-16"),
        lambda d: json.dumps({"document": d}).encode(),  # a ProcessResponse
        lambda d: d,  # what the Document AI client returns, as a dict
    ],
    ids=["rest", "bom", "utf-16", "process-response", "dict"],
)
def test_token_positions_read_alike_from_every_encoding(encode):
    document = _tokens_document(
        [_token(22, 29, {"normalizedVertices": _corners(0.1, 0.5, 0.2, 0.52)})], LETTER
    )
    assert _words(parse_docai(encode(document))) == [XS9826A]


def test_token_positions_from_pixels_snake_case_and_missing_coordinates():
    pixels = _token(22, 29, {"vertices": _corners(61.2, 396, 122.4, 411.84)})
    assert _words(parse_docai(_tokens_document([pixels], LETTER))) == [XS9826A]
    assert _words(parse_docai(_tokens_document([pixels]))) == []  # pixels without a page size: no place
    snake = _token(22, 29, {"normalized_vertices": _corners(0.1, 0.5, 0.2, 0.52)}, snake=True)
    snake_document = {"text": TEXT, "pages": [{"page_number": 1, "dimension": LETTER, "tokens": [snake]}]}
    assert _words(parse_docai(snake_document)) == [XS9826A]
    # proto3 JSON leaves out a coordinate that is 0: the box starts at the page's corner
    corner = _token(22, 29, {"normalizedVertices": [{}, {"x": 0.1}, {"x": 0.1, "y": 0.02}, {"y": 0.02}]})
    assert _words(parse_docai(_tokens_document([corner], LETTER))) == [("XS9826A", 0.0, 0.0, 61.2, 15.84)]


@pytest.mark.parametrize(
    ("data", "place"),
    [
        (
            b'{"text": "x", "pages": [{"tokens": "abc"}]}',
            "Expected `array | null`, got `str` - at `$.pages[0].tokens`",
        ),
        (
            b'{"text": "x", "pages": [{"tokens": [{"layout": {"boundingPoly": {"normalizedVertices": [{"x": []}]}}}]}]}',
            "Expected `float | null`, got `array` - at `$.pages[0].tokens[0].layout.boundingPoly.normalizedVertices[0].x`",
        ),
        (
            b'{"text": "x", "pages": [{"page_number": {}}]}',
            "Expected `int | null`, got `object` - at `$.pages[0].page_number`",
        ),
    ],
)
def test_a_malformed_document_is_refused_with_the_place(data, place):
    with pytest.raises(UnreadableDocument) as refused:
        load_document(data)
    assert str(refused.value) == f"malformed Document AI document: {place}"


def _pdf(draw, **kwargs) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, 792), **kwargs)
    draw(c)
    c.save()
    return buf.getvalue()


def test_pdf_words_keep_positions_and_rows_rebuild_by_position():
    def draw(c):
        c.setFont("Helvetica", 8)
        # Drawn out of visual order: the loader must sort by position, not by drawing order.
        c.drawString(300, 700, "24")
        c.drawString(40, 700, "XS9826A")
        c.drawString(100, 700, '6"H Metal Ballerina Ornament,')
        c.drawString(100, 690, "Sage")
        c.drawRightString(560, 700, "1,440.00")

    doc = load_document(_pdf(draw))
    assert doc.origin == "pdf" and doc.has_positions
    assert doc.pages[0].lines == ['XS9826A 6"H Metal Ballerina Ornament, 24 1,440.00', "Sage"]
    code = next(w for w in doc.pages[0].words if w.text == "XS9826A")
    assert 39 <= code.x0 <= 41 and 80 <= code.top < code.bottom <= 95  # baseline 92 pt from the top


def test_pdf_without_text_layer_is_unreadable():
    with pytest.raises(UnreadableDocument, match="no text layer"):
        load_document(_pdf(lambda c: c.rect(10, 10, 100, 100)))


def test_encrypted_pdf_is_unreadable():
    def draw(c):
        c.drawString(40, 700, "secret")

    with pytest.raises(UnreadableDocument, match="encrypted"):
        load_document(_pdf(draw, encrypt="user-password"))


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableDocument, match="cannot read"):
        load_document(tmp_path / "nope.pdf")
