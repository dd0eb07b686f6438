"""Line items from positioned words (a PDF's, or Document AI's tokens): the table by its columns.

Each page's column header gives the columns (layout.find_columns). A row with a product code in
the Product Code column starts an item; its cells are read column by column, so a blank cell is a
0 (quantities) or a value the page does not give (prices), and a stray mark in the RT column is
nobody's. Rows below it continue its description only when they are description text by position:
every word in the Description column, none running past it, starting where the item's description
starts, and right below the item's last line (or, after a page break, right below the next page's
column header). Anything else on the page (footers, notes, stamps, `Continued`, whatever their
wording) is skipped without ending the item (a `Tariff Surcharge` line does end it), so a description cut by a page break still continues
on the next page. A `TRF-…` row is a tariff, never an item; the totals block ends the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...document import Document, Word
from ...layout import ColumnSet, find_columns, row_text
from .patterns import (
    COLUMNS,
    TARIFF_CODE,
    TARIFF_LINE,
    TOTALS_START,
    UNIT,
    is_code,
    is_money,
    is_quantity,
    to_int,
    to_money,
)
from .rows import QUANTITY_FIELDS, Cells

TEXT_COLUMNS = ("Product Code", "UPC", "Description")
QUANTITY_COLUMNS = {
    "qty_ordered": "Qty Ord",
    "qty_allocated": "Qty Alloc",
    "qty_shipped": "Qty Shipped",
    "qty_backordered": "Qty BkOrd",
}
PRICE_COLUMNS = {"list_price": "List Price", "your_price": "Your Price", "extended": "Your Extd Price"}
#: A description's next line sits right below its previous one: the space between them is less
#: than this many line heights (a skipped line means something else, a stamp or a note).
MAX_LINE_GAP = 1.2
#: After a page break, at most this many header heights below the column header.
MAX_GAP_AFTER_HEADER = 3.0


def find_table(rows: list[list[Word]]) -> tuple[int, ColumnSet] | None:
    return find_columns(rows, COLUMNS, ("upc", "description"), TEXT_COLUMNS)


def _first(words: list[Word] | None, test) -> str | None:  # noqa: ANN001 - a token predicate
    for word in words or ():
        if test(word.text):
            return word.text
    return None


def _is_unit(text: str) -> bool:
    return bool(UNIT.match(text))


def _is_upc(text: str) -> bool:
    return text.isdigit() and len(text) == 12


def read_cells(cells: dict[str, list[Word]], columns: ColumnSet, kind: str, page: int) -> Cells | None:
    """A product row's cells (its words by column); None when the row has no unit and no price."""
    code = _first(cells.get("Product Code"), is_code)
    if code is None:
        return None
    quantities: dict[str, int | None] = {}
    for name in QUANTITY_FIELDS[kind]:
        column = QUANTITY_COLUMNS[name]
        if not columns.has(column):
            quantities[name] = None
            continue
        value = _first(cells.get(column), is_quantity)
        quantities[name] = to_int(value) if value is not None else 0  # a blank quantity cell is 0
    prices = {
        name: to_money(value) if (value := _first(cells.get(column), is_money)) else None
        for name, column in PRICE_COLUMNS.items()
    }
    unit = _first(cells.get("U/M"), _is_unit)
    if unit is None and not any(v is not None for v in prices.values()):
        return None
    return Cells(
        code=code,
        upc=_first(cells.get("UPC"), _is_upc),
        description=[w.text for w in cells.get("Description", [])],
        page=page,
        quantities=quantities,
        unit=unit,
        **prices,
    )


@dataclass
class _Open:
    cells: Cells
    left: float  # where its description starts
    bottom: float  # its last line's bottom, on `page`
    page: int


@dataclass
class _Reader:
    kind: str
    cells: list[Cells] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    current: _Open | None = None

    def continues(
        self, row: list[Word], by_column: dict[str, list[Word]], columns: ColumnSet, page: int, limit: float
    ) -> bool:
        """Is this row the next line of the open item's description?"""
        if self.current is None:
            return False
        end = columns.end("Description")
        if len(by_column.get("Description", ())) != len(row):
            return False
        if end is not None and row[-1].x1 > end + columns.margin:
            return False  # wider than the Description column holds
        height = max(w.bottom - w.top for w in row)
        if abs(row[0].x0 - self.current.left) > height:
            return False  # descriptions are left-aligned in their column
        top = min(w.top for w in row)
        return top - self.current.bottom <= limit if self.current.page == page else False

    def read_page(self, rows: list[list[Word]], columns: ColumnSet, page: int) -> list[str] | None:
        """Read a page's table rows; returns the totals block's lines when the table ends here."""
        after_header = True  # rows right below the header may continue an item from the last page
        header_bottom = columns.bottom
        for n, row in enumerate(rows):
            text = row_text(row)
            if TOTALS_START.match(text):
                return [row_text(r) for r in rows[n:]]
            by_column = columns.cells(row)
            code_words = by_column.get("Product Code", [])
            if (code_words and TARIFF_CODE.match(code_words[0].text)) or TARIFF_LINE.match(text):
                self.current, after_header = None, False  # a tariff follows its item's whole description
                continue
            cells = read_cells(by_column, columns, self.kind, page) if code_words else None
            if cells is not None:
                left = next((w.x0 for w in by_column.get("Description", ())), None)
                self.cells.append(cells)
                self.current = _Open(cells, left if left is not None else columns.start("Description") or 0.0,
                                     max(w.bottom for w in row), page)  # fmt: skip
                after_header = False
                continue
            if code_words and is_code(code_words[0].text):
                self.unread.append(code_words[0].text)
                self.current = None
                continue
            height = max(w.bottom - w.top for w in row)
            limit = MAX_LINE_GAP * height
            if after_header and self.current is not None and self.current.page != page:
                # a description cut by the page break goes on right under this page's header
                self.current.page, self.current.bottom = page, header_bottom
                limit = MAX_GAP_AFTER_HEADER * height
            if self.continues(row, by_column, columns, page, limit):
                self.current.cells.description += [w.text for w in row]
                self.current.bottom = max(w.bottom for w in row)
            after_header = False
        return None


def items_from_positions(document: Document, kind: str) -> tuple[list[Cells], list[str], list[str]] | None:
    """(cells, totals lines, unread codes); None when no page shows a column header to go by.
    Pages without a header of their own reuse the previous page's columns."""
    reader = _Reader(kind)
    columns: ColumnSet | None = None
    found_any = False
    for page in document.pages:
        rows = page.word_rows()
        table = find_table(rows)
        if table is not None:
            found_any = True
            index, columns = table
            body = [r for r in rows[index + 1 :] if min([w.top for w in r]) > columns.bottom - 0.5]
        elif columns is not None:
            body = rows
        else:
            continue
        totals = reader.read_page(body, columns, page.number)
        if totals is not None:
            return reader.cells, totals, reader.unread
    return (reader.cells, [], reader.unread) if found_any else None
