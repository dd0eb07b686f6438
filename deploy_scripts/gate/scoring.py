"""The gate's scoring: the one definition lives in the function's package (invoice_processing.scoring),
because the deployed function scores its daily check against golden truth with it too."""

from invoice_processing.scoring import (  # noqa: F401 - re-exported for the gate, verify and tests
    INT_FIELDS,
    INVOICE_FIELDS,
    ITEM_FIELDS,
    MONEY_FIELDS,
    TOTAL_FIELDS,
    FieldTally,
    InvoiceScore,
    Mismatch,
    _reported,
    normalise,
    score_invoice,
    stated,
)
