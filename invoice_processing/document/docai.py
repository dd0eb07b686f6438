"""Document AI `Document` JSON -> Document.

Accepts the REST form (camelCase, int64 indices as strings, a missing `startIndex` meaning 0),
the snake_case form `Document.to_json` can write, and a `ProcessResponse` wrapping the document.
The JSON is decoded straight into the Structs of `docai_schema` (msgspec); what msgspec does not
read as JSON but `json` does (a BOM, UTF-16, NaN) goes through `json` first. A document that does
not fit is refused with the place it went wrong.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import math
from collections.abc import Iterator
from typing import Any

import msgspec

from ..errors import UnreadableDocument
from ..layout.rows import group_rows, row_text
from .docai_schema import CAMEL, SNAKE, Spelling, Vertex, spelled
from .model import Document, Entity, LazyEntities, Page, Word


@functools.cache
def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def _get(obj: dict[str, Any], camel: str, default: Any = None) -> Any:
    """An entity's field in either spelling (entities are read as plain JSON)."""
    if camel in obj:
        return obj[camel]
    return obj.get(_snake(camel), default)


def _entity_anchor_text(text: str, raw: dict[str, Any]) -> str:
    anchor = _get(raw, "textAnchor")
    if not anchor:
        return ""
    segments = _get(anchor, "textSegments") or []
    return "".join(
        text[int(_get(s, "startIndex", 0) or 0) : int(_get(s, "endIndex", 0) or 0)] for s in segments
    )


def _segments_text(text: str, segments: list[Any]) -> str:
    return "".join(text[seg.start_index or 0 : seg.end_index or 0] for seg in segments)


def _anchor_text(text: str, layout: Any) -> str | None:
    """The text a layout's textAnchor points at, or None when it has no anchor."""
    if layout is None or layout.text_anchor is None or layout.text_anchor.text_segments is None:
        return None
    return _segments_text(text, layout.text_anchor.text_segments)


def _split_lines(text: str) -> list[str]:
    return [stripped for line in text.splitlines() if (stripped := line.strip())]


#: A page without `dimension` still has normalized positions; they are scaled to US Letter points
#: so every position downstream is in one unit.
LETTER = (612.0, 792.0)
#: Share of a page's text its tokens must hold before its lines are rebuilt from them.
TOKEN_COVERAGE = 0.9


def _page_words(text: str, page: Any, width: float, height: float) -> list[Word]:
    """Every token with its box; a token whose anchor spans a space (rare) becomes one word each.

    The page's skew is measured from the boxes as they are read; a skewed page (rare) is read
    once more with every box turned straight."""
    tokens = page.tokens
    if not tokens:
        return []
    slopes: list[float] = []
    words = _words(text, tokens, width, height, 0.0, slopes)
    angle = _skew(slopes)
    return _words(text, tokens, width, height, -angle, []) if angle else words


def _words(
    text: str, tokens: list[Any], width: float, height: float, turn: float, slopes: list[float]
) -> list[Word]:
    """The tokens' words, each box turned by `turn` radians about the page's centre; adds each
    box's top edge's slope (corner 0 to corner 1) to `slopes`.

    Thousands of tokens per page: a straight box with four corners (nearly every token) is worked
    out without a list or a call per corner."""
    scale_x, scale_y = width or LETTER[0], height or LETTER[1]
    words: list[Word] = []
    for token in tokens:
        layout = token.layout
        anchor = layout.text_anchor if layout is not None else None
        segments = anchor.text_segments if anchor is not None else None
        if not segments:
            continue
        if len(segments) == 1:  # nearly every token: one segment
            segment = segments[0]
            token_text = text[segment.start_index or 0 : segment.end_index or 0].strip()
        else:
            token_text = _segments_text(text, segments).strip()
        if not token_text:
            continue
        poly = layout.bounding_poly
        points = poly.normalized_vertices if poly is not None else None
        if points and len(points) == 4 and not turn:
            a, b, c, d = points
            ax, bx = (a.x or 0.0) * scale_x, (b.x or 0.0) * scale_x
            cx, dx = (c.x or 0.0) * scale_x, (d.x or 0.0) * scale_x
            ay, by = (a.y or 0.0) * scale_y, (b.y or 0.0) * scale_y
            cy, dy = (c.y or 0.0) * scale_y, (d.y or 0.0) * scale_y
            if bx > ax:
                slopes.append((by - ay) / (bx - ax))
            low, other = ax if ax <= bx else bx, cx if cx <= dx else dx  # min(): a call a corner
            x0 = low if low <= other else other
            high, other = ax if ax >= bx else bx, cx if cx >= dx else dx
            x1 = high if high >= other else other
            low, other = ay if ay <= by else by, cy if cy <= dy else dy
            top = low if low <= other else other
            high, other = ay if ay >= by else by, cy if cy >= dy else dy
            bottom = high if high >= other else other
        else:
            if points:
                sx, sy = scale_x, scale_y
            elif poly is not None and poly.vertices and width and height:  # pixels: already points
                xs, ys = [p.x or 0.0 for p in poly.vertices], [p.y or 0.0 for p in poly.vertices]
                x0, top, x1, bottom = min(xs), min(ys), max(xs), max(ys)
                points = [Vertex(x0, top), Vertex(x1, top), Vertex(x1, bottom), Vertex(x0, bottom)]
                sx = sy = 1.0
            else:
                continue
            xs, ys = [(p.x or 0.0) * sx for p in points], [(p.y or 0.0) * sy for p in points]
            if len(xs) == 4 and xs[1] > xs[0]:
                slopes.append((ys[1] - ys[0]) / (xs[1] - xs[0]))
            if turn:
                xs, ys = _turned(xs, ys, turn, scale_x / 2, scale_y / 2)
            x0, top, x1, bottom = min(xs), min(ys), max(xs), max(ys)
        if x1 <= x0 or bottom <= top:
            continue
        if " " not in token_text and "\n" not in token_text:
            words.append(Word(token_text, x0, top, x1, bottom))
            continue
        step = (x1 - x0) / max(len(token_text), 1)  # share the box out by characters
        position = 0
        for part in token_text.split():
            offset = token_text.index(part, position)
            position = offset + len(part)
            words.append(Word(part, x0 + offset * step, top, x0 + position * step, bottom))
    return words


#: Below this (radians, about 0.06 degrees) a page is taken as straight.
MIN_SKEW = 0.001


def _skew(slopes: list[float]) -> float:
    """The page's skew: the median slope of the tokens' top edges (corner 0 to corner 1, as
    Document AI lists a box's corners clockwise from the top left). A scan fed in crooked turns
    every row, which would otherwise fall apart into several rows across the page."""
    if not slopes:
        return 0.0
    median = math.atan(sorted(slopes)[len(slopes) // 2])  # atan is monotonic: the median slope's angle
    return median if abs(median) >= MIN_SKEW else 0.0


def _turned(
    xs: list[float], ys: list[float], angle: float, cx: float, cy: float
) -> tuple[list[float], list[float]]:
    cos, sin = math.cos(angle), math.sin(angle)
    return (
        [cx + (x - cx) * cos - (y - cy) * sin for x, y in zip(xs, ys, strict=True)],
        [cy + (x - cx) * sin + (y - cy) * cos for x, y in zip(xs, ys, strict=True)],
    )


def _page(text: str, index: int, page: Any) -> Page:
    dims = page.dimension
    width, height = (dims.width or 0.0, dims.height or 0.0) if dims is not None else (0.0, 0.0)
    page_text = _anchor_text(text, page.layout)
    if page_text is None:
        page_text = "\n".join(_anchor_text(text, line.layout) or "" for line in page.lines or ())
    number = page.page_number or index + 1
    words = _page_words(text, page, width, height)
    lines = _split_lines(page_text)
    if words and len("".join([w.text for w in words])) >= TOKEN_COVERAGE * len(
        "".join(lines).replace(" ", "")
    ):
        # tokens for (nearly) all the text: lines are rebuilt from positions as for a PDF, so every
        # parser that reads lines reads rows as printed, whatever order Document AI's text took
        rows = group_rows(words)
        return Page(number, [row_text(row) for row in rows], words, width, height, rows)
    return Page(number, lines, words, width, height)


def _entity(text: str, raw: dict[str, Any]) -> Entity:
    normalized = _get(raw, "normalizedValue") or {}
    mention = _get(raw, "mentionText")
    if mention is None:
        mention = _entity_anchor_text(text, raw)
    confidence = _get(raw, "confidence")
    return Entity(
        type=str(_get(raw, "type") or _get(raw, "type_") or ""),
        mention_text=str(mention),
        normalized=normalized.get("text"),
        confidence=float(confidence) if confidence is not None else None,
        properties=[_entity(text, p) for p in _get(raw, "properties") or []],
    )


def _json_value(data: bytes | str) -> Any:
    """What msgspec refuses as JSON but `json` reads (a BOM, UTF-16, NaN), or a clear error."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UnreadableDocument(f"not valid JSON: {exc}") from None


def _typed(data: bytes | str | dict[str, Any], spelling: Spelling) -> Any:
    """The document's Structs in one spelling; anything that does not fit them is refused with the
    place it was found (`... - at `$.pages[0].tokens``)."""
    try:
        if not isinstance(data, dict):
            try:
                return spelling.decoder.decode(data)
            except msgspec.DecodeError:
                data = _json_value(data)
        return msgspec.convert(data, spelling.document, strict=False)
    except msgspec.ValidationError as exc:
        if "- at `$" not in str(exc):  # the value itself is not an object
            raise UnreadableDocument("a Document AI document must be a JSON object") from None
        raise UnreadableDocument(f"malformed Document AI document: {exc}") from None


def _read(data: bytes | str | dict[str, Any]) -> Any:
    """The Document (out of its ProcessResponse, if any): REST camelCase unless only snake_case
    reads it."""
    camel = _unwrapped(_typed(data, CAMEL))
    if spelled(camel):
        return camel
    snake = _unwrapped(_typed(data, SNAKE))
    return snake if spelled(snake) else camel


def _unwrapped(response: Any) -> Any:
    return response.document if response.document is not None else response


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Decoding a Document with tokens and reading its tokens makes tens of thousands of objects in
    one burst, none of them in a reference cycle; the cyclic collector would walk the growing heap
    again and again meanwhile. It resumes afterwards unless someone else (another request's
    decode) had already paused it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_docai(data: bytes | str | dict[str, Any]) -> Document:
    with _collector_paused():
        return _parse_docai(data)


def _parse_docai(data: bytes | str | dict[str, Any]) -> Document:
    raw = _read(data)
    text = raw.text
    if not isinstance(text, str) or not text.strip():
        raise UnreadableDocument("the Document AI document has no text")
    try:
        pages = [_page(text, i, p) for i, p in enumerate(raw.pages or ())]
    except (TypeError, ValueError, AttributeError) as exc:
        raise UnreadableDocument(f"malformed Document AI document: {exc}") from None
    if not pages:
        pages = [Page(1, _split_lines(text))]
    entities = LazyEntities(functools.partial(_entities, text, raw.entities or ()))
    return Document(text=text, pages=pages, origin="docai", entities=entities)


def _entities(text: str, raw: list[Any]) -> list[Entity]:
    try:
        return [_entity(text, e) for e in raw]
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise UnreadableDocument(f"malformed Document AI document: entities: {exc}") from None
