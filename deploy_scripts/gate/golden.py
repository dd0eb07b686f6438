"""Golden invoices: `<name>.pdf` and/or `<name>.docai.json` beside `<name>.expected.json`.

The expected file is ground truth written from the document's source data. PDF and JSON of the
same name are scored as separate cases against the same truth.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..errors import ConfigError

EXPECTED_SUFFIX = ".expected.json"
SOURCE_SUFFIXES = (".pdf", ".docai.json")


def _plain_money(value: object) -> object:
    """Ground truth copied from a document may keep its `$` and thousands separators."""
    return value.replace(",", "").replace("$", "").strip() if isinstance(value, str) else value


Money = Annotated[Decimal | None, BeforeValidator(_plain_money)]


class ExpectedItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_code: str
    upc: str | None = None
    description: str | None = None
    qty_ordered: int | None = None
    unit_price: Money = None
    extended_price: Money = None
    page: int | None = None


class ExpectedInvoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    vendor: str
    invoice_number: str | None = None
    order_date: dt.date | None = None
    line_items: list[ExpectedItem] = Field(min_length=1)


@dataclass(frozen=True)
class GoldenCase:
    name: str  # the source file's name, e.g. "cs003837319.pdf"
    source: Path
    expected_path: Path
    expected: ExpectedInvoice


def load_expected(path: Path) -> ExpectedInvoice:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); fix or regenerate it"
        ) from None
    try:
        return ExpectedInvoice.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise ConfigError(f"{path}: malformed expected file: {problems}") from None


def discover_goldens(directory: Path) -> list[GoldenCase]:
    """Every (source, expected) pair in `directory`, sorted by name. Raises ConfigError when the
    directory is missing or empty, or an expected file is malformed or has no document beside it."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory of golden invoices")
    cases = []
    for expected_path in sorted(directory.glob(f"*{EXPECTED_SUFFIX}")):
        stem = expected_path.name[: -len(EXPECTED_SUFFIX)]
        sources = [directory / f"{stem}{suffix}" for suffix in SOURCE_SUFFIXES]
        present = [s for s in sources if s.is_file()]
        if not present:
            raise ConfigError(
                f"{expected_path}: no invoice beside it (looked for {stem}.pdf and {stem}.docai.json); "
                "add the document or remove the expected file"
            )
        expected = load_expected(expected_path)
        cases.extend(GoldenCase(s.name, s, expected_path, expected) for s in present)
    if not cases:
        raise ConfigError(
            f"{directory}: no golden invoices (<name>.pdf or <name>.docai.json with <name>{EXPECTED_SUFFIX})"
        )
    return cases
