"""`validate`: the readiness gate CI runs before merge. Exit 0 pass, 1 gate failed, 2 usage/config."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import load_config
from ..errors import DeployError
from ..gate import render_report, report_json, report_junit, run_gate
from .options import config_option, console, current_project, project_dir_option


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--invoices",
    "invoices_dir",
    type=click.Path(path_type=Path),
    help="Directory of golden invoices (<name>.pdf|.docai.json + <name>.expected.json). Default: the project's test_invoices/.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "junit"]),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@config_option
@project_dir_option
def main(
    invoices_dir: Path | None, output_format: str, output: Path | None, config_path: Path | None
) -> None:
    """Score the extractor against golden invoices with ground truth and apply the readiness gate."""
    try:
        report = run_gate(load_config(config_path, current_project()), invoices_dir)
    except DeployError as exc:
        click.echo(f"validate: {exc}", err=True)
        sys.exit(exc.exit_code)
    if output_format == "table" and output:
        with output.open("w", encoding="utf-8") as stream:
            render_report(report, console(stream))
    elif output_format == "table":
        render_report(report, console())
    else:
        text = report_json(report) if output_format == "json" else report_junit(report)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)
    if output:
        verdict = "passed" if report.passed else "FAILED"
        click.echo(
            f"validate: gate {verdict} (readiness {report.readiness_score:.1%}); report written to {output}",
            err=True,
        )
    sys.exit(0 if report.passed else 1)
