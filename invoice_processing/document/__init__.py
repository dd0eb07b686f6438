"""Read a source (path or bytes, PDF or Document AI JSON) into the one Document model."""

from __future__ import annotations

from pathlib import Path

from ..errors import UnreadableDocument, UnsupportedFormat
from .docai import parse_docai
from .model import Document, Entity, Page, Word
from .pdf import parse_pdf

__all__ = [
    "Document",
    "Entity",
    "Page",
    "Word",
    "is_pdf",
    "load_document",
    "parse_docai",
    "parse_pdf",
    "read_source",
]


def read_source(source: str | Path | bytes) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    path = Path(source)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"cannot read {path}: {exc.strerror or exc}") from None


def is_pdf(data: bytes) -> bool:
    """Sniff the bytes, not the file name: Zapier's names are not to be trusted."""
    return data[:1024].lstrip().startswith(b"%PDF")


def load_document(source: str | Path | bytes) -> Document:
    data = read_source(source)
    head = data[:1024].lstrip()
    if not head:
        raise UnreadableDocument("the file is empty")
    if is_pdf(data):
        return parse_pdf(data)
    if head[:1] in (b"{", b"["):
        return parse_docai(data)
    raise UnsupportedFormat("not a PDF or a Document AI JSON document")
