"""HTTP-facing errors. Each carries its status and a message that is safe to show the caller:
it says what to do and never echoes document text, credentials or internals."""

from __future__ import annotations


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class MethodNotAllowed(ServiceError):
    status, code = 405, "method_not_allowed"


class BadRequest(ServiceError):
    status, code = 400, "bad_request"


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"


class PayloadTooLarge(ServiceError):
    status, code = 413, "payload_too_large"


class RequestTimeout(ServiceError):
    """The request body arrived too slowly: the worker thread is given back."""

    status, code = 408, "request_timeout"


class UnsupportedMediaType(ServiceError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(ServiceError):
    status, code = 422, "unprocessable_document"


class OverBudget(Unprocessable):
    """Reading the document took longer than the processing budget; nothing was written."""


class FetchRefused(BadRequest):
    """A file_url that is not allowed (scheme, private address, too many redirects) or not found."""

    code = "file_url_refused"


class FetchFailed(ServiceError):
    """The file_url's server failed or timed out: the caller may retry later."""

    status, code = 502, "file_url_unavailable"


class UpstreamFailed(ServiceError):
    """Document AI or Sheets answered with an error that a retry will not fix (configuration, permission)."""

    status, code = 502, "upstream_failed"


class UpstreamUnavailable(ServiceError):
    """Document AI or Sheets is unreachable, overloaded or timed out: retry later, nothing was written."""

    status, code = 503, "upstream_unavailable"


class Misconfigured(ServiceError):
    """The function's environment is wrong: an operator must fix it; the caller should retry later."""

    status, code = 503, "misconfigured"


class InProgress(ServiceError):
    """The same invoice is being written by another request: retry later; nothing was written."""

    status, code = 503, "invoice_in_progress"
