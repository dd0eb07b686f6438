"""The CLI's usage errors, the production dry run and a real production deploy attempt.

Production here is the session's stand-in for Google (test_scripts/offline.py): every API endpoint
is a loopback server that refuses (403) and records each request.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.config import DEFAULT_CONFIG, load_config
from test_scripts.offline import REFUSAL

from .conftest import write_config
from .test_source_and_backup import make_source

#: a spreadsheet id as Google makes them (44 random characters; an identifier, not a secret)
SHEET_ID = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
PLACEHOLDER_REFUSAL = (
    "{path}: environments.production: env_vars.GOOGLE_SHEETS_SPREADSHEET_ID: still a placeholder "
    "(REPLACE_WITH_...); set the real value before deploying production"
)

FUNCTION = "projects/freckled-hen-analytics/locations/us-central1/functions/process_invoice"


def refused_get(nowhere) -> str:
    """What the functions client reports when the stand-in for Google refuses its read."""
    return (
        f"`functions get process_invoice` failed: 403 GET {nowhere.url}v2/{FUNCTION}"
        f"?%24alt=json%3Benum-encoding%3Dint: {REFUSAL}; the account needs Cloud Functions Viewer on the project"
    )


def test_production_dry_run_prints_masked_command_and_changes_nothing(
    isolated_env, tmp_path: Path, offline_session
):
    source = make_source(tmp_path / "src")
    args = ["--env", "production", "--dry-run", "--skip-validation", "--source-dir", str(source), "--json"]
    result = CliRunner().invoke(deploy, args)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    command = plan["command"]
    assert command[:5] == ["gcloud", "functions", "deploy", "process_invoice", "--gen2"]
    assert command[command.index("--set-secrets") + 1] == "GEMINI_API_KEY=gemini-api-key:latest"
    assert command[command.index("--env-vars-file") + 1] == (
        "<0600 temp file>: DOCUMENT_AI_PROCESSOR_ID=***,GOOGLE_CLOUD_LOCATION=***,GOOGLE_CLOUD_PROJECT_ID=***,"
        "GOOGLE_SHEETS_SHEET_NAME=***,GOOGLE_SHEETS_SPREADSHEET_ID=***,INVOICE_ARCHIVE_RETENTION_DAYS=***,"
        "INVOICE_ARCHIVE_URL=***,INVOICE_PARSER=***,INVOICE_SINK=***"
    )
    # the dry run of production may be reviewed before the placeholder is filled in: a warning
    assert plan["warnings"] == [PLACEHOLDER_REFUSAL.format(path=DEFAULT_CONFIG)]
    assert "be53c6e3a199a473" not in result.output and "Update 20230525" not in result.output
    # the live function was read through the API, which the session's stand-in for Google refused
    nowhere = offline_session["nowhere"]
    assert plan["differences"] == [
        {"setting": "(live function)", "config": "-", "live": f"unknown: {refused_get(nowhere)}"}
    ]
    assert nowhere.seen[-1]["method"] == "GET" and f"/v2/{FUNCTION}?" in nowhere.seen[-1]["target"]
    assert plan["gate"] == {"skipped": True}
    assert not isolated_env.exists()  # no records, no backups, no lock


def test_production_dry_run_human_output(isolated_env, tmp_path: Path):
    source = make_source(tmp_path / "src")
    result = CliRunner().invoke(
        deploy, ["--env", "production", "--dry-run", "--skip-validation", "--source-dir", str(source)]
    )
    assert result.exit_code == 0, result.output
    assert "dry run of process_invoice (production): nothing will be changed" in result.output
    assert "--set-secrets GEMINI_API_KEY=gemini-api-key:latest" in result.output
    assert "GOOGLE_SHEETS_SHEET_NAME=***" in result.output
    assert f"warning: {PLACEHOLDER_REFUSAL.format(path=DEFAULT_CONFIG)}" in result.output


def test_production_deploy_with_a_placeholder_is_refused(isolated_env, tmp_path: Path):
    source = make_source(tmp_path / "src")
    result = CliRunner().invoke(
        deploy, ["--env", "production", "--skip-validation", "--source-dir", str(source)]
    )
    assert result.exit_code == 2
    assert result.output == f"Error: {PLACEHOLDER_REFUSAL.format(path=DEFAULT_CONFIG)}\n"
    assert not isolated_env.exists()  # refused before any stage: no record, no backup, no lock


def test_real_production_deploy_stops_at_the_refused_read(isolated_env, tmp_path: Path, offline_session):
    source = make_source(tmp_path / "src")
    filled = dict(load_config().environment("production").env_vars, GOOGLE_SHEETS_SPREADSHEET_ID=SHEET_ID)
    config = write_config(tmp_path / "prod.toml", environments__production__env_vars=filled)
    result = CliRunner().invoke(
        deploy,
        [
            "--env",
            "production",
            "--config",
            str(config),
            "--skip-validation",
            "--source-dir",
            str(source),
            "--json",
        ],
    )
    assert result.exit_code == 1
    out = json.loads(result.output)
    assert out["error_type"] == "CloudApiFailed"
    assert out["error"] == refused_get(offline_session["nowhere"])
    record = out["record"]
    assert record["status"] == "failed"
    assert [(s["name"], s["status"]) for s in record["stages"]] == [
        ("lock", "passed"),
        ("gate", "skipped"),
        ("backup", "failed"),
    ]
    assert record["skip_validation"] is True


def test_emergency_needs_a_reason(isolated_env):
    result = CliRunner().invoke(rollback, ["--action", "emergency"])
    assert result.exit_code == 2
    assert "Error: --action emergency needs --reason TEXT (it is recorded with the rollback)" in result.output


def test_watch_needs_minutes(isolated_env):
    result = CliRunner().invoke(rollback, ["--action", "watch"])
    assert result.exit_code == 2
    assert "Error: --action watch needs --minutes N" in result.output


def test_unknown_environment_is_a_usage_error(isolated_env):
    result = CliRunner().invoke(deploy, ["--action", "status", "--env", "staging"])
    assert result.exit_code == 2
    assert result.output == "Error: unknown environment 'staging'; config defines: local, production\n"


def test_history_of_nothing_is_empty(isolated_env):
    result = CliRunner().invoke(rollback, ["--action", "history", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["summary"]["runs"] == 0


def test_validate_action_runs_the_gate_alone(isolated_env):
    result = CliRunner().invoke(deploy, ["--action", "validate", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == (0 if report["passed"] else 1)
    assert report["readiness_score"] >= 0 and report["checks"]
    assert not isolated_env.exists()  # the gate alone records nothing


def test_validate_action_fails_a_sabotaged_source(isolated_env, tmp_path: Path):
    import shutil

    from deploy_scripts.config import REPO_ROOT

    from .conftest import sabotage

    source = tmp_path / "src"
    source.mkdir()
    shutil.copy2(REPO_ROOT / "main.py", source / "main.py")
    shutil.copytree(REPO_ROOT / "invoice_processing", source / "invoice_processing")
    result = CliRunner().invoke(deploy, ["--action", "validate", "--source-dir", str(sabotage(source))])
    assert result.exit_code == 1
    assert result.output.startswith("gate FAILED: readiness ")


def test_state_dir_flag_beats_the_environment_variable(isolated_env, tmp_path: Path):
    import os

    from deploy_scripts.pipeline.records import RecordStore, RunRecord, new_run_id

    flagged = tmp_path / "flagged"
    record = RunRecord(id=new_run_id(), kind="emergency", env="local", function="process_invoice", actor="a@b",
                       pid=os.getpid(), started_at="2026-01-01T00:00:00+00:00", status="succeeded", reason="drill")  # fmt: skip
    RecordStore(flagged).save(record)
    from_env = CliRunner().invoke(rollback, ["--action", "history", "--json"])
    from_flag = CliRunner().invoke(rollback, ["--action", "history", "--json", "--state-dir", str(flagged)])
    assert json.loads(from_env.output)["summary"]["runs"] == 0
    runs = json.loads(from_flag.output)["runs"]
    assert [(r["id"], r["kind"], r["reason"], r["actor"]) for r in runs] == [
        (record.id, "emergency", "drill", "a@b")
    ]
