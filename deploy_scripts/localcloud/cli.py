"""`localcloud start|stop|status|gcloud-env`: a thin click layer over client.py."""

from __future__ import annotations

import shlex
import sys

import click
from rich.console import Console
from rich.table import Table

from . import client
from .errors import LocalCloudError
from .settings import PORT_ENV, STATE_DIR_ENV

state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    default=None,
    help=f"State directory (env {STATE_DIR_ENV}; default $XDG_DATA_HOME/localcloud or ~/.local/share/localcloud).",
)


def _fail(exc: LocalCloudError) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group()
def main() -> None:
    """An embedded Cloud Functions (2nd gen) environment the real gcloud deploys to."""


@main.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help=f"Port (env {PORT_ENV}; default 8790; 0 picks a free one).",
)
@state_dir_option
def start(port: int | None, state_dir: str | None) -> None:
    """Start localcloud in the background (idempotent) and print its endpoint."""
    try:
        already = client.running_endpoint(state_dir)
        endpoint = already or client.start(state_dir, port)
    except LocalCloudError as exc:
        _fail(exc)
    verb = "already running" if already else "started"
    click.echo(f"localcloud {verb} at {endpoint.url} (pid {endpoint.pid}, state {endpoint.state_dir})")


@main.command()
@state_dir_option
def stop(state_dir: str | None) -> None:
    """Stop localcloud and every revision it runs."""
    try:
        stopped = client.stop(state_dir)
    except LocalCloudError as exc:
        _fail(exc)
    click.echo("localcloud stopped" if stopped else "localcloud was not running")


@main.command()
@state_dir_option
def status(state_dir: str | None) -> None:
    """Show whether localcloud runs, its functions, their traffic and running revisions."""
    info = client.status(state_dir)
    if info is None:
        click.echo("localcloud is not running; start it with `localcloud start`")
        sys.exit(1)
    click.echo(f"localcloud running at {info['url']} (pid {info['pid']}, state {info['state_dir']})")
    table = Table("function", "state", "serving", "url")
    for fn in info["functions"]:
        traffic = ", ".join(
            f"{t['percent']}% {'LATEST' if t.get('latestRevision') else t.get('revisionName')}"
            for t in fn["traffic"]
        )
        table.add_row(
            fn["name"].rsplit("/", 1)[-1], fn["state"], f"{traffic} ({fn['latestReady']})", fn["url"]
        )
    Console(width=200).print(table)
    for revision, port in sorted(info["running"].items()):
        click.echo(f"revision {revision} on 127.0.0.1:{port}")


@main.command("gcloud-env")
@state_dir_option
@click.option("--project", default=client.DEFAULT_PROJECT, show_default=True)
@click.option("--region", default=client.DEFAULT_REGION, show_default=True)
def gcloud_env(state_dir: str | None, project: str, region: str) -> None:
    """Print `export CLOUDSDK_...` lines pointing gcloud at localcloud (its own config dir)."""
    endpoint = client.running_endpoint(state_dir)
    if endpoint is None:
        click.echo("Error: localcloud is not running; start it with `localcloud start`", err=True)
        sys.exit(1)
    for key, value in client.gcloud_env(endpoint, project, region).items():
        click.echo(f"export {key}={shlex.quote(value)}")


@main.command()
@state_dir_option
@click.option("--audience", required=True, help="The function URL (or tag URL) the token is for.")
@click.option("--email", default=None, help="Identity in the token (default: the project owner).")
def token(state_dir: str | None, audience: str, email: str | None) -> None:
    """Print an identity token localcloud accepts (like `gcloud auth print-identity-token`)."""
    click.echo(client.identity_token(state_dir, audience, email))
