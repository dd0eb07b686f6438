"""What a request carries -> the document's bytes.

Zapier posts one of: a multipart upload (`invoice_file`), a `file_url` (form field or JSON), or a
Document AI document as JSON (replaying a stored document). A raw `application/pdf` body is
accepted too. Sizes are capped before anything is buffered whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from flask import Request
from werkzeug.exceptions import BadRequest as WerkzeugBadRequest
from werkzeug.exceptions import RequestEntityTooLarge

from ..document import is_pdf
from .errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from .fetch import FetchPolicy, Resolver, fetch_url, system_resolver

SourceKind = Literal["upload", "file_url", "document_json", "raw_body"]
FIELD_FILE = "invoice_file"
FIELD_URL = "file_url"
# Multipart framing and form fields around the file: allowed on top of the file-size limit.
_MULTIPART_OVERHEAD = 64 * 1024

_HOW = f"send the PDF as multipart field '{FIELD_FILE}', a '{FIELD_URL}', or a Document AI JSON document"


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    data: bytes


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request is larger than the {limit} byte limit (MAX_UPLOAD_BYTES)")


def _check_declared_length(request: Request, limit: int) -> None:
    if request.content_length is not None and request.content_length > limit + _MULTIPART_OVERHEAD:
        raise _too_large(limit)


def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, read in pieces so a chunked upload without Content-Length is capped too."""
    body = bytearray()
    stream = request.stream
    while chunk := stream.read(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _from_multipart(request: Request, limit: int) -> tuple[str, object]:
    request.max_content_length = limit + _MULTIPART_OVERHEAD
    # Not smaller: werkzeug applies this cap while scanning file parts too, and a real PDF full of
    # newlines then gets a 413 far below the upload limit (pallets/werkzeug#2999). The whole body
    # is already capped by max_content_length.
    request.max_form_memory_size = limit + _MULTIPART_OVERHEAD
    try:
        files, form = request.files, request.form
    except RequestEntityTooLarge:
        raise _too_large(limit) from None
    except (WerkzeugBadRequest, ValueError):
        raise BadRequest("the multipart body is malformed: " + _HOW) from None
    upload = files.get(FIELD_FILE)
    if upload is not None:
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise _too_large(limit)
        return "upload", data
    if form.get(FIELD_URL):
        return "file_url", form[FIELD_URL]
    if files:
        raise BadRequest(f"the upload must be in the multipart field '{FIELD_FILE}'")
    raise BadRequest("no invoice in the request: " + _HOW)


def _from_json(body: bytes) -> tuple[str, object]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the JSON body is malformed: " + _HOW) from None
    if not isinstance(payload, dict):
        raise BadRequest("the JSON body must be an object: " + _HOW)
    url = payload.get(FIELD_URL)
    if url is not None:
        if not isinstance(url, str) or not url.strip():
            raise BadRequest(f"'{FIELD_URL}' must be a non-empty string")
        return "file_url", url.strip()
    looks_like_document = any(key in payload for key in ("text", "pages", "document", "uri", "entities"))
    if not looks_like_document:
        raise BadRequest("the JSON body has neither a file_url nor a Document AI document: " + _HOW)
    return "document_json", body


def request_source(
    request: Request,
    *,
    max_bytes: int,
    fetch_policy: FetchPolicy,
    resolver: Resolver = system_resolver,
) -> Source:
    """Read the request into a Source; raises a ServiceError with the right status for bad input."""
    _check_declared_length(request, max_bytes)
    mimetype = (request.mimetype or "").lower()
    if mimetype == "multipart/form-data":
        kind, value = _from_multipart(request, max_bytes)
    elif mimetype == "application/x-www-form-urlencoded":
        body = _read_body(request, max_bytes)
        try:
            fields = parse_qs(body.decode("utf-8"), strict_parsing=False)
        except UnicodeDecodeError:
            raise BadRequest("the form body is not UTF-8: " + _HOW) from None
        urls = [u for u in fields.get(FIELD_URL, []) if u.strip()]
        if not urls:
            raise BadRequest("no invoice in the request: " + _HOW)
        kind, value = "file_url", urls[0].strip()
    elif mimetype == "application/json" or mimetype.endswith("+json"):
        kind, value = _from_json(_read_body(request, max_bytes))
    else:
        body = _read_body(request, max_bytes)
        if not body:
            raise BadRequest("the request has no body: " + _HOW)
        if mimetype in ("application/pdf", "application/octet-stream", "") or is_pdf(body):
            kind, value = "raw_body", body
        else:
            raise UnsupportedMediaType(f"content type {mimetype!r} is not accepted: " + _HOW)
    if kind == "file_url":
        return Source("file_url", fetch_url(str(value), fetch_policy, resolver=resolver))
    return Source(kind, value)  # type: ignore[arg-type]
