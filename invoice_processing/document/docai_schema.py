"""The parts of a Document AI `Document` the extractor reads, as msgspec Structs.

Decoding straight into typed Structs is faster than building dicts and walking them, and makes
far fewer objects to allocate and free (a Document with tokens holds hundreds of thousands of small
JSON objects). Everything else in the JSON is skipped. `gc=False`: these Structs only hold numbers,
strings and other Structs, so they can never be part of a reference cycle and the cyclic collector
need not track them.

The same Structs come in two spellings, built by one factory: the REST form (camelCase) and the
snake_case form `Document.to_json` can write. Fields whose name is one word are spelled alike in
both. Entities are read as plain JSON values (there are few of them and they nest to any depth).

No `from __future__ import annotations` here: the factory's classes refer to each other by value.
"""

from dataclasses import dataclass
from itertools import chain
from typing import Any

import msgspec


class Vertex(msgspec.Struct, gc=False):
    # proto3 JSON leaves out a coordinate that is 0; None (null) reads as 0 too
    x: float | None = 0.0
    y: float | None = 0.0


@dataclass(frozen=True)
class Spelling:
    """One spelling's Structs and their decoder."""

    document: type  # a `Document` (or a `ProcessResponse` around one)
    decoder: msgspec.json.Decoder


def _spelling(rename: str | None) -> Spelling:
    """The Structs in one spelling: `rename="camel"` for REST JSON, None for snake_case."""

    class Segment(msgspec.Struct, rename=rename, gc=False):
        start_index: int | None = 0  # REST leaves out a startIndex of 0
        end_index: int | None = 0

    class TextAnchor(msgspec.Struct, rename=rename, gc=False):
        text_segments: list[Segment] | None = None

    class BoundingPoly(msgspec.Struct, rename=rename, gc=False):
        normalized_vertices: list[Vertex] | None = None
        vertices: list[Vertex] | None = None  # pixels: need the page's dimension

    class Layout(msgspec.Struct, rename=rename, gc=False):
        text_anchor: TextAnchor | None = None
        bounding_poly: BoundingPoly | None = None

    class Element(msgspec.Struct, rename=rename, gc=False):  # a token or a line: its layout
        layout: Layout | None = None

    class Dimension(msgspec.Struct, rename=rename, gc=False):
        width: float | None = 0.0
        height: float | None = 0.0

    class Page(msgspec.Struct, rename=rename, gc=False):
        page_number: int | None = None
        dimension: Dimension | None = None
        layout: Layout | None = None
        lines: list[Element] | None = None
        tokens: list[Element] | None = None

    class Document(msgspec.Struct, rename=rename, gc=False):
        text: Any = None  # judged by the reader, which says what is wrong with it
        pages: list[Page] | None = None
        entities: list[Any] | None = None  # plain JSON: `type` or `type_`, nested `properties`

    class Response(Document, rename=rename, gc=False):  # a ProcessResponse has its Document inside
        document: Document | None = None

    return Spelling(Response, msgspec.json.Decoder(Response, strict=False))


#: REST JSON (camelCase; int64 indices as strings: `strict=False` reads them as ints)
CAMEL = _spelling("camel")
#: `Document.to_json(preserving_proto_field_name=True)`
SNAKE = _spelling(None)


def _placed(layout: Any) -> bool:
    return layout is not None and (layout.text_anchor is not None or layout.bounding_poly is not None)


def spelled(document: Any) -> bool:
    """Does the decoded document hold a field whose name differs between the spellings? When not,
    the other spelling may be the document's."""
    for page in document.pages or ():
        if page.page_number is not None or _placed(page.layout):
            return True
        if any(_placed(element.layout) for element in chain(page.tokens or (), page.lines or ())):
            return True
    return False
