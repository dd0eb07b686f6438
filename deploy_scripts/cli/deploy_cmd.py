"""`deploy --action deploy|status|validate`: a thin layer over deploy_scripts.pipeline."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from ..config import refuse_placeholders
from ..control.rollouts import control_rollout
from ..control.status import status
from ..control.watch import watch
from ..pipeline.gate_stage import run_gate_for_source
from ..pipeline.render import RichReporter, render_record, render_status
from ..pipeline.replay import load_accepted
from ..pipeline.run import SilentReporter
from ..release.deploy import DeployOptions, run_deploy
from ..release.plan import dry_run as plan_dry_run
from ..release.resume import resume_rollout
from .options import common_options, console, emit_json, guarded, load


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--action",
    type=click.Choice(["deploy", "status", "validate", "promote", "abort", "resume"]),
    default="deploy",
    show_default=True,
    help="promote: the rollout's candidate takes 100% now (remaining steps skipped); abort: 100% back to "
    "`stable`; resume: take over an interrupted rollout (its canary steps run again) instead of restoring "
    "`stable`; status: what serves and whether it is verified (exit 1 when not).",
)
@common_options
@click.option("--skip-validation", is_flag=True, help="Skip the readiness gate (emergencies only; recorded).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the masked gcloud command, config vs live and the gate; change nothing.",
)
@click.option("--strategy", type=click.Choice(["blue-green", "all-at-once"]), default=None,
              help="blue-green: verify with no live traffic, then canary steps (default from [rollout]); "
                   "all-at-once: 100% at once, then verify (first deploy, emergency fix; recorded).")  # fmt: skip
@click.option("--source-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Directory holding main.py, requirements.txt and invoice_processing/ (default: the project).")  # fmt: skip
@click.option("--accept-diff", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A shadow-replay diff (the file a failed run wrote), reviewed: its differences are "
                   "accepted as intended and the file is recorded in the run record.")  # fmt: skip
@click.option("--resume", "resume_flag", is_flag=True, help="Same as --action resume.")
@click.option(
    "--watch",
    "watch_flag",
    is_flag=True,
    help="With --action status: follow the rollout live until it settles.",
)
@click.option("--watch-seconds", type=click.FloatRange(min=0), default=None,
              help="With --watch: stop after this many seconds (default: when the rollout settles).")  # fmt: skip
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="With --watch: seconds between frames.")  # fmt: skip
def main(
    action, config_path, env_name, state_dir, as_json, invoices_dir, skip_validation, dry_run, strategy, source_dir,
    resume_flag, watch_flag, watch_seconds, interval, accept_diff,
) -> None:  # fmt: skip
    """Deploy process_invoice through the gated pipeline, control its rollout, or show what is live."""
    if (watch_flag or watch_seconds is not None) and action != "status":
        raise click.UsageError("--watch and --watch-seconds go with --action status")
    if resume_flag and action not in ("deploy", "resume"):
        raise click.UsageError("--resume goes with --action deploy (it is --action resume)")

    def body() -> int:
        config = load(config_path, env_name, state_dir)
        source = source_dir or config.project.source_dir
        out = console()
        if action == "status" and (watch_flag or watch_seconds is not None):
            return watch(config, env_name, watch_seconds, interval, out, as_json)
        if action == "resume" or (resume_flag and action == "deploy"):
            reporter = SilentReporter() if as_json else RichReporter(out)
            record = resume_rollout(config, env_name, reporter)
            emit_json({"ok": True, "record": record.model_dump(mode="json")}) if as_json else render_record(
                record, out
            )
            return 0
        if action in ("promote", "abort"):
            answer = control_rollout(config, env_name, action, None if as_json else RichReporter(out))
            emit_json({"ok": True, **answer}) if as_json else out.print(
                escape(answer["message"]), highlight=False
            )
            return 0
        if action == "status":
            data = status(config, env_name)
            emit_json(data) if as_json else render_status(data, out)
            return 0 if data["verdict"] == "ok" else 1
        if action == "validate":
            return _validate(config, source, invoices_dir, as_json, out)
        if dry_run:
            plan = plan_dry_run(config, env_name, source, skip_validation, invoices_dir, strategy)
            emit_json(plan) if as_json else _render_plan(plan, out)
            return 0 if plan["gate"].get("passed", True) else 1
        refuse_placeholders(config, env_name, config_path)
        if accept_diff is not None:
            load_accepted(accept_diff)  # a file that is not a replay diff: exit 2 before anything moves
        reporter = SilentReporter() if as_json else RichReporter(out)
        options = DeployOptions(env_name, source, skip_validation, invoices_dir, strategy, accept_diff)
        record = run_deploy(config, options, reporter)
        emit_json({"ok": True, "record": record.model_dump(mode="json")}) if as_json else render_record(
            record, out
        )
        return 0

    guarded(body, as_json)


def _validate(config, source_dir, invoices_dir, as_json, out) -> int:
    outcome = run_gate_for_source(config, source_dir, invoices_dir)
    if as_json:
        emit_json(outcome.report)
    elif outcome.native is not None:
        from ..gate import render_report

        render_report(outcome.native, out)
    else:
        out.print(f"gate {'passed' if outcome.passed else 'FAILED'}: {outcome.summary()}")
    return 0 if outcome.passed else 1


def _render_plan(plan: dict, out) -> None:
    out.print(f"[bold]dry run[/] of {plan['function']} ({plan['env']}): nothing will be changed")
    for warning in plan.get("warnings", []):
        out.print(f"[bold yellow]warning:[/] {warning}", markup=True)
    out.print("command:")
    out.print("  " + " ".join(_quote(a) for a in plan["command"]), soft_wrap=True)
    traffic = plan["traffic"]
    out.print(f"traffic ({traffic['strategy']}" + (f"; {traffic['note']}" if traffic["note"] else "") + "):")
    for step in traffic["steps"]:
        shown = " ".join(_quote(a) for a in step["command"]) if "command" in step else step["what"]
        out.print(f"  {step['step']}: {shown}", soft_wrap=True)
    out.print(
        f"source: {plan['source']['dir']} ({plan['source']['files']} files, sha256 {plan['source']['sha256']})"
    )
    if plan["differences"]:
        out.print("config vs live:")
        for diff in plan["differences"]:
            change = f" ({diff['change']})" if diff.get("change") else ""
            out.print(f"  {diff['setting']}{change}: config {diff['config']}  live {diff['live']}")
    else:
        out.print("config vs live: no differences")
    gate = plan["gate"]
    out.print(
        "gate: skipped"
        if gate.get("skipped")
        else f"gate: {'passed' if gate['passed'] else 'FAILED'} ({gate['summary']})"
    )


def _quote(arg: str) -> str:
    return f"'{arg}'" if any(c in arg for c in " \"'$") else arg
