"""The function's settings, read from its environment (functions-framework style, domain doc section 5).

With no environment at all the function runs stand-alone: the local PDF parser and a SQLite sink
in the working directory. Production names Document AI and Sheets explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024

_ENV_NAMES = {
    "parser": "INVOICE_PARSER",
    "sink": "INVOICE_SINK",
    "sqlite_path": "INVOICE_SQLITE_PATH",
    "max_upload_bytes": "MAX_UPLOAD_BYTES",
    "shared_secret": "INVOICE_SHARED_SECRET",
    "allow_loopback_urls": "ALLOW_LOOPBACK_URLS",
    "project_id": "GOOGLE_CLOUD_PROJECT_ID",
    "location": "GOOGLE_CLOUD_LOCATION",
    "processor_id": "DOCUMENT_AI_PROCESSOR_ID",
    "spreadsheet_id": "GOOGLE_SHEETS_SPREADSHEET_ID",
    "sheet_name": "GOOGLE_SHEETS_SHEET_NAME",
    "ledger_sheet_name": "INVOICE_LEDGER_SHEET_NAME",
    "documentai_endpoint": "DOCUMENT_AI_ENDPOINT",
    "sheets_endpoint": "SHEETS_ENDPOINT",
    "localcloud_url": "LOCALCLOUD_URL",
    "revision": "K_REVISION",
    "documentai_max_pages": "DOCUMENT_AI_MAX_PAGES",
    "max_pages": "MAX_DOCUMENT_PAGES",
    "fetch_timeout_seconds": "FILE_URL_TIMEOUT_SECONDS",
    "body_timeout_seconds": "REQUEST_BODY_TIMEOUT_SECONDS",
    "processing_budget_seconds": "PROCESSING_BUDGET_SECONDS",
    "archive_url": "INVOICE_ARCHIVE_URL",
    "archive_retention_days": "INVOICE_ARCHIVE_RETENTION_DAYS",
}


class SettingsError(ValueError):
    """The function's environment is wrong. The message names the variable and what to set."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    parser: Literal["local", "documentai"] = "local"
    sink: Literal["sqlite", "sheets"] = "sqlite"
    sqlite_path: Path = Path("invoice_rows.sqlite3")
    max_upload_bytes: int = Field(DEFAULT_MAX_UPLOAD_BYTES, gt=0)
    shared_secret: str | None = Field(default=None, repr=False)
    allow_loopback_urls: bool = False
    project_id: str | None = None
    location: str = "us"
    processor_id: str | None = None
    spreadsheet_id: str | None = None
    sheet_name: str = "Sheet1"
    ledger_sheet_name: str = "_invoice_ledger"
    documentai_endpoint: str | None = None
    sheets_endpoint: str | None = None
    localcloud_url: str | None = None
    revision: str = "local"
    #: Document AI's synchronous limit; longer PDFs are split into chunks of this many pages.
    documentai_max_pages: int = Field(15, ge=1)
    #: Refuse anything longer outright (422): a 200-page "invoice" is a mistake, not an order.
    max_pages: int = Field(200, ge=1)
    fetch_timeout_seconds: float = Field(20.0, gt=0)
    #: The whole request body must arrive within this (408 otherwise): a trickling client cannot
    #: hold a worker thread for longer.
    body_timeout_seconds: float = Field(30.0, gt=0)
    #: Parsing and extraction together; past it the caller gets 422 and nothing is written. Below
    #: Zapier's 160 s, with room for the body, the download and the sink write.
    processing_budget_seconds: float = Field(90.0, gt=0)
    #: Where each real invoice is archived with its result for shadow replay (service/archive.py):
    #: `gs://BUCKET/PREFIX` or a directory; None: nothing is archived.
    archive_url: str | None = None
    archive_retention_days: int = Field(30, ge=1)

    @model_validator(mode="after")
    def _production_names_are_set(self) -> Settings:
        missing = []
        if self.parser == "documentai":
            missing += [n for n in ("project_id", "processor_id") if not getattr(self, n)]
        if self.sink == "sheets":
            missing += [n for n in ("spreadsheet_id",) if not getattr(self, n)]
        if missing:
            names = ", ".join(_ENV_NAMES[n] for n in missing)
            raise ValueError(f"INVOICE_PARSER={self.parser} / INVOICE_SINK={self.sink} also need {names}")
        return self

    @property
    def uses_localcloud(self) -> bool:
        return bool(self.localcloud_url)

    def google_endpoint(self, explicit: str | None) -> str | None:
        """An explicit endpoint wins; on localcloud the stand-ins answer; otherwise Google's default."""
        return explicit or self.localcloud_url or None

    def health(self) -> dict[str, object]:
        """What GET shows: what is configured, never a secret or a credential."""
        return {
            "parser": self.parser,
            "sink": self.sink,
            "document_ai": (
                {"location": self.location, "processor_configured": bool(self.processor_id)}
                if self.parser == "documentai"
                else None
            ),
            "sheet": self.sheet_name if self.sink == "sheets" else None,
            "max_upload_bytes": self.max_upload_bytes,
            "shared_secret_required": bool(self.shared_secret),
            "localcloud": self.uses_localcloud,
            "archive": bool(self.archive_url),
        }


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    raise SettingsError(f"{name}={value!r}: use 1/true/yes or 0/false/no")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for field, env_name in _ENV_NAMES.items():
        value = environ.get(env_name)
        if value is None or not value.strip():
            continue
        raw[field] = _bool(env_name, value) if field == "allow_loopback_urls" else value.strip()
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            name = _ENV_NAMES.get(field, "environment")
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("; ".join(problems)) from None
