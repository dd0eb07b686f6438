"""Creative Co-op order confirmations and invoices (domain doc section 2)."""

from .parser import CreativeCoopParser

__all__ = ["CreativeCoopParser"]
