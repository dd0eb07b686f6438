"""Cloud Functions entry point `process_invoice`: a thin wrapper; the work is in invoice_processing.service."""

import functions_framework

from invoice_processing.service.handler import handle


@functions_framework.http
def process_invoice(request):
    return handle(request)
