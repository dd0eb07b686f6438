"""The one structured log line the function writes per invoice (Cloud Logging's JSON shape).

Monitoring and `rollback --action watch` read these back, so the field names are a contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PROCESSED = "invoice_processed"
FAILED = "invoice_failed"


class InvoiceEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    severity: Literal["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    message: Literal["invoice_processed", "invoice_failed"]
    timestamp: str = Field(description="RFC 3339 UTC time the invoice finished")
    correlation_id: str = ""
    revision: str = ""
    vendor: str | None = None
    invoice_number: str | None = None
    line_items: int = 0
    rows_added: int = 0
    rows_already_present: int = 0
    duration_ms: float = 0.0
    peak_memory_mb: float = 0.0
    #: Ground-truth-free checks by name: upc_check_digits, extended_matches_qty_x_price,
    #: subtotal_reconciles, invoice_number_found, no_placeholder_pattern.
    quality: dict[str, bool] = Field(default_factory=dict)
    quality_score: float | None = None
    error_class: str | None = None
    status: int = 200
    #: Verification, replay and other synthetic traffic (every dry run): not the business's
    #: invoices, so monitor, watch and the canary analysis leave them out of their figures.
    synthetic: bool = False

    @property
    def is_synthetic(self) -> bool:
        """Marked synthetic, or a dry run (`dry_run` stays an extra field, as readers know it; events
        logged before `synthetic` existed count by it)."""
        return self.synthetic or bool((self.model_extra or {}).get("dry_run"))
