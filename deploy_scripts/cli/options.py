"""Click options shared by `deploy`, `rollback` and `validate`, defined once.

Precedence: a flag beats an environment variable beats config/deploy.toml (the file feeds the
defaults, as pip-tools does with its config file). Commands call `load(...)` once and get the
validated config with the flags applied.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ..config import DeployConfig, check_state_dir, load_config
from ..errors import DeployError
from ..pipeline.interrupts import as_interrupted, signals_raise
from ..project import Project, find_project


def _remember_project_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    ctx.meta["deploy_scripts.project_dir"] = value


project_dir_option = click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_remember_project_dir,
    help="The project (a checkout holding config/deploy.toml); default: DEPLOY_PROJECT_DIR, else the "
    "nearest one at or above the working directory.",
)


def current_project() -> Project:
    """The project of the running command: --project-dir, DEPLOY_PROJECT_DIR, or found from the cwd."""
    ctx = click.get_current_context(silent=True)
    return find_project(ctx.meta.get("deploy_scripts.project_dir") if ctx else None)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: DEPLOY_CONFIG or the project's config/deploy.toml).",
)
env_option = click.option(
    "--env",
    "env_name",
    default=None,
    metavar="NAME",
    help="Environment from the config (default: DEPLOY_ENV or the config's default_env).",
)
state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the state (backups, records, history, lock) in this local directory instead of the "
    "config's state URL (default: DEPLOY_STATE_DIR, DEPLOY_STATE_URL, the environment's state_url).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
invoices_dir_option = click.option(
    "--invoices-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Golden invoices for gate and verification (default: the project's test_invoices/).",
)


def compose(*decorators: Callable) -> Callable:
    def apply(command: Callable) -> Callable:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


#: What every command that talks to an environment takes.
environment_options = compose(project_dir_option, config_option, env_option, state_dir_option, json_option)
#: `deploy` and `rollback` also score golden invoices.
common_options = compose(environment_options, invoices_dir_option)


def load(config_path: Path | None, env_name: str | None, state_dir: Path | None) -> DeployConfig:
    config = load_config(config_path, current_project())
    updates: dict[str, Any] = {}
    if state_dir is not None:
        updates["state_dir"] = state_dir.resolve()
        updates["state_url"] = str(state_dir.resolve())
    if env_name is not None:
        config.environment(env_name)  # unknown names fail here, with the known ones listed
        updates["default_env"] = env_name
    config = config.model_copy(update=updates)
    if state_dir is not None:
        check_state_dir(config, "--state-dir")
    return config


def console(file=None) -> Console:
    # Piped output (CI logs, `| less`, a file) gets a wide table rather than rich's 80-column default.
    stream = file or sys.stdout
    return Console(file=stream, highlight=False, soft_wrap=True, width=None if stream.isatty() else 160)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def fail(exc: DeployError, as_json: bool) -> None:
    """Print a typed error the way the user asked for and exit with its code."""
    if as_json:
        record = getattr(exc, "record", None)
        emit_json(
            {
                "ok": False,
                "error": str(exc),
                "error_type": exc.__class__.__name__,
                "exit_code": exc.exit_code,
                "record": record.model_dump(mode="json") if record is not None else None,
            }
        )
    else:
        click.echo(f"Error: {exc}", err=True)
    sys.exit(exc.exit_code)


def guarded(body: Callable[[], int | None], as_json: bool) -> None:
    """Run a command body: typed errors become their exit codes (click's usage errors exit 2 itself);
    SIGINT and SIGTERM end it with what the run did about them and exit 130 / 143."""
    try:
        with signals_raise():
            code = body()
    except DeployError as exc:
        fail(exc, as_json)
    except KeyboardInterrupt as exc:  # Interrupted too (a KeyboardInterrupt)
        interrupted(as_interrupted(exc), as_json)
    else:
        sys.exit(code or 0)


def interrupted(exc, as_json: bool) -> None:
    """Say what the interrupted run left serving (its notes), and exit 128 + the signal number."""
    record = exc.record
    where = (
        f"{record.kind} {record.id} stopped during stage {record.current_stage!r}" if record else "stopped"
    )
    if record is None:
        notes = ["no run had started: nothing was changed"]
    else:  # a run without a restore of its own: the next run checks what serves
        notes = exc.notes or [
            "the run is recorded interrupted; `deploy --action status` shows what serves, and the next "
            "deploy or rollback checks it"
        ]
    message = f"interrupted by {exc.name}: {where}" + "".join(f"; {n}" for n in notes)
    if as_json:
        emit_json(
            {
                "ok": False,
                "error": message,
                "error_type": "Interrupted",
                "signal": exc.name,
                "exit_code": exc.exit_code,
                "notes": notes,
                "record": record.model_dump(mode="json") if record is not None else None,
            }
        )
    else:
        click.echo(f"Interrupted: {message}", err=True)
    sys.exit(exc.exit_code)
