"""The readiness gate `validate` runs: golden invoices scored against ground truth."""

from .golden import ExpectedInvoice, GoldenCase, discover_goldens
from .readiness import Check, GateReport, run_gate
from .report import render_report, report_json, report_junit
from .scoring import InvoiceScore, Mismatch, score_invoice

__all__ = [
    "Check",
    "ExpectedInvoice",
    "GateReport",
    "GoldenCase",
    "InvoiceScore",
    "Mismatch",
    "discover_goldens",
    "render_report",
    "report_json",
    "report_junit",
    "run_gate",
    "score_invoice",
]
