"""Table columns from the header's labels, and the column each word belongs to.

The header row is found by words it must contain; titles printed in two lines (`Qty` over `Ord`)
are read as one cell. A column spans from its title's left edge to the next title's left edge.
Text columns are left-aligned, so a word belongs to the column it *starts* in (a long description
word may run on under the next title); numbers are right-aligned, so they belong to the column
their centre falls in.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..document.model import Word


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # the title as given by the caller, e.g. "Qty Ord"
    x0: float  # the title's left edge
    x1: float  # the title's right edge


@dataclass(frozen=True)
class ColumnSet:
    columns: tuple[Column, ...]  # left to right
    #: Bottom of the header (the lowest title word): table rows start below it.
    bottom: float
    #: Tolerance for cells starting a little left of their title (loose glyph boxes, OCR boxes).
    margin: float
    text_columns: frozenset[str] = frozenset()

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    # A page has hundreds of rows and thousands of words: what the lookups below need is worked
    # out once per column set.
    @functools.cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @functools.cached_property
    def _starts(self) -> list[float]:
        return [column.x0 - self.margin for column in self.columns]

    @functools.cached_property
    def _is_text(self) -> tuple[bool, ...]:
        return tuple(column.name in self.text_columns for column in self.columns)

    def has(self, name: str) -> bool:
        return name in self._names

    def start(self, name: str) -> float | None:
        return self._starts[self._names.index(name)] if name in self._names else None

    def end(self, name: str) -> float | None:
        """Where the next column starts (None for the last column)."""
        if name not in self._names:
            return None
        following = self._names.index(name) + 1
        return self._starts[following] if following < len(self._starts) else None

    def column_of(self, word: Word) -> str | None:
        """The column a word belongs to; None for a word left of the first column."""
        return next(iter(self.cells((word,)))) or None

    def cells(self, row: Sequence[Word]) -> dict[str, list[Word]]:
        """The row's words by column (a column without words is absent; "" holds the words left
        of the first column)."""
        starts, names, is_text = self._starts, self._names, self._is_text
        first = starts[0]
        out: dict[str, list[Word]] = {}
        for word in row:  # thousands of words a page: no call per word but the bisection
            if word.x1 < first:
                name = ""
            else:
                index = bisect.bisect_right(starts, word.x0) - 1  # the column it starts in
                if not is_text[index if index > 0 else 0]:  # a number: where its centre falls
                    index = bisect.bisect_right(starts, (word.x0 + word.x1) / 2) - 1
                name = names[index if index > 0 else 0]
            if name in out:
                out[name].append(word)
            else:
                out[name] = [word]
        return out


def _stacked(rows: Sequence[Sequence[Word]], index: int, vocabulary: Collection[str]) -> list[Word]:
    """The header row plus rows right above or below it made only of title words."""
    row = rows[index]
    height = max(w.bottom - w.top for w in row)
    words = list(row)
    for other in (rows[index - 1] if index else None, rows[index + 1] if index + 1 < len(rows) else None):
        if not other or not all(w.text.lower().strip(":") in vocabulary for w in other):
            continue
        if min(abs(o.top - w.top) for o in other for w in row) < 1.8 * height:
            words += other
    return words


def _overlap(a: Word, b: Word) -> bool:
    """Do two words share more than a sliver of horizontal span (not just touching edges)?"""
    shared = min(a.x1, b.x1) - max(a.x0, b.x0)
    return shared > 0.2 * min(a.x1 - a.x0, b.x1 - b.x0)


def _title_edges(words: Sequence[Word], titles: Sequence[str]) -> list[Column]:
    """Match the titles left to right against the header's words, reading stacked cells top down."""
    ordered = sorted(words, key=lambda w: (w.x0, w.top))
    cells: list[list[Word]] = []
    for word in ordered:  # words on different lines whose spans really overlap: one stacked cell
        if cells and any(
            _overlap(word, w) and abs(word.top - w.top) > (w.bottom - w.top) / 2 for w in cells[-1]
        ):
            cells[-1].append(word)
        else:
            cells.append([word])
    flat = [w for cell in cells for w in sorted(cell, key=lambda w: (round(w.top), w.x0))]
    texts = [w.text.lower().strip(":") for w in flat]
    found: list[Column] = []
    position = 0
    for title in titles:
        wanted = title.lower().split()
        for start in range(position, len(texts) - len(wanted) + 1):
            if texts[start : start + len(wanted)] == wanted:
                span = flat[start : start + len(wanted)]
                found.append(Column(title, min(w.x0 for w in span), max(w.x1 for w in span)))
                position = start + len(wanted)
                break
    return sorted(found, key=lambda c: c.x0)


def find_columns(
    rows: Sequence[Sequence[Word]],
    titles: Sequence[str],
    required: Collection[str],
    text_columns: Collection[str] = (),
) -> tuple[int, ColumnSet] | None:
    """The first header row holding every word of `required` (lower case), and its columns.

    Returns (index of the header row in `rows`, columns), or None when no row qualifies or a
    required title cannot be placed."""
    vocabulary = {part for title in titles for part in title.lower().split()}
    needed = {w.lower() for w in required}
    for index, row in enumerate(rows):
        if not needed <= {w.text.lower().strip(":") for w in row}:
            continue
        words = _stacked(rows, index, vocabulary)
        columns = _title_edges(words, titles)
        if not columns:
            continue
        height = sorted(w.bottom - w.top for w in words)[len(words) // 2]
        return index, ColumnSet(
            tuple(columns),
            bottom=max(w.bottom for w in words),
            margin=height * 0.3,
            text_columns=frozenset(text_columns),
        )
    return None
