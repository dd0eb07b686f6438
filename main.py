"""Cloud Functions entry point `process_invoice`: a thin wrapper; the work is in invoice_processing.service.

functions-framework serves this module with gunicorn (one worker, `THREADS` threads, default 4 per
CPU: 4 on a 1-vCPU Cloud Run instance). It reads `THREADS` after importing this module, so the
default set here applies in production, on localcloud and in tests alike. Each request thread
mostly waits (on its client's body, bounded by REQUEST_BODY_TIMEOUT_SECONDS, or on the reader's
child process), so more threads than slow clients keep health checks answered.
"""

import os

import functions_framework

from invoice_processing.service.daily_check import checked
from invoice_processing.service.handler import handle

os.environ.setdefault("THREADS", "32")


@functions_framework.http
def process_invoice(request):
    return checked(request, handle)  # scheduled checks score themselves against golden truth
