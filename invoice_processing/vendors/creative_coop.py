"""PLACEHOLDER: replaced by the real parser in this session (issue 2)."""

from ..document import Document
from ..models import ParsedInvoice


class CreativeCoopParser:
    name = "Creative Co-op"

    def score(self, document: Document) -> float:
        return 0.0

    def parse(self, document: Document) -> ParsedInvoice:
        raise NotImplementedError("CreativeCoopParser is not written yet")
