"""Vendor detection: every parser scores the document; the best confident score wins.

A parser's score must rest on real evidence (the vendor's name, its header labels, its table
layout), so a stray code-like token in another vendor's invoice cannot claim it.
"""

from __future__ import annotations

from ..document import Document
from .base import VendorParser
from .creative_coop import CreativeCoopParser
from .generic import GenericParser
from .harpercollins import HarperCollinsParser
from .onehundred80 import OneHundred80Parser

#: Below this, no specific vendor is claimed and the generic entity-based path is used.
MIN_CONFIDENCE = 0.5

SPECIFIC_PARSERS: tuple[VendorParser, ...] = (CreativeCoopParser(), HarperCollinsParser(), OneHundred80Parser())
FALLBACK: VendorParser = GenericParser()


def detect_vendor(document: Document) -> VendorParser:
    scored = sorted(((p.score(document), i, p) for i, p in enumerate(SPECIFIC_PARSERS)), reverse=True)
    best_score, _, best = scored[0]
    return best if best_score >= MIN_CONFIDENCE else FALLBACK
