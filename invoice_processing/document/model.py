"""One document model for both inputs: Document AI JSON and a PDF read directly.

Parsers see pages of text lines in reading order. A PDF also carries every word with its
position, so a parser can rebuild table columns exactly; Document AI text carries only order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from ..layout.rows import group_rows

Origin = Literal["docai", "pdf"]


class Word(msgspec.Struct, frozen=True, gc=False):
    """A word and its box in points, origin at the page's top-left (y grows downwards).

    A page has thousands: a Struct is built in C (a frozen dataclass sets each field through
    `object.__setattr__`), and holding only a string and numbers it is never part of a reference
    cycle, so the cyclic collector need not track it."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    lines: list[str]
    words: list[Word] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    #: `words` grouped into rows (layout.group_rows), computed once and shared by every reader.
    rows: list[list[Word]] | None = None

    def word_rows(self) -> list[list[Word]]:
        if self.rows is None:
            self.rows = group_rows(self.words)
        return self.rows


@dataclass(slots=True)
class Entity:
    """A Document AI entity (`invoice_id`, `line_item`, ...). Hints only: never the source of truth."""

    type: str
    mention_text: str = ""
    normalized: str | None = None
    confidence: float | None = None
    properties: list[Entity] = field(default_factory=list)

    def prop(self, type_: str) -> Entity | None:
        return next((p for p in self.properties if p.type == type_), None)


class LazyEntities(Sequence[Entity]):
    """Entities read from their JSON when a parser first asks for them. Most parsers never do
    (Creative Co-op reads its own header), and turning a few hundred nested entities into objects
    costs a tenth of a whole extraction."""

    __slots__ = ("_read", "_entities")

    def __init__(self, read: Callable[[], list[Entity]]):
        self._read: Callable[[], list[Entity]] | None = read
        self._entities: list[Entity] = []

    def _loaded(self) -> list[Entity]:
        if self._read is not None:
            self._entities, self._read = self._read(), None
        return self._entities

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - Sequence's int-or-slice signature
        return self._loaded()[index]

    def __len__(self) -> int:
        return len(self._loaded())

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._loaded())


@dataclass(slots=True)
class Document:
    text: str
    pages: list[Page]
    origin: Origin
    entities: Sequence[Entity] = field(default_factory=list)

    @property
    def has_positions(self) -> bool:
        return any(page.words for page in self.pages)

    def lines(self) -> Iterator[tuple[int, str]]:
        """Every non-empty line as (page number, text), in reading order."""
        for page in self.pages:
            for line in page.lines:
                yield page.number, line

    def entities_of(self, type_: str) -> list[Entity]:
        return [e for e in self.entities if e.type == type_]
