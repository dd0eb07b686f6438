"""What a request carries -> the document's bytes.

Zapier posts one of: a multipart upload (`invoice_file`), a `file_url` (form field or JSON), or a
Document AI document as JSON (replaying a stored document). A raw `application/pdf` body is
accepted too.

The body is read here, once, before anything parses it: a declared `Content-Length` over the cap is
refused before a byte is read, a chunked body is refused as soon as it passes the cap (the rest is
never read), and the whole read has a deadline however slowly the client sends (408). JSON is
checked for nesting depth before it is parsed. The same bytes get the same answer whichever way
they arrive: an uploaded JSON document is judged like a JSON body, and a part's file name (in
whatever encoding the client used) plays no part.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Literal
from urllib.parse import parse_qs

from flask import Request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from ..document import is_pdf
from .errors import BadRequest, PayloadTooLarge, RequestTimeout, UnsupportedMediaType
from .fetch import FetchPolicy, Resolver, fetch_url, system_resolver

SourceKind = Literal["upload", "file_url", "document_json", "raw_body"]
FIELD_FILE = "invoice_file"
FIELD_URL = "file_url"
# Multipart framing and form fields around the file: allowed on top of the file-size limit.
_MULTIPART_OVERHEAD = 64 * 1024
_MAX_PARTS = 50
#: A Document AI document nests about ten levels; anything far deeper is not one.
MAX_JSON_DEPTH = 64
#: Keys only a Document AI `Document` (or a `ProcessResponse` around one) has, camelCase or snake_case.
_DOCUMENT_KEYS = frozenset(
    {"text", "pages", "document", "uri", "entities", "documentLayout", "document_layout",
     "chunkedDocument", "chunked_document", "shardInfo", "shard_info", "mimeType", "mime_type"}
)  # fmt: skip

#: Set in the WSGI environ once the whole body has been read: the connection may then be kept alive.
BODY_READ_KEY = "invoice.body_read"

_HOW = f"send the PDF as multipart field '{FIELD_FILE}', a '{FIELD_URL}', or a Document AI JSON document"


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    data: bytes


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request is larger than the {limit} byte limit (MAX_UPLOAD_BYTES)")


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse an over-cap Content-Length before reading any of the body."""
    if request.content_length is not None and request.content_length > limit + _MULTIPART_OVERHEAD:
        raise _too_large(limit)


def read_body(request: Request, limit: int, timeout_seconds: float, *, allowed: int | None = None) -> bytes:
    """The raw body, capped and with one deadline for the whole read.

    gunicorn hands the app its client socket (`gunicorn.socket`). A read blocks until it has all it
    asked for, however slowly the bytes come, so a timer shuts the socket's reading side at the
    deadline: the blocked read returns, the request answers 408 and the worker thread is free again
    (the answer can still be written). Nothing past the cap (`limit`) is read; the 413 names
    `allowed`, the file-size limit the caller knows about.
    """
    sock = request.environ.get("gunicorn.socket")
    expired = threading.Event()

    def stop_reading() -> None:
        expired.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)

    watchdog = threading.Timer(timeout_seconds, stop_reading) if sock is not None else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    stream = request.stream
    body = bytearray()
    try:
        while chunk := stream.read(min(64 * 1024, limit + 1 - len(body))):
            body += chunk
            if len(body) > limit:
                raise _too_large(allowed or limit)
    except PayloadTooLarge:
        raise
    except Exception:  # noqa: BLE001 - the server's own parse errors (gunicorn's InvalidChunkSize...) share no base
        if expired.is_set():
            raise _too_slow(timeout_seconds) from None
        raise _ended_early() from None
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if expired.is_set():
        raise _too_slow(timeout_seconds)
    if request.content_length is not None and len(body) < request.content_length:
        raise _ended_early()
    request.environ[BODY_READ_KEY] = True
    return bytes(body)


def _ended_early() -> BadRequest:
    return BadRequest(
        "the request body ended before its Content-Length, or its chunks are malformed: send it again"
    )


def _too_slow(timeout_seconds: float) -> RequestTimeout:
    return RequestTimeout(
        f"the request body did not arrive within {timeout_seconds:g} s (REQUEST_BODY_TIMEOUT_SECONDS): "
        "send it again on a faster connection"
    )


# ---------------------------------------------------------------------------------- JSON

# A JSON string, or an unterminated one up to the end (so the scan never restarts inside it).
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = [0] * 256
for _open in b"[{":
    _BRACKET_STEP[_open] = 1
for _close in b"]}":
    _BRACKET_STEP[_close] = -1


def json_depth(data: bytes) -> int:
    """How deeply the JSON text nests, without parsing it (linear, in C but for one pass)."""
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def load_json(data: bytes) -> Any:
    """Parse JSON from a request, after checking its depth: 400 for anything malformed."""
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(
            f"the JSON nests deeper than {MAX_JSON_DEPTH} levels, so it is not a Document AI document: "
            + _HOW
        )
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("the JSON body is malformed: " + _HOW) from None


def looks_like_json(data: bytes) -> bool:
    return data[:1024].lstrip()[:1] in (b"{", b"[")


def _from_json(body: bytes, *, url_allowed: bool) -> tuple[SourceKind, object]:
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise BadRequest("the JSON body must be an object: " + _HOW)
    url = payload.get(FIELD_URL)
    if url_allowed and url is not None:
        if not isinstance(url, str) or not url.strip():
            raise BadRequest(f"'{FIELD_URL}' must be a non-empty string")
        return "file_url", url.strip()
    if not _DOCUMENT_KEYS.intersection(payload):
        raise BadRequest("the JSON has neither a file_url nor a Document AI document: " + _HOW)
    return "document_json", body


def _document(kind: SourceKind, data: bytes) -> tuple[SourceKind, object]:
    """Uploaded or raw bytes: JSON is judged exactly as a JSON body is; the rest goes to the parser."""
    if looks_like_json(data) and not is_pdf(data):
        json_kind, value = _from_json(data, url_allowed=False)
        return json_kind, value
    return kind, data


# ----------------------------------------------------------------------------- multipart


class _AnyNameDecoder(MultipartDecoder):
    """werkzeug decodes part headers as strict UTF-8, and its form parser turns the error into an
    empty form: a PDF whose file name is Latin-1 or Shift-JIS then looks like no upload at all.
    The name is never used here, so undecodable header bytes are read as Latin-1 instead."""

    def _parse_headers(self, data: bytes | bytearray) -> Headers:
        try:
            return super()._parse_headers(data)
        except UnicodeDecodeError:
            return super()._parse_headers(bytes(data).decode("latin-1").encode("utf-8"))


def _multipart_parts(content_type: str, body: bytes) -> list[tuple[str, bool, bytes]]:
    """(field name, is a file part, content) for each part; 400 when the body is not multipart."""
    _, options = parse_options_header(content_type)
    boundary = options.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise BadRequest("the multipart body has no boundary in its Content-Type: " + _HOW)
    decoder = _AnyNameDecoder(boundary.encode("latin-1", "replace"), max_parts=_MAX_PARTS)
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[tuple[str, bool, bytearray]] = []
    try:
        while not isinstance(event := decoder.next_event(), Epilogue | NeedData):
            if isinstance(event, Field | File):
                parts.append((event.name or "", isinstance(event, File), bytearray()))
            elif isinstance(event, Data) and parts:
                parts[-1][2].extend(event.data)
    except RequestEntityTooLarge:
        raise BadRequest(f"the multipart body has more than {_MAX_PARTS} parts: " + _HOW) from None
    except (ValueError, IndexError, KeyError):
        raise BadRequest("the multipart body is malformed: " + _HOW) from None
    return [(name, is_file, bytes(content)) for name, is_file, content in parts]


def _from_multipart(content_type: str, body: bytes) -> tuple[SourceKind, object]:
    parts = _multipart_parts(content_type, body)
    for name, is_file, content in parts:
        if name == FIELD_FILE and (is_file or content):  # a file part, or a client that sent a plain field
            return _document("upload", content)
    for name, is_file, content in parts:
        if name == FIELD_URL and not is_file and content.strip():
            try:
                return "file_url", content.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise BadRequest(f"'{FIELD_URL}' is not UTF-8 text: send the link as plain text") from None
    if any(is_file for _, is_file, _ in parts):
        raise BadRequest(f"the upload must be in the multipart field '{FIELD_FILE}'")
    raise BadRequest("no invoice in the request: " + _HOW)


def _from_form(body: bytes) -> tuple[SourceKind, object]:
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=False, max_num_fields=_MAX_PARTS)
    except UnicodeDecodeError:
        raise BadRequest("the form body is not UTF-8: " + _HOW) from None
    except ValueError:
        raise BadRequest(f"the form body has more than {_MAX_PARTS} fields: " + _HOW) from None
    urls = [u for u in fields.get(FIELD_URL, []) if u.strip()]
    if not urls:
        raise BadRequest("no invoice in the request: " + _HOW)
    return "file_url", urls[0].strip()


def request_source(
    request: Request,
    *,
    max_bytes: int,
    fetch_policy: FetchPolicy,
    body_timeout_seconds: float = 30.0,
    resolver: Resolver = system_resolver,
) -> Source:
    """Read the request into a Source; raises a ServiceError with the right status for bad input."""
    check_declared_length(request, max_bytes)
    mimetype = (request.mimetype or "").lower()
    if mimetype == "multipart/form-data":
        body = read_body(request, max_bytes + _MULTIPART_OVERHEAD, body_timeout_seconds, allowed=max_bytes)
        kind, value = _from_multipart(request.headers.get("Content-Type", ""), body)
    else:
        body = read_body(request, max_bytes, body_timeout_seconds)
        if mimetype == "application/x-www-form-urlencoded":
            kind, value = _from_form(body)
        elif mimetype == "application/json" or mimetype.endswith("+json"):
            kind, value = _from_json(body, url_allowed=True)
        elif not body:
            raise BadRequest("the request has no body: " + _HOW)
        elif mimetype in ("application/pdf", "application/octet-stream", "") or is_pdf(body):
            kind, value = _document("raw_body", body)
        else:
            raise UnsupportedMediaType(f"content type {mimetype!r} is not accepted: " + _HOW)
    if kind == "file_url":
        return Source("file_url", fetch_url(str(value), fetch_policy, resolver=resolver))
    if isinstance(value, bytes) and len(value) > max_bytes:
        raise _too_large(max_bytes)
    return Source(kind, value)  # type: ignore[arg-type]
