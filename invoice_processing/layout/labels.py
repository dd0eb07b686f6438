"""Header labels and their values paired by position: the value beside the label, else below it.

Document AI's text may list every label before every value; on the page a value still sits right
of its label or under it, so positions settle what reading order cannot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .rows import row_text

if TYPE_CHECKING:
    from ..document.model import Word

#: How many rows below a label its value may sit.
ROWS_BELOW = 3


def _label_span(row: Sequence[Word], label: re.Pattern[str]) -> tuple[int, int] | None:
    """Indexes (first, last) of the row's words the label covers."""
    text = row_text(row)
    match = label.search(text)
    if not match:
        return None
    starts, position = [], 0
    for word in row:
        starts.append(position)
        position += len(word.text) + 1
    first = max(i for i, s in enumerate(starts) if s <= match.start())
    last = max(i for i, s in enumerate(starts) if s < match.end())
    return first, last


def _under(row: Sequence[Word], x0: float, x1: float) -> list[Word]:
    """The row's words within half a label's width of the span x0..x1."""
    slack = (x1 - x0) * 0.5
    return [w for w in row if w.x1 >= x0 - slack and w.x0 <= x1 + slack]


def _stacked(rows: Sequence[Sequence[Word]], index: int, x0: float, x1: float) -> bool:
    """Is another label right above this one? Then the labels form a stack and their values a
    block elsewhere, paired by order rather than by position."""
    above = next(
        (row for row in reversed(rows[max(0, index - ROWS_BELOW) : index]) if _under(row, x0, x1)), []
    )
    width = x1 - x0
    return any(w.text.endswith(":") and x0 - width * 0.5 <= w.x0 <= x1 + width for w in above)


def value_near(rows: Sequence[Sequence[Word]], label: re.Pattern[str], value: re.Pattern[str]) -> str | None:
    """The value for the first label found: beside it on its row (a `value` match in one word, or
    in the words right of the label up to the next label), else the text right under it.
    None when neither is a value: the caller pairs such labels by reading order."""
    for index, row in enumerate(rows):
        span = _label_span(row, label)
        if span is None:
            continue
        first, last = span
        right: list[str] = []  # the cell right of the label: words close together, up to a label
        previous = row[last]
        for word in row[last + 1 :]:
            if word.text.endswith(":") or word.x0 - previous.x1 > 3 * (word.bottom - word.top):
                break
            right.append(word.text)
            previous = word
        for text in (" ".join(right), *right):
            if match := value.fullmatch(text):
                return match.group(match.lastindex or 0)
        x0, x1 = row[first].x0, row[last].x1
        if _stacked(rows, index, x0, x1):
            continue
        for below in rows[index + 1 : index + 1 + ROWS_BELOW]:
            words = _under(below, x0, x1)
            if not words:
                continue
            # only the text right under the label can be its value (another label there means
            # the values are elsewhere)
            match = value.fullmatch(words[0].text)
            if match:
                return match.group(match.lastindex or 0)
            break
    return None
