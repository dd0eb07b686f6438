"""Rows: words whose vertical centres share a band, top to bottom, each row left to right.

Works on anything with `text`, `x0`, `top`, `x1`, `bottom` (points, or any unit, y growing
downwards), so it needs nothing from the readers that produce the words.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..document.model import Word

#: Words whose vertical centres are closer than this fraction of their height share a row.
LINE_BAND_RATIO = 0.5


def _centre(word: Word) -> float:
    return (word.top + word.bottom) / 2


def group_rows(words: Sequence[Word]) -> list[list[Word]]:
    rows: list[list[Word]] = []
    centre_of_row = 0.0  # running mean centre of the last row
    row_height = 0.0  # the last row's smallest word height: a big stamp must not merge rows
    # thousands of words a page: top to bottom by centre, then left to right, then as given, by two
    # stable sorts on plain float keys (far cheaper than sorting tuples); words are never compared
    by_left = sorted(words, key=_left)
    centres = [(w.top + w.bottom) / 2 for w in by_left]
    for index in sorted(range(len(by_left)), key=centres.__getitem__):
        word, centre = by_left[index], centres[index]
        height = word.bottom - word.top
        height = 1e-9 if height < 1e-9 else height  # max(height, 1e-9) without a call per word
        band = (row_height if row_height < height else height) * LINE_BAND_RATIO
        if rows and -band <= centre - centre_of_row <= band:
            row = rows[-1]
            row.append(word)
            centre_of_row += (centre - centre_of_row) / len(row)
            row_height = height if height < row_height else row_height
            continue
        rows.append([word])
        centre_of_row, row_height = centre, height
    return [sorted(row, key=_left) for row in rows]


_left = attrgetter("x0")


def row_text(row: Sequence[Word]) -> str:
    return " ".join([w.text for w in row])


def line_pitch(rows: Sequence[Sequence[Word]]) -> float:
    """The usual distance between consecutive rows' centres (the median), 0 with fewer than 2."""
    centres = [sum(_centre(w) for w in row) / len(row) for row in rows if row]
    gaps = sorted(b - a for a, b in zip(centres, centres[1:], strict=False) if b > a)
    return gaps[len(gaps) // 2] if gaps else 0.0


#: A horizontal gap wider than this many word heights separates two cells of a row.
CELL_GAP_RATIO = 2.0


def row_cells(row: Sequence[Word]) -> list[str]:
    """The row's text cut where words stand far apart: `Attn: Accounts Payable`, `PO NO:`."""
    cells: list[list[str]] = []
    previous = None
    for word in row:
        height = word.bottom - word.top
        if previous is None or word.x0 - previous.x1 > CELL_GAP_RATIO * height:
            cells.append([])
        cells[-1].append(word.text)
        previous = word
    return [" ".join(cell) for cell in cells]
