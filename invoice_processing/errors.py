"""Typed errors raised by the extractor. Callers map them to exit codes or HTTP statuses."""


class InvoiceError(Exception):
    """Base class: something about the input document is wrong. The message is safe to show users."""


class UnsupportedFormat(InvoiceError):
    """The bytes are neither a PDF nor a Document AI JSON document (HTTP 415)."""


class UnreadableDocument(InvoiceError):
    """A PDF or Document that cannot be read: empty, encrypted, corrupt, malformed JSON (HTTP 422)."""


class NoLineItems(InvoiceError):
    """The document was read but no line items were found in it (HTTP 422)."""
