"""`monitor --action provision` and `monitor --action checks`: the click layer over
monitoring.provision (create/update what the config asks for) and monitoring.checks (the daily
checks' history and the provisioned policies)."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..monitoring.provision import Plan, provisioner
from .options import console as make_console


def provision(config, env_name: str, dry_run: bool, as_json: bool) -> int:
    plan = provisioner(config, env_name, dry_run).run(dry_run)
    if as_json:
        click.echo(json.dumps(plan.model_dump(mode="json"), indent=2))
        return 0
    _print_plan(plan)
    return 0


def _print_plan(plan: Plan) -> None:
    console = make_console()
    verb = "would" if not plan.applied else "did"
    table = Table(title=f"monitoring of {plan.env} (project {plan.project})")
    for column in ("action", "kind", "resource", "changed fields"):
        table.add_column(column)
    for step in plan.steps:
        table.add_row(step.action, step.kind, step.key, ", ".join(step.changes[:6]))
    console.print(table)
    if not plan.applied:
        for step in plan.steps:
            if step.action != "unchanged":
                click.echo(f"--- {step.action} {step.kind} {step.key}")
                click.echo(json.dumps(step.resource, indent=2))
    summary = (
        f"{verb} create {plan.count('create')}, update {plan.count('update')}; "
        f"{plan.count('unchanged')} unchanged"
    )
    if not plan.compared:
        summary += " (dry run: nothing in the project was read; every resource is shown in full)"
    click.echo(summary)


def checks(config, env_name: str, as_json: bool, days: float) -> int:
    from ..monitoring.checks import checks_report

    report = checks_report(config, env_name, days)
    if as_json:
        click.echo(json.dumps(report.model_dump(mode="json"), indent=2))
        return 1 if report.failing else 0
    console = make_console()
    table = Table(title=f"daily golden checks, last {days:g} days ({env_name})")
    for column in ("time", "golden", "accuracy", "items", "seconds", "status", "revision"):
        table.add_column(column)
    for check in report.checks:
        table.add_row(
            check.timestamp, check.golden, f"{check.accuracy * 100:.2f}%",
            f"{check.items}/{check.items_expected}", f"{check.seconds:.2f}", str(check.status), check.revision,
        )  # fmt: skip
    console.print(table)
    if not report.checks:
        click.echo(
            f"no daily_check event in the last {days:g} days: are the scheduler jobs paused or failing?"
        )
    policies = Table(title="alert policies")
    for column in ("policy", "enabled", "limit", "state now"):
        policies.add_column(column)
    for policy in report.policies:
        policies.add_row(policy.display_name, "yes" if policy.enabled else "no", policy.limit, policy.state)
    console.print(policies)
    if not report.policies:
        click.echo("no alert policies provisioned: run `monitor --action provision`")
    return 1 if report.failing else 0
