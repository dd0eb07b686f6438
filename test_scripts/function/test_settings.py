from __future__ import annotations

from pathlib import Path

import pytest

from invoice_processing.service.settings import Settings, SettingsError, load_settings


def test_no_environment_means_local_parser_and_sqlite_in_working_directory():
    settings = load_settings({})
    assert (settings.parser, settings.sink) == ("local", "sqlite")
    assert settings.sqlite_path == Path("invoice_rows.sqlite3")
    assert settings.max_upload_bytes == 20 * 1024 * 1024
    assert settings.shared_secret is None and settings.allow_loopback_urls is False


def test_production_environment_is_read():
    settings = load_settings(
        {
            "INVOICE_PARSER": "documentai",
            "INVOICE_SINK": "sheets",
            "GOOGLE_CLOUD_PROJECT_ID": "freckled-hen-analytics",
            "GOOGLE_CLOUD_LOCATION": "us",
            "DOCUMENT_AI_PROCESSOR_ID": "be53c6e3a199a473",
            "GOOGLE_SHEETS_SPREADSHEET_ID": "sheet-id",
            "GOOGLE_SHEETS_SHEET_NAME": "Update 20230525",
            "INVOICE_SHARED_SECRET": "hunter2",
            "MAX_UPLOAD_BYTES": "1000",
            "K_REVISION": "process-invoice-00007-abc",
        }
    )
    assert settings.processor_id == "be53c6e3a199a473" and settings.sheet_name == "Update 20230525"
    assert settings.revision == "process-invoice-00007-abc" and settings.max_upload_bytes == 1000
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.health())
    assert settings.google_endpoint(None) is None


def test_localcloud_url_points_clients_there_unless_an_endpoint_is_explicit():
    settings = Settings(localcloud_url="http://127.0.0.1:9000", sheets_endpoint="http://127.0.0.1:9100")
    assert settings.google_endpoint(settings.documentai_endpoint) == "http://127.0.0.1:9000"
    assert settings.google_endpoint(settings.sheets_endpoint) == "http://127.0.0.1:9100"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"INVOICE_PARSER": "gemini"}, "INVOICE_PARSER: Input should be 'local' or 'documentai'"),
        ({"INVOICE_SINK": "excel"}, "INVOICE_SINK: Input should be 'sqlite' or 'sheets'"),
        ({"MAX_UPLOAD_BYTES": "lots"}, "MAX_UPLOAD_BYTES: Input should be a valid integer"),
        ({"MAX_UPLOAD_BYTES": "0"}, "MAX_UPLOAD_BYTES: Input should be greater than 0"),
        ({"ALLOW_LOOPBACK_URLS": "maybe"}, "ALLOW_LOOPBACK_URLS='maybe': use 1/true/yes or 0/false/no"),
        ({"INVOICE_PARSER": "documentai"}, "also need GOOGLE_CLOUD_PROJECT_ID, DOCUMENT_AI_PROCESSOR_ID"),
        ({"INVOICE_SINK": "sheets"}, "also need GOOGLE_SHEETS_SPREADSHEET_ID"),
    ],
)
def test_bad_environment_names_the_variable(environ, message):
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    assert message in str(caught.value)
