"""The project comes from the working directory (or --project-dir / DEPLOY_PROJECT_DIR), and so do
its config, golden invoices, source and state; where the shared state lives follows the overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.cli.validate_cmd import main as validate
from deploy_scripts.config import load_config
from deploy_scripts.errors import ConfigError
from deploy_scripts.pipeline.records import RecordStore, RunRecord, new_run_id
from deploy_scripts.project import Project, find_project

from .conftest import write_config


def a_project(root: Path, local_state: bool = False, **overrides) -> Path:
    (root / "config").mkdir(parents=True)
    path = write_config(root / "config" / "deploy.toml", **overrides)
    if local_state:  # no state URL anywhere: the state is the local state_dir
        path.write_text(
            "".join(line for line in path.read_text().splitlines(True) if not line.startswith("state_url"))
        )
    return root


def a_record(reason: str) -> RunRecord:
    return RunRecord(id=new_run_id(), kind="emergency", env="local", function="process_invoice", actor="a@b",
                     pid=1, started_at="2026-01-01T00:00:00+00:00", status="succeeded", reason=reason)  # fmt: skip


def test_found_by_walking_up_from_the_working_directory(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("DEPLOY_PROJECT_DIR", raising=False)
    root = a_project(tmp_path / "checkout")
    deep = root / "invoice_processing" / "vendors"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    project = find_project()
    assert project == Project(root.resolve())
    assert project.invoices_dir == root.resolve() / "test_invoices"
    assert project.config_file == root.resolve() / "config" / "deploy.toml"


def test_project_dir_beats_the_variable_which_beats_the_working_directory(tmp_path: Path, monkeypatch):
    here, there, elsewhere = (a_project(tmp_path / n) for n in ("here", "there", "elsewhere"))
    monkeypatch.chdir(here)
    monkeypatch.setenv("DEPLOY_PROJECT_DIR", str(there))
    assert find_project().root == there.resolve()
    assert find_project(elsewhere).root == elsewhere.resolve()


def test_outside_any_project_is_a_config_error_saying_what_to_do(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("DEPLOY_PROJECT_DIR", raising=False)
    monkeypatch.delenv("DEPLOY_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(validate, [])
    assert result.exit_code == 2
    assert result.output == (
        f"validate: no config/deploy.toml in {tmp_path.resolve()} or any directory above it; run the command "
        "inside a checkout of the project, or pass --project-dir DIR (or set DEPLOY_PROJECT_DIR)\n"
    )
    bad = CliRunner().invoke(rollback, ["--action", "history", "--project-dir", str(tmp_path)])
    assert bad.exit_code == 2
    assert bad.output == (
        f"Error: --project-dir {tmp_path.resolve()}: no config/deploy.toml there; point it at a checkout of the project\n"
    )


def test_the_state_and_config_are_the_projects_not_the_installed_packages(
    isolated_env, tmp_path: Path, monkeypatch
):
    """Two checkouts with local state (state_dir, no state URL): each command reads its own."""
    monkeypatch.delenv("DEPLOY_STATE_DIR")
    a = a_project(tmp_path / "a", local_state=True, state_dir=".deploy-a")
    b = a_project(tmp_path / "b", local_state=True, state_dir=".deploy-b")
    RecordStore(a / ".deploy-a").save(a_record("from a"))
    RecordStore(b / ".deploy-b").save(a_record("from b"))
    monkeypatch.chdir(a)
    from_a = CliRunner().invoke(rollback, ["--action", "history", "--json"])
    from_b = CliRunner().invoke(rollback, ["--action", "history", "--json", "--project-dir", str(b)])
    assert [r["reason"] for r in json.loads(from_a.output)["runs"]] == ["from a"]
    assert [r["reason"] for r in json.loads(from_b.output)["runs"]] == ["from b"]


def test_state_location_follows_flag_then_variables_then_the_environment(
    isolated_env, tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("DEPLOY_STATE_DIR")
    project = Project(a_project(tmp_path / "p"))
    config = load_config(project=project)
    assert config.state_location("local") == "gs://localcloud-deploy-state/invoice-pipeline"
    assert config.state_location("production") == "gs://freckled-hen-analytics-deploy-state/invoice-pipeline"
    monkeypatch.setenv("DEPLOY_STATE_URL", "gs://another-bucket/team")
    assert load_config(project=project).state_location("production") == "gs://another-bucket/team"
    monkeypatch.delenv("DEPLOY_STATE_URL")
    monkeypatch.setenv("DEPLOY_STATE_DIR", "relative-state")
    assert load_config(project=project).state_location("local") == str(project.root / "relative-state")


def test_a_state_url_that_is_not_gs_is_refused(tmp_path: Path):
    path = write_config(tmp_path / "c.toml", environments__local__state_url="s3://bucket/x")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == (
        f"{path}: environments.local.state_url: Value error, must be gs://BUCKET/PREFIX "
        "(or leave it out for the local state_dir)"
    )


def test_localcloud_is_per_user_and_machine_not_per_checkout(tmp_path: Path, monkeypatch):
    from deploy_scripts.localcloud.settings import resolve_state_dir

    monkeypatch.delenv("LOCALCLOUD_STATE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert resolve_state_dir() == tmp_path / "home" / ".local" / "share" / "localcloud"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_state_dir() == tmp_path / "data" / "localcloud"
    monkeypatch.setenv("LOCALCLOUD_STATE_DIR", str(tmp_path / "mine"))
    assert resolve_state_dir() == tmp_path / "mine"
    assert resolve_state_dir(tmp_path / "flag") == tmp_path / "flag"
