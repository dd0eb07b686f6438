"""Header labels and their values paired by position: the value beside the label, else below it.

Document AI's text may list every label before every value; on the page a value still sits right
of its label or under it, so positions settle what reading order cannot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .rows import CELL_GAP_RATIO, row_text

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
                return match.group(0)  # the whole value (a date's pattern has a group per part)
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
                return match.group(0)  # the whole value (a date's pattern has a group per part)
            break
    return None


def _labels_found(
    rows: Sequence[Sequence[Word]], labels: Sequence[re.Pattern[str]]
) -> list[tuple[int, float, int, set[int]]]:
    """(row index, left edge, which label, ids of its words) of each label's first appearance."""
    found = []
    for which, label in enumerate(labels):
        for index, row in enumerate(rows):
            span = _label_span(row, label)
            if span is not None:
                first, last = span
                found.append((index, row[first].x0, which, {id(w) for w in row[first : last + 1]}))
                break
    return sorted(found, key=lambda f: (f[0], f[1]))


def _value_from(row: Sequence[Word], at: int, step: int) -> str:
    """The cell that starts (step 1) or ends (step -1) at word `at`: its neighbours close by."""
    words, previous = [row[at]], row[at]
    position = at + step
    while 0 <= position < len(row):
        word = row[position]
        gap = word.x0 - previous.x1 if step > 0 else previous.x0 - word.x1
        if gap > CELL_GAP_RATIO * (word.bottom - word.top) or word.text.endswith(":"):
            break
        words.append(word)
        previous, position = word, position + step
    return " ".join(w.text for w in (words if step > 0 else reversed(words)))


def value_block(
    rows: Sequence[Sequence[Word]], labels: Sequence[re.Pattern[str]]
) -> tuple[list[int], list[str]]:
    """Labels printed as a stack whose values stand elsewhere as a block: (which labels, top down;
    the block's values, top down), or two empty lists.

    A block's values line up on one edge, left or right (a column of cells), and stand under or
    right of their labels, never left of them: that is what tells them from whatever else shares
    their rows (a stamp, an address), whatever it says. The caller pairs the two lists (by shape
    where values have one, else in order)."""
    found = _labels_found(rows, labels)
    if len(found) < 2:
        return [], []
    taken = set().union(*(ids for *_, ids in found))
    left = min(x0 for _, x0, _, _ in found)
    candidates = [
        (index, n, word)
        for index in range(found[0][0], len(rows))
        for n, word in enumerate(rows[index])
        if id(word) not in taken and word.x1 > left and not word.text.endswith(":")
    ]
    if not candidates:
        return [], []
    heights = sorted(w.bottom - w.top for _, _, w in candidates)
    tolerance = heights[len(heights) // 2] * 0.5
    best: tuple[int, int, dict[int, int]] = (0, 0, {})  # (rows on the edge, step, row -> word)
    for step, edge in ((1, lambda w: w.x0), (-1, lambda w: w.x1)):  # left-aligned first on a tie
        for _, _, anchor in candidates:
            on_edge: dict[int, int] = {}
            for index, n, word in candidates:
                if index not in on_edge and abs(edge(word) - edge(anchor)) <= tolerance:
                    on_edge[index] = n
            if len(on_edge) > best[0]:
                best = (len(on_edge), step, on_edge)
    count, step, on_edge = best
    if count < 2:
        return [], []
    values = [_value_from(rows[index], n, step) for index, n in sorted(on_edge.items())][: len(found)]
    return [which for _, _, which, _ in found], values
