"""Deterministic generators of golden invoices: source data -> PDF / Document AI JSON / expected.json."""
