"""`monitor`: current figures and alerts of the deployed function; --watch, --json, --serve, --report.

Exit codes: 0 no alert firing, 1 at least one alert firing, 2 usage or config error.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

import click

from ..errors import ConfigError
from ..monitoring.dashboard import render_page
from ..monitoring.monitor import Evaluation, Monitor, Windows
from ..monitoring.rollout_view import rollout_reader
from ..monitoring.server import Dashboard, check_loopback, make_server
from ..monitoring.sources import source_for
from ..monitoring.terminal import print_snapshot, print_transitions
from ..monitoring.webhook import WebhookNotifier, check_webhook_url
from ..state import open_state
from .options import console as make_console
from .options import environment_options, guarded, load


def _as_json(evaluation: Evaluation, indent: int | None = 2) -> str:
    data = evaluation.snapshot.model_dump(mode="json")
    data["firing"] = [a.rule for a in evaluation.snapshot.firing]
    data["transitions"] = [t.model_dump(mode="json") for t in evaluation.transitions]
    data["warnings"] = evaluation.problems
    return json.dumps(data, indent=indent)


def _show(evaluation: Evaluation, as_json: bool, compact: bool = False) -> None:
    if as_json:
        click.echo(_as_json(evaluation, None if compact else 2))
        print_transitions(make_console(sys.stderr), evaluation.transitions, evaluation.problems)
        return
    console = make_console()
    print_snapshot(console, evaluation.snapshot)
    print_transitions(console, evaluation.transitions, evaluation.problems)


def _exit_code(evaluation: Evaluation) -> int:
    return 1 if evaluation.snapshot.firing else 0


def _build_monitor(config_path, env_name, state_dir, events_files, webhook, windows) -> Monitor:
    config = load(config_path, env_name, state_dir)
    env = env_name or config.default_env
    notifier = None
    if webhook:
        notifier = WebhookNotifier(check_webhook_url(webhook))
    source = source_for(config.environment(env), events_files)
    rollout = rollout_reader(lambda: open_state(config, env))
    return Monitor(config, env, source, windows=windows, webhook=notifier, rollout=rollout)


def _watch(monitor: Monitor, interval: float, count: int | None, as_json: bool) -> int:
    console = make_console()
    code = 0
    for index in itertools.count():
        if count is not None and index >= count:
            break
        if index:
            time.sleep(interval)
        evaluation = monitor.evaluate()
        if not as_json and console.is_terminal:
            console.clear()
        _show(evaluation, as_json, compact=True)
        if not as_json:
            console.print(f"refreshing every {interval:g} s; Ctrl-C to stop")
        code = _exit_code(evaluation)
    return code


def _serve(monitor: Monitor, host: str, port: int, interval: float, as_json: bool) -> int:
    console = make_console(sys.stderr if as_json else None)
    dashboard = Dashboard(monitor, interval, lambda e: print_transitions(console, e.transitions, e.problems))
    dashboard.start()
    server = make_server(dashboard, host, port)
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"dashboard on http://{shown}:{server.server_address[1]}/ (JSON at /snapshot.json); Ctrl-C to stop"
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
        dashboard.stop()
    return 0


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@environment_options
@click.option(
    "--action",
    type=click.Choice(["show", "provision", "checks"]),
    default="show",
    show_default=True,
    help="show: figures and alerts; provision: create/update metrics, alert policies, channel, dashboard "
    "and scheduler jobs from the config; checks: the daily golden checks and the policies' state.",
)
@click.option(
    "--dry-run", is_flag=True, help="With --action provision: show what would change, change nothing."
)
@click.option("--watch", is_flag=True, help="Refresh every --interval seconds until Ctrl-C.")
@click.option("--serve", is_flag=True, help="Serve the dashboard on loopback until Ctrl-C.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the dashboard as a self-contained HTML file.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=None,
    help="Seconds between refreshes for --watch/--serve (default: config watch.interval_seconds).",
)
@click.option(
    "--count", type=click.IntRange(min=1), default=None, help="With --watch: stop after this many refreshes."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="--serve address (loopback only).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="--serve port (0: any free port).",
)
@click.option(
    "--window",
    "window_minutes",
    type=click.FloatRange(min=0.01),
    default=60,
    show_default=True,
    help="Minutes of events behind the current figures and the alerts.",
)
@click.option(
    "--history",
    "history_hours",
    type=click.FloatRange(min=0.01),
    default=24,
    show_default=True,
    help="Hours of history for the timeline and the per-revision figures.",
)
@click.option(
    "--buckets", type=click.IntRange(1, 500), default=24, show_default=True, help="Timeline intervals."
)
@click.option(
    "--min-events",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Fewer events than this in the window: alerts have no data (neither fire nor resolve).",
)
@click.option(
    "--events-file",
    "events_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read events from this JSON-lines file instead of the environment's logs (repeatable).",
)
@click.option(
    "--webhook",
    envvar="MONITOR_WEBHOOK_URL",
    default=None,
    show_envvar=True,
    help="Slack-compatible webhook for alert notifications (https, or http to loopback).",
)
def main(config_path, env_name, state_dir, as_json, action, dry_run, watch, serve, report_path, interval, count, host, port,
         window_minutes, history_hours, buckets, min_events, events_files, webhook) -> None:  # fmt: skip
    """Show the function's invoice figures and alerts (from its logs); notify when alerts fire or resolve."""

    def body() -> int:
        try:
            if action != "show":
                return _other_action(
                    action, config_path, env_name, state_dir, as_json, dry_run, history_hours
                )
            if dry_run:
                raise ConfigError("--dry-run goes with --action provision")
            if watch and serve:
                raise ConfigError("choose one of --watch and --serve")
            if count is not None and not watch:
                raise ConfigError("--count goes with --watch")
            if serve:
                check_loopback(host)  # before anything is read or stored
            windows = Windows(window_minutes, history_hours, buckets, min_events)
            monitor = _build_monitor(config_path, env_name, state_dir, events_files, webhook, windows)
            every = interval or monitor.config.watch.interval_seconds
            if serve:
                return _serve(monitor, host, port, every, as_json)
            if watch:
                return _watch(monitor, every, count, as_json)
            evaluation = monitor.evaluate()
            if report_path is not None:
                _write_report(report_path, evaluation)
            _show(evaluation, as_json)
            if report_path is not None:
                click.echo(f"report written to {report_path}", err=True)
            return _exit_code(evaluation)
        except KeyboardInterrupt:
            return 0

    guarded(body, as_json)


def _other_action(action, config_path, env_name, state_dir, as_json, dry_run, history_hours) -> int:
    from .monitor_provision import checks, provision

    config = load(config_path, env_name, state_dir)
    env = env_name or config.default_env
    if action == "provision":
        return provision(config, env, dry_run, as_json)
    if dry_run:
        raise ConfigError("--dry-run goes with --action provision")
    return checks(config, env, as_json, max(history_hours / 24, 7))


def _write_report(path: Path, evaluation: Evaluation) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_page(evaluation.snapshot), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write report {path}: {exc.strerror}") from None


if __name__ == "__main__":
    main()
