"""The interface every vendor parser implements."""

from __future__ import annotations

from typing import Protocol

from ..document import Document
from ..models import ParsedInvoice


class VendorParser(Protocol):
    #: Canonical vendor name, as written to the sheet's Vendor column.
    name: str

    def score(self, document: Document) -> float:
        """Confidence in [0, 1] that the document is this vendor's. Evidence, not a stray token."""
        ...

    def parse(self, document: Document) -> ParsedInvoice:
        """Header fields and every line item. Raise nothing for odd content: return what is there."""
        ...
