"""Splitting a long PDF for Document AI's 15-page limit and merging the answers back."""

from __future__ import annotations

from invoice_processing.document import parse_docai
from invoice_processing.service.parsers import merge_documents
from invoice_processing.service.pdf_tools import page_count, split_pdf


def _doc(lines_per_page: list[list[str]], entity_line: tuple[int, int] | None = None) -> dict:
    """A REST Document whose pages and lines anchor into its text, as Document AI returns them."""
    text, pages = "", []
    for number, lines in enumerate(lines_per_page, start=1):
        start, anchors = len(text), []
        for line in lines:
            anchors.append(
                {
                    "layout": {
                        "textAnchor": {
                            "textSegments": [
                                {"startIndex": str(len(text)), "endIndex": str(len(text) + len(line) + 1)}
                            ]
                        }
                    }
                }
            )
            text += line + "\n"
        seg = (
            {"endIndex": str(len(text))}
            if start == 0
            else {"startIndex": str(start), "endIndex": str(len(text))}
        )
        pages.append(
            {"pageNumber": number, "layout": {"textAnchor": {"textSegments": [seg]}}, "lines": anchors}
        )
    document = {"text": text, "pages": pages, "entities": []}
    if entity_line:
        page, line = entity_line
        segment = pages[page]["lines"][line]["layout"]["textAnchor"]
        document["entities"].append(
            {"type": "invoice_id", "textAnchor": segment, "pageAnchor": {"pageRefs": [{}]}}
        )
    return document  # fmt: skip


def test_merged_document_reads_like_one_document():
    first = _doc([["ORDER NO: CS000000001", "page one"], ["page two a", "page two b"]])
    second = _doc([["page three"], ["page four", "last line"]], entity_line=(1, 1))
    merged = merge_documents([first, second])

    assert merged["text"] == first["text"] + second["text"]
    assert [p["pageNumber"] for p in merged["pages"]] == [1, 2, 3, 4]
    document = parse_docai(merged)
    assert [page.lines for page in document.pages] == [
        ["ORDER NO: CS000000001", "page one"],
        ["page two a", "page two b"],
        ["page three"],
        ["page four", "last line"],
    ]
    entity = merged["entities"][0]
    segment = entity["textAnchor"]["textSegments"][0]
    assert merged["text"][int(segment["startIndex"]) : int(segment["endIndex"])] == "last line\n"
    assert entity["pageAnchor"]["pageRefs"][0]["page"] == "2"  # page 1 (0-based, absent) of the second part
    assert document.entities[0].mention_text == "last line\n"


def test_single_part_is_returned_as_is():
    only = _doc([["a"]])
    assert merge_documents([only]) is only


def test_split_pdf_keeps_every_page_in_order(reference):
    chunks = split_pdf(reference.pdf, 4)
    assert [page_count(c) for c in chunks] == [4, 4, 4, 3]
    assert split_pdf(reference.pdf, 15) == [reference.pdf]
