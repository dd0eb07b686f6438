"""Stand-ins for the two Google APIs the function calls, served by localcloud on loopback.

- Document AI `POST /v1/projects/P/locations/L/processors/ID:process`: answers a REST `Document`
  made by the local PDF parser (text, pages with layout and line text anchors), refusing more than
  15 pages as the real synchronous call does.
- Sheets v4 `values.get`, `values.append` and `spreadsheets.batchUpdate` (addSheet): rows kept in
  SQLite in the localcloud state directory.

With `LOCALCLOUD_URL` pointing here, the function's production client code (google-cloud-documentai,
google-api-python-client) runs unchanged with anonymous credentials.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ..settings import resolve_state_dir
from .documentai import documentai_blueprint
from .sheets import SheetStore, sheets_blueprint

__all__ = ["SheetStore", "register_standins", "standin_store"]

STORE_FILE = "standins.sqlite3"


def standin_store(state_dir: str | Path | None = None) -> SheetStore:
    """The stand-in Sheets store for a localcloud state directory (tests read rows through it)."""
    directory = resolve_state_dir(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return SheetStore(directory / STORE_FILE)


def register_standins(app: Flask, state_dir: str | Path | None = None) -> SheetStore:
    store = standin_store(state_dir)
    app.register_blueprint(documentai_blueprint())
    app.register_blueprint(sheets_blueprint(store))
    return store
