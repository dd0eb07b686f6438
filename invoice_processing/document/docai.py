"""Document AI `Document` JSON -> Document.

Accepts the REST form (camelCase, int64 indices as strings, a missing `startIndex` meaning 0),
the snake_case form `Document.to_json` can write, and a `ProcessResponse` wrapping the document.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import math
from collections.abc import Iterator
from typing import Any

import orjson

from ..errors import UnreadableDocument
from ..layout.rows import group_rows, row_text
from .model import Document, Entity, Page, Word


@functools.cache
def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def _get(obj: dict[str, Any], camel: str, default: Any = None) -> Any:
    if camel in obj:
        return obj[camel]
    return obj.get(_snake(camel), default)


def _anchor_text(text: str, layout: dict[str, Any] | None) -> str | None:
    """The text a layout's textAnchor points at, or None when it has no anchor."""
    if not layout:
        return None
    anchor = _get(layout, "textAnchor")
    if not anchor:
        return None
    segments = _get(anchor, "textSegments") or []
    return "".join(
        text[int(_get(s, "startIndex", 0) or 0) : int(_get(s, "endIndex", 0) or 0)] for s in segments
    )


def _split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


#: A page without `dimension` still has normalized positions; they are scaled to US Letter points
#: so every position downstream is in one unit.
LETTER = (612.0, 792.0)
#: Share of a page's text its tokens must hold before its lines are rebuilt from them.
TOKEN_COVERAGE = 0.9


def _token_box(
    layout: dict[str, Any], width: float, height: float
) -> tuple[float, float, float, float] | None:
    """(x0, top, x1, bottom) in points from `normalizedVertices` (0-1), else from pixel
    `vertices` (which need the page's dimension); a missing x or y is 0, as in proto JSON."""
    poly = _get(layout, "boundingPoly") or {}
    points = _get(poly, "normalizedVertices")
    if points:
        scale_x, scale_y = width or LETTER[0], height or LETTER[1]
    else:
        points = _get(poly, "vertices")
        if not points or not (width and height):
            return None
        scale_x = scale_y = 1.0
    xs = [p.get("x") or 0.0 for p in points]
    ys = [p.get("y") or 0.0 for p in points]
    return min(xs) * scale_x, min(ys) * scale_y, max(xs) * scale_x, max(ys) * scale_y


def _segment_text(text: str, segments: list[dict[str, Any]], start_key: str, end_key: str) -> str:
    if len(segments) == 1:  # nearly every token: one segment
        seg = segments[0]
        return text[int(seg.get(start_key) or 0) : int(seg.get(end_key) or 0)]
    return "".join(text[int(seg.get(start_key) or 0) : int(seg.get(end_key) or 0)] for seg in segments)


def _page_words(text: str, page: dict[str, Any], width: float, height: float) -> list[Word]:
    """Every token with its box; a token whose anchor spans a space (rare) becomes one word each.

    Thousands of tokens per page: the keys' spelling (camelCase REST or snake_case) is settled
    once per page rather than per lookup, and the page's skew is measured in the same pass."""
    tokens = _get(page, "tokens") or []
    if not tokens:
        return []
    snake = "text_anchor" in (tokens[0].get("layout") or {})
    anchor_key, segments_key, start_key, end_key, poly_key, normalized_key = (
        ("text_anchor", "text_segments", "start_index", "end_index", "bounding_poly", "normalized_vertices")
        if snake
        else ("textAnchor", "textSegments", "startIndex", "endIndex", "boundingPoly", "normalizedVertices")
    )
    scale_x, scale_y = width or LETTER[0], height or LETTER[1]
    boxes: list[tuple[str, list[float], list[float]]] = []  # text, corner xs, corner ys (points)
    slopes: list[float] = []  # each box's top edge (corner 0 to corner 1), for the page's skew
    for token in tokens:
        layout = token.get("layout") or {}
        segments = (layout.get(anchor_key) or {}).get(segments_key) or ()
        token_text = _segment_text(text, segments, start_key, end_key).strip()
        if not token_text:
            continue
        points = (layout.get(poly_key) or {}).get(normalized_key)
        if points and len(points) == 4:  # nearly every token: unpacked, no comprehension per token
            a, b, c, d = points
            xs = [(a.get("x") or 0.0) * scale_x, (b.get("x") or 0.0) * scale_x,
                  (c.get("x") or 0.0) * scale_x, (d.get("x") or 0.0) * scale_x]  # fmt: skip
            ys = [(a.get("y") or 0.0) * scale_y, (b.get("y") or 0.0) * scale_y,
                  (c.get("y") or 0.0) * scale_y, (d.get("y") or 0.0) * scale_y]  # fmt: skip
        elif points:
            xs = [(p.get("x") or 0.0) * scale_x for p in points]
            ys = [(p.get("y") or 0.0) * scale_y for p in points]
        elif (box := _token_box(layout, width, height)) is not None:
            xs, ys = [box[0], box[2], box[2], box[0]], [box[1], box[1], box[3], box[3]]
        else:
            continue
        boxes.append((token_text, xs, ys))
        if len(xs) == 4 and xs[1] > xs[0]:
            slopes.append((ys[1] - ys[0]) / (xs[1] - xs[0]))
    angle = _skew(slopes)
    if angle:
        boxes = [_turned(t, xs, ys, -angle, scale_x / 2, scale_y / 2) for t, xs, ys in boxes]
    words = []
    for token_text, xs, ys in boxes:
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
    text: str, xs: list[float], ys: list[float], angle: float, cx: float, cy: float
) -> tuple[str, list[float], list[float]]:
    cos, sin = math.cos(angle), math.sin(angle)
    return (
        text,
        [cx + (x - cx) * cos - (y - cy) * sin for x, y in zip(xs, ys, strict=True)],
        [cy + (x - cx) * sin + (y - cy) * cos for x, y in zip(xs, ys, strict=True)],
    )


def _page(text: str, index: int, page: dict[str, Any]) -> Page:
    dims = _get(page, "dimension") or {}
    width, height = float(dims.get("width", 0) or 0), float(dims.get("height", 0) or 0)
    page_text = _anchor_text(text, _get(page, "layout"))
    if page_text is None:
        line_texts = [_anchor_text(text, _get(line, "layout")) or "" for line in _get(page, "lines") or []]
        page_text = "\n".join(line_texts)
    number = int(_get(page, "pageNumber", index + 1) or index + 1)
    words = _page_words(text, page, width, height)
    lines = _split_lines(page_text)
    if words and sum(len(w.text) for w in words) >= TOKEN_COVERAGE * sum(
        len(line.replace(" ", "")) for line in lines
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
        mention = _anchor_text(text, raw) or ""
    confidence = _get(raw, "confidence")
    return Entity(
        type=str(_get(raw, "type") or _get(raw, "type_") or ""),
        mention_text=str(mention),
        normalized=normalized.get("text"),
        confidence=float(confidence) if confidence is not None else None,
        properties=[_entity(text, p) for p in _get(raw, "properties") or []],
    )


def _decoded(data: bytes | str) -> Any:
    """The JSON value. orjson decodes a Document with tokens (megabytes of small objects) several
    times faster than `json`; `json` still reads what orjson refuses (a BOM, UTF-16) and words the
    error when neither can."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableDocument(f"not valid JSON: {exc}") from None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Decoding a Document with tokens makes hundreds of thousands of dicts and lists in one burst,
    none of them in a reference cycle; the cyclic collector would walk the growing heap again and
    again meanwhile (measured: a third of the decode's time). It resumes afterwards unless someone
    else (another request's decode) had already paused it."""
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
    raw = data if isinstance(data, dict) else _decoded(data)
    if not isinstance(raw, dict):
        raise UnreadableDocument("a Document AI document must be a JSON object")
    if "document" in raw and isinstance(raw["document"], dict):
        raw = raw["document"]
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise UnreadableDocument("the Document AI document has no text")
    try:
        pages = [_page(text, i, p) for i, p in enumerate(raw.get("pages") or [])]
        entities = [_entity(text, e) for e in raw.get("entities") or []]
    except (TypeError, ValueError, AttributeError) as exc:
        raise UnreadableDocument(f"malformed Document AI document: {exc}") from None
    if not pages:
        pages = [Page(1, _split_lines(text))]
    return Document(text=text, pages=pages, origin="docai", entities=entities)
