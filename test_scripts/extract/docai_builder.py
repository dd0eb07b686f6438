"""Document AI JSON for tests: text in a chosen reading order, with or without tokens placed like a
printed Creative Co-op page.

A page is a list of cells (a phrase at a position) in the order Document AI's text gives them;
`document(...)` writes `text` from that order and, with tokens, one `pages[].tokens[]` entry per
word with its `textAnchor` into `text` and its `normalizedVertices` on a US Letter page (the shape
Document AI's REST JSON has: int64 indexes as strings, `startIndex` left out when 0).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PAGE_W, PAGE_H = 612.0, 792.0
FONT = 7.0
CHAR_W = FONT * 0.5  # a rough Helvetica advance: positions only need to be plausible
PITCH = 11.0
SHARED = Path("/work/shared/data/creative-coop-real-documents.json")


def shared_facts() -> dict:
    return json.loads(SHARED.read_text())


@dataclass(frozen=True)
class Cell:
    text: str
    x: float  # left edge, points
    y: float  # top, points

    @classmethod
    def right(cls, text: str, right: float, y: float) -> Cell:
        return cls(text, right - len(text) * CHAR_W, y)


def _anchor(start: int, end: int) -> dict:
    segment = {"endIndex": str(end)}
    if start:
        segment["startIndex"] = str(start)
    return {"textSegments": [segment]}


def _box(x0: float, top: float, x1: float, bottom: float) -> dict:
    corners = ((x0, top), (x1, top), (x1, bottom), (x0, bottom))
    return {"normalizedVertices": [{"x": x / PAGE_W, "y": y / PAGE_H} for x, y in corners]}


def document(pages: list[list[Cell]], tokens: bool) -> dict:
    text = ""
    out_pages = []
    for number, cells in enumerate(pages, 1):
        page_start = len(text)
        page_tokens = []
        for cell in cells:
            offset = len(text)
            text += cell.text + "\n"
            position = 0
            for word in cell.text.split():
                at = cell.text.index(word, position)
                position = at + len(word)
                x0 = cell.x + at * CHAR_W
                page_tokens.append(
                    {
                        "layout": {
                            "textAnchor": _anchor(offset + at, offset + position),
                            "boundingPoly": _box(x0, cell.y, x0 + len(word) * CHAR_W, cell.y + FONT),
                        }
                    }
                )
        page = {
            "pageNumber": number,
            "dimension": {"width": PAGE_W, "height": PAGE_H, "unit": "points"},
            "layout": {"textAnchor": _anchor(page_start, len(text))},
        }
        if tokens:
            page["tokens"] = page_tokens
        out_pages.append(page)
    return {"mimeType": "application/pdf", "text": text, "pages": out_pages}


def text_document(pages: list[list[str]]) -> dict:
    """Text only, one line per string: what the domain doc quotes, with no positions."""
    return document([[Cell(line, 0, 0) for line in page] for page in pages], tokens=False)


def as_bytes(doc: dict) -> bytes:
    return json.dumps(doc).encode()


# --- a Creative Co-op invoice page laid out like the printed one --------------------------------

#: Left edges of the invoice's columns (Qty Shipped / Qty BkOrd instead of four quantities).
INVOICE_X = {"code": 24, "upc": 68, "desc": 124, "rt": 236, "ship": 264, "bk": 300, "um": 336,
             "list": 380, "your": 440, "extd": 510}  # fmt: skip
INVOICE_TITLES = (("code", "Product", "Code"), ("upc", "UPC", ""), ("desc", "Description", ""), ("rt", "RT", ""),
                  ("ship", "Qty", "Shipped"), ("bk", "Qty", "BkOrd"), ("um", "U/M", ""), ("list", "List", "Price"),
                  ("your", "Your", "Price"), ("extd", "Your", "Extd Price"))  # fmt: skip
NUMERIC = ("ship", "bk", "list", "your", "extd")
RIGHT_EDGE = {"ship": 294, "bk": 330, "list": 420, "your": 480, "extd": 580}
TABLE_TOP = 190.0


@dataclass
class Row:
    """One printed table row: cells by column key; `desc` may wrap over several lines."""

    cells: dict[str, str]
    desc: tuple[str, ...] = ()

    def placed(self, y: float) -> tuple[list[Cell], list[Cell], float]:
        """(left cells: code, UPC, description lines), (right cells: RT and numbers), next y."""
        left = [Cell(self.cells[k], INVOICE_X[k], y) for k in ("code", "upc") if self.cells.get(k)]
        left += [Cell(line, INVOICE_X["desc"], y + PITCH * n) for n, line in enumerate(self.desc)]
        right = []
        for key in ("rt", "ship", "bk", "um", "list", "your", "extd"):
            value = self.cells.get(key)
            if value:
                right.append(
                    Cell.right(value, RIGHT_EDGE[key], y)
                    if key in NUMERIC
                    else Cell(value, INVOICE_X[key], y)
                )
        return left, right, y + PITCH * max(1, len(self.desc))


def invoice_header(number: int, count: int, labels: dict[str, str]) -> list[Cell]:
    """Title, page mark, labels at x=400 and their values in a column at x=470, column titles."""
    cells = [
        Cell("Creative Co-op", 24, 30),
        Cell("INVOICE", 520, 30),
        Cell(f"Page {number} of {count}", 520, 44),
    ]
    for row, (label, value) in enumerate(labels.items()):
        cells += [Cell(label, 400, 70 + 10 * row), Cell(value, 470, 70 + 10 * row)]
    for key, top, bottom in INVOICE_TITLES:
        cells.append(Cell(top, INVOICE_X[key], TABLE_TOP - 20))
        if bottom:
            cells.append(Cell(bottom, INVOICE_X[key], TABLE_TOP - 12))
    return cells
