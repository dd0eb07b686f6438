"""The configured parts, built once per instance (cold start) from the environment."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from .archive import Archive, open_archive
from .budget import warm_up
from .parsers import DocumentParser, make_parser
from .settings import Settings, SettingsError, load_settings
from .sheets_sink import SheetsSink
from .sqlite_sink import SqliteSink


@dataclass
class Runtime:
    settings: Settings
    parser: DocumentParser
    sink: SqliteSink | SheetsSink
    #: Set when the environment is wrong: GET reports it, POST answers 503 with it.
    settings_error: str | None = None
    _archive: Archive | None = None

    def archive(self) -> Archive | None:
        """The archive, opened on first use (a cold start never waits for a storage client)."""
        if self._archive is None and self.settings.archive_url:
            self._archive = open_archive(self.settings.archive_url, self.settings.archive_retention_days)
        return self._archive


def build_runtime(settings: Settings) -> Runtime:
    # The reader's forkserver starts in the background, so a health check never waits for it.
    threading.Thread(target=warm_up, name="reader-warm-up", daemon=True).start()
    sink = (
        SheetsSink(settings)
        if settings.sink == "sheets"
        else SqliteSink(settings.sqlite_path, settings.revision)
    )
    return Runtime(settings=settings, parser=make_parser(settings), sink=sink)


@functools.cache
def runtime() -> Runtime:
    try:
        return build_runtime(load_settings())
    except SettingsError as exc:
        import os

        # Serve GET's "misconfigured" answer (and 503s) under the revision we really are.
        rt = build_runtime(Settings(revision=os.environ.get("K_REVISION", "local")))
        rt.settings_error = str(exc)
        return rt
