"""`rollback --action rollback|emergency|history|watch`: a thin layer over deploy_scripts.rollback."""

from __future__ import annotations

import click
from rich.markup import escape

from ..control.rollouts import active_rollout, control_rollout
from ..pipeline.backup import checked_rollback_target
from ..pipeline.lock import FunctionLock
from ..pipeline.records import RecordStore
from ..pipeline.render import RichReporter, render_history, render_record
from ..pipeline.run import SilentReporter
from ..pipeline.status import history_rows, history_summary, with_effective_status
from ..pipeline.target import function_key
from ..rollback import run_rollback, watch
from ..state import open_state
from .options import common_options, console, emit_json, guarded, load


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--action",
    type=click.Choice(["rollback", "emergency", "history", "watch"]),
    default="rollback",
    show_default=True,
)
@common_options
@click.option(
    "--to", "to", default=None, metavar="REVISION|BACKUP", help="Roll back to this revision or backup id."
)
@click.option("--reason", default=None, help="Why (required for --action emergency; recorded).")
@click.option(
    "--minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="How long --action watch watches.",
)
@click.option("--interval", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds between watch evaluations (default: the config's watch.interval_seconds).")  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="History rows.")
def main(
    action, config_path, env_name, state_dir, as_json, invoices_dir, to, reason, minutes, interval, limit
) -> None:
    """Put a verified revision back in service, fast (traffic) or slow (redeploy a backup)."""
    if action == "emergency" and not (reason or "").strip():
        raise click.UsageError("--action emergency needs --reason TEXT (it is recorded with the rollback)")
    if action == "watch" and minutes is None:
        raise click.UsageError("--action watch needs --minutes N")
    if action == "emergency" and to:
        raise click.UsageError(
            "--action emergency always goes to the last verified revision; use --action rollback --to"
        )

    def body() -> int:
        if to:
            checked_rollback_target(to)  # a name, never a path: refused before anything is read
        config = load(config_path, env_name, state_dir)
        out = console()
        reporter = SilentReporter() if as_json else RichReporter(out)
        if action == "history":
            name = env_name or config.default_env
            target_env, state = config.environment(name), open_state(config, name)
            lock = FunctionLock(state, function_key(name, target_env), "history", "history").holder()
            # a `running` run whose process or lock is gone is shown `interrupted`
            records = with_effective_status(RecordStore(state).all(target_env.function, name), lock)
            data = {"summary": history_summary(records), "runs": history_rows(records, limit)}
            emit_json(data) if as_json else render_history(data["runs"], out)
            return 0
        if action == "emergency" and (answer := _abort_rollout(config, env_name, reason, reporter)):
            emit_json({"ok": True, **answer}) if as_json else out.print(
                escape(answer["message"]), highlight=False
            )
            return 0
        if action == "watch":
            record = watch(
                config, env_name, minutes, interval=interval, invoices_dir=invoices_dir, reporter=reporter
            )
            code = 1 if record.status == "rolled_back" else 0
        else:
            record = run_rollback(
                config, env_name, to=to, reason=reason, emergency=action == "emergency",
                invoices_dir=invoices_dir, reporter=reporter,
            )  # fmt: skip
            code = 0
        emit_json({"ok": code == 0, "record": record.model_dump(mode="json")}) if as_json else render_record(
            record, out
        )
        return code

    guarded(body, as_json)


def _abort_rollout(config, env_name, reason, reporter) -> dict | None:
    """During a rollout, an emergency aborts it: 100% to `stable` at once, even while the rollout's own
    run holds the lock (it is told to stop). None when no rollout is in progress."""
    env_name = env_name or config.default_env
    state = open_state(config, env_name)
    if active_rollout(state, function_key(env_name, config.environment(env_name))) is None:
        return None
    return control_rollout(config, env_name, "abort", reporter, wait_seconds=10, reason=reason)
