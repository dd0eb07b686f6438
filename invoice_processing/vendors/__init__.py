"""Vendor detection: every parser scores the document; the best confident score wins.

A parser's score must rest on real evidence (the vendor's name, its header labels, its table
layout), so a stray code-like token in another vendor's invoice cannot claim it. Below
MIN_CONFIDENCE nobody claims the document and the generic entity-based path reads it.
"""

from __future__ import annotations

from ..document import Document
from .base import VendorParser
from .creative_coop import CreativeCoopParser
from .generic import GenericParser
from .harpercollins import HarperCollinsParser
from .onehundred80 import OneHundred80Parser

__all__ = ["FALLBACK", "MIN_CONFIDENCE", "SPECIFIC_PARSERS", "VendorParser", "detect_vendor", "vendor_scores"]

#: Below this, no specific vendor is claimed and the generic entity-based path is used.
MIN_CONFIDENCE = 0.5

SPECIFIC_PARSERS: tuple[VendorParser, ...] = (
    CreativeCoopParser(),
    HarperCollinsParser(),
    OneHundred80Parser(),
)
FALLBACK: VendorParser = GenericParser()


def vendor_scores(document: Document) -> dict[str, float]:
    """Every specific parser's score, for diagnostics (`why was this read as X?`)."""
    return {parser.name: parser.score(document) for parser in SPECIFIC_PARSERS}


def detect_vendor(document: Document) -> VendorParser:
    """The highest-scoring parser at or above MIN_CONFIDENCE (ties go to the earlier-listed
    parser), else the generic fallback."""
    best_score, best = 0.0, FALLBACK
    for parser in SPECIFIC_PARSERS:
        score = parser.score(document)
        if score >= MIN_CONFIDENCE and score > best_score:
            best_score, best = score, parser
            if score >= 1.0:  # scores stop at 1.0: a later parser could only tie, and ties go here
                break
    return best
