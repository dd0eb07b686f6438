"""Config validation beyond the fault catalogue: what must still be accepted, and the state dir
given on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.config import DEFAULT_CONFIG, load_config
from deploy_scripts.errors import ConfigError
from deploy_scripts.secret_scan import files_containing, secret_name, secret_value_reason

from .conftest import write_config

#: a Google Sheets id (44 random characters by design): an identifier, not a credential
SHEET_ID = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"


@pytest.mark.parametrize(
    "value",
    [
        "be53c6e3a199a473",
        "freckled-hen-analytics",
        "Update 20230525",
        "documentai",
        "https://example.com/a/b",
    ],
)
def test_production_values_are_not_mistaken_for_secrets(value):
    assert secret_value_reason(value) is None


def test_identifiers_are_judged_by_known_prefixes_only():
    assert secret_value_reason(SHEET_ID, identifier=True) is None
    assert secret_value_reason(SHEET_ID) == "it holds a random-looking run of 44 characters (high entropy)"
    assert secret_value_reason("AIzaSyD3xQ7pLr2Kf9Vb0Nw4Ts8Ym1Hc6Ej5Ua", identifier=True) == (
        "it has the prefix of a known credential format"
    )


@pytest.mark.parametrize(
    "name", ["GEMINI_API_KEY", "KEY", "GITHUB_TOKEN", "DB_PASSWORD", "CLIENT_SECRET_FILE"]
)
def test_credential_names(name):
    assert secret_name(name)


@pytest.mark.parametrize(
    "name", ["INVOICE_PARSER", "GOOGLE_SHEETS_SHEET_NAME", "KEYBOARD_LAYOUT", "MONKEY_MODE"]
)
def test_ordinary_names(name):
    assert not secret_name(name)


def test_a_filled_in_production_environment_loads(tmp_path: Path, isolated_env):
    filled = dict(load_config().environment("production").env_vars, GOOGLE_SHEETS_SPREADSHEET_ID=SHEET_ID)
    path = write_config(tmp_path / "c.toml", environments__production__env_vars=filled)
    production = load_config(path).environment("production")
    assert production.env_vars["GOOGLE_SHEETS_SPREADSHEET_ID"] == SHEET_ID and production.placeholders() == []


def test_unwritable_state_dir_from_the_environment(tmp_path: Path, isolated_env, monkeypatch):
    monkeypatch.setenv("DEPLOY_STATE_DIR", f"{DEFAULT_CONFIG}/state")
    with pytest.raises(ConfigError) as error:
        load_config()
    assert str(error.value) == (
        f"{DEFAULT_CONFIG}: state_dir: {DEFAULT_CONFIG}/state: {DEFAULT_CONFIG} is not a directory; choose a "
        "writable directory (state_dir, --state-dir or DEPLOY_STATE_DIR)"
    )


def test_unwritable_state_dir_flag(isolated_env):
    result = CliRunner().invoke(deploy, ["--action", "status", "--state-dir", f"{DEFAULT_CONFIG}/state"])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: --state-dir: state_dir: {DEFAULT_CONFIG}/state: {DEFAULT_CONFIG} is not a directory; choose a "
        "writable directory (state_dir, --state-dir or DEPLOY_STATE_DIR)\n"
    )


def test_scan_finds_values_and_skips_what_it_is_told(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "log.jsonl").write_text('{"x": "the-secret-value"}\n')
    (tmp_path / "secrets.toml").write_text('k = "the-secret-value"\n')
    (tmp_path / "clean.txt").write_text("nothing here\n")
    found = files_containing([tmp_path], ["the-secret-value"], skip=[tmp_path / "secrets.toml"])
    assert found == [f"{tmp_path / 'a' / 'log.jsonl'}: the-…"]
