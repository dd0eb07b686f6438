"""One layout engine for positioned words, whatever read them (pdfium from a PDF, Document AI tokens).

Rows are words sharing a vertical band; columns come from a table's header labels; header labels
and their values are paired by where they sit on the page. It knows no vendor: the vendor parsers
say which column titles and labels they look for.
"""

from .columns import Column, ColumnSet, find_columns
from .labels import value_block, value_near
from .rows import group_rows, row_cells, row_text

__all__ = [
    "Column",
    "ColumnSet",
    "find_columns",
    "group_rows",
    "row_cells",
    "row_text",
    "value_block",
    "value_near",
]
