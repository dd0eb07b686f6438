"""PLACEHOLDER: replaced by the real parser in this session (issue 2)."""

from ..document import Document
from ..models import ParsedInvoice


class HarperCollinsParser:
    name = "HarperCollins"

    def score(self, document: Document) -> float:
        return 0.0

    def parse(self, document: Document) -> ParsedInvoice:
        raise NotImplementedError("HarperCollinsParser is not written yet")
