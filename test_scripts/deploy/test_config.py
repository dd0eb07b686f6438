from __future__ import annotations

from pathlib import Path

import pytest

from deploy_scripts.config import load_config
from deploy_scripts.errors import ConfigError

from .conftest import write_config


def test_repo_config_loads_production_facts(isolated_env):
    config = load_config()
    prod = config.environment("production")
    assert (prod.function, prod.region, prod.project, prod.runtime, prod.memory, prod.timeout) == (
        "process_invoice", "us-central1", "freckled-hen-analytics", "python312", "1GiB", "540s",
    )  # fmt: skip
    assert prod.secrets == {"GEMINI_API_KEY": "gemini-api-key:latest"}
    assert prod.service == "process-invoice"
    assert config.default_env == "local"
    assert config.thresholds.rollback.min_accuracy == 0.85


def test_unknown_key_names_file_key_and_problem(tmp_path: Path):
    path = write_config(tmp_path / "c.toml", deploy__deploy_timeout_secs=5)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == (
        f"{path}: deploy.deploy_timeout_secs: unknown key; did you mean 'deploy_timeout_seconds'?"
    )


def test_secret_value_instead_of_reference_is_refused(tmp_path: Path):
    path = write_config(
        tmp_path / "c.toml", environments__production__secrets={"GEMINI_API_KEY": "AIzaSyD-real-key"}
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "environments.production.secrets" in str(error.value)
    assert "must be a Secret Manager reference 'secret-name:version'" in str(error.value)


def test_environment_variables_override_file(isolated_env, monkeypatch):
    monkeypatch.setenv("DEPLOY_ENV", "production")
    monkeypatch.setenv("DEPLOY_BACKUPS_KEEP", "3")
    monkeypatch.setenv("DEPLOY_TIMEOUT_SECONDS", "42.5")
    config = load_config()
    assert (config.default_env, config.backups.keep, config.deploy.deploy_timeout_seconds) == (
        "production",
        3,
        42.5,
    )
    assert config.resolved_state_dir() == isolated_env


def test_bad_override_value_is_a_config_error(isolated_env, monkeypatch):
    monkeypatch.setenv("DEPLOY_BACKUPS_KEEP", "many")
    with pytest.raises(
        ConfigError, match="backups.keep: environment variable DEPLOY_BACKUPS_KEEP='many' is not a int"
    ):
        load_config()


def test_unknown_default_env_names_the_key(tmp_path: Path):
    path = write_config(tmp_path / "c.toml", default_env="staging")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert (
        str(error.value)
        == f"{path}: default_env: unknown environment 'staging'; config defines: local, production"
    )
    assert error.value.exit_code == 2
