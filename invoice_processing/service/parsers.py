"""Document bytes -> Document: the local PDF parser, or Google Document AI through its client library.

Document AI's synchronous `process` takes at most 15 pages, so a longer PDF is split into chunks
with pdfium, each chunk is processed, and the returned documents are merged with their text
anchors and page numbers offset, so nothing is silently dropped. A Document AI JSON body (a stored
document being replayed) is read as it is, whatever parser is configured.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

import requests
from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from ..document import Document, is_pdf, load_document, parse_docai, parse_pdf
from ..errors import UnreadableDocument
from .errors import Unprocessable, UpstreamFailed, UpstreamUnavailable
from .pdf_tools import page_count, split_pdf
from .settings import Settings

DOCUMENT_AI_TIMEOUT_SECONDS = 60.0
# Only what the extractor reads: page images (megabytes per page) stay on Google's side.
_FIELD_MASK_PATHS = [
    "text",
    "entities",
    "pages.page_number",
    "pages.dimension",
    "pages.layout",
    "pages.lines",
    "pages.tokens",
]


class DocumentParser(Protocol):
    name: str

    def parse(self, data: bytes) -> Document: ...


def _check_length(data: bytes, settings: Settings) -> int:
    pages = page_count(data)
    if pages == 0:
        raise UnreadableDocument("the PDF has no pages")
    if pages > settings.max_pages:
        raise Unprocessable(
            f"the PDF has {pages} pages, more than the {settings.max_pages} this function accepts "
            "(MAX_DOCUMENT_PAGES): split it into separate invoices"
        )
    return pages


class LocalPdfParser:
    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def parse(self, data: bytes) -> Document:
        if not is_pdf(data):
            return load_document(data)  # a Document AI JSON, or refused as unknown
        _check_length(data, self.settings)
        return parse_pdf(data)


# ---------------------------------------------------------------- merging chunked documents


def _offset_anchors(node: Any, text_offset: int, page_offset: int) -> Any:
    """A copy of a REST-JSON Document fragment with text indices and page references shifted."""
    if isinstance(node, list):
        return [_offset_anchors(item, text_offset, page_offset) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "textSegments" and isinstance(value, list):
            out[key] = [
                {
                    **segment,
                    "startIndex": str(int(segment.get("startIndex", 0) or 0) + text_offset),
                    "endIndex": str(int(segment.get("endIndex", 0) or 0) + text_offset),
                }
                for segment in value
            ]
        elif key == "pageRefs" and isinstance(value, list):
            out[key] = [{**ref, "page": str(int(ref.get("page", 0) or 0) + page_offset)} for ref in value]
        elif key == "pageNumber" and not isinstance(value, dict | list):
            out[key] = int(value or 0) + page_offset
        else:
            out[key] = _offset_anchors(value, text_offset, page_offset)
    return out


def merge_documents(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Documents of consecutive page ranges -> one document, as if processed in one call."""
    if len(parts) == 1:
        return parts[0]
    text, pages, entities = "", [], []
    for part in parts:
        shifted = _offset_anchors(part, len(text), len(pages))
        text += part.get("text", "")
        pages += shifted.get("pages", [])
        entities += shifted.get("entities", [])
    return {"text": text, "pages": pages, "entities": entities}


# ---------------------------------------------------------------- the Document AI client

_RETRYABLE = (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.TooManyRequests, gexc.InternalServerError)
#: What the client library raises when Google (or the network to it) fails: anything else is a bug.
_UPSTREAM_ERRORS = (
    gexc.GoogleAPICallError,
    gexc.RetryError,
    auth_exc.GoogleAuthError,
    requests.RequestException,
    OSError,
)


@functools.lru_cache(maxsize=4)
def _client(endpoint: str | None, location: str):
    from google.api_core.client_options import ClientOptions
    from google.cloud import documentai

    api_endpoint = endpoint or f"{location}-documentai.googleapis.com"
    options = ClientOptions(api_endpoint=api_endpoint)
    if endpoint:  # a stand-in (localcloud) or test endpoint: no Google credentials
        from google.auth.credentials import AnonymousCredentials

        return documentai.DocumentProcessorServiceClient(
            credentials=AnonymousCredentials(), transport="rest", client_options=options
        )
    return documentai.DocumentProcessorServiceClient(client_options=options)


class DocumentAIParser:
    name = "documentai"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _processor_name(self) -> str:
        s = self.settings
        return f"projects/{s.project_id}/locations/{s.location}/processors/{s.processor_id}"

    @retry(
        retry=retry_if_exception_type(_RETRYABLE),
        stop=stop_after_attempt(2),
        wait=wait_exponential(multiplier=0.5, max=2),
        reraise=True,
    )
    def _process_chunk(self, client: Any, chunk: bytes) -> dict[str, Any]:
        from google.cloud import documentai
        from google.protobuf import field_mask_pb2

        request = documentai.ProcessRequest(
            name=self._processor_name(),
            raw_document=documentai.RawDocument(content=chunk, mime_type="application/pdf"),
            field_mask=field_mask_pb2.FieldMask(paths=_FIELD_MASK_PATHS),
        )
        result = client.process_document(request=request, timeout=DOCUMENT_AI_TIMEOUT_SECONDS)
        return documentai.Document.to_dict(result.document, preserving_proto_field_name=False)

    def parse(self, data: bytes) -> Document:
        if not is_pdf(data):
            return load_document(data)  # a Document AI JSON, or refused as unknown
        _check_length(data, self.settings)
        endpoint = self.settings.google_endpoint(self.settings.documentai_endpoint)
        try:
            client = _client(endpoint, self.settings.location)
            chunks = split_pdf(data, self.settings.documentai_max_pages)
            merged = merge_documents([self._process_chunk(client, chunk) for chunk in chunks])
        except _UPSTREAM_ERRORS as exc:
            raise _upstream_error(exc) from None
        return parse_docai(merged)


def _upstream_error(exc: Exception) -> Exception:
    # INVALID_ARGUMENT over gRPC, HTTP 400 over REST: the document itself was refused (e.g. too many
    # pages, unreadable). FAILED_PRECONDITION (a disabled processor) is ours to fix, not the caller's.
    if isinstance(exc, gexc.BadRequest) and not isinstance(exc, gexc.FailedPrecondition):
        return Unprocessable(
            "Document AI could not read this PDF: check that it opens and is not a scan of a scan"
        )
    if isinstance(exc, (*_RETRYABLE, gexc.RetryError)):
        return UpstreamUnavailable("Document AI is unavailable right now: retry later; nothing was written")
    if isinstance(exc, gexc.GoogleAPICallError):
        return UpstreamFailed(
            "Document AI refused the request: check DOCUMENT_AI_PROCESSOR_ID, GOOGLE_CLOUD_LOCATION "
            "and the service account's documentai.apiUser role; nothing was written"
        )
    if isinstance(exc, auth_exc.DefaultCredentialsError | auth_exc.RefreshError):
        return UpstreamFailed("no usable Google credentials for Document AI; nothing was written")
    # Connection refused / reset / DNS failure in the transport: the service was not reached.
    return UpstreamUnavailable("Document AI could not be reached: retry later; nothing was written")


def make_parser(settings: Settings) -> DocumentParser:
    return DocumentAIParser(settings) if settings.parser == "documentai" else LocalPdfParser(settings)
