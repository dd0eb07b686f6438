"""`monitor` on the command line: exact messages and exit codes, --watch, --json, and --serve for real."""

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.monitor_cmd import main as monitor

from .conftest import REPO_ROOT, event


def events_file(tmp_path, lines):
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def now_event(**kw):
    return event(1, now=datetime.now(UTC), **kw)


def run(tmp_path, *args, env=None):
    return CliRunner().invoke(monitor, ["--state-dir", str(tmp_path / "state"), *args], env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--watch", "--serve"], "Error: choose one of --watch and --serve\n"),
        (["--count", "2"], "Error: --count goes with --watch\n"),
        (["--env", "staging"], "Error: unknown environment 'staging'; config defines: local, production\n"),
        (["--serve", "--host", "0.0.0.0"], "Error: --host 0.0.0.0: the dashboard is served on loopback only (127.0.0.1 or ::1)\n"),
        (["--webhook", "http://203.0.113.9/services/T/B/t0ps3cret"],
         "Error: webhook URL to 203.0.113.9 must use https:// (plain http is allowed only to loopback)\n"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_with_what_to_do(tmp_path, args, message):
    result = run(tmp_path, *args)
    assert result.exit_code == 2
    assert result.output == message


def test_missing_events_file(tmp_path):
    missing = tmp_path / "nope.jsonl"
    result = run(tmp_path, "--events-file", str(missing))
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read events file {missing}: No such file or directory\n"


def test_no_traffic_prints_figures_and_exits_0(tmp_path):
    result = run(tmp_path, "--events-file", str(events_file(tmp_path, [])))
    assert result.exit_code == 0, result.output
    assert "invoices (real)" in result.output and "0 (0 processed, 0 failed)" in result.output
    assert result.output.rstrip().endswith("No invoice events in the last 60 minutes: alerts have no data.")


def test_healthy_traffic_exits_0_and_firing_exits_1(tmp_path):
    healthy = run(tmp_path, "--events-file", str(events_file(tmp_path, [now_event() for _ in range(3)])))
    assert healthy.exit_code == 0, healthy.output
    firing = run(tmp_path, "--events-file", str(events_file(tmp_path, [now_event(failed=True)])), "--json")
    assert firing.exit_code == 1
    assert json.loads(firing.stdout)["firing"] == ["error_rate"]


def test_watch_refreshes_count_times_as_json_lines(tmp_path):
    path = events_file(tmp_path, [now_event(), now_event(failed=True)])
    result = run(
        tmp_path, "--events-file", str(path), "--watch", "--count", "2", "--interval", "0.01", "--json"
    )
    assert result.exit_code == 1
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [len(x["transitions"]) for x in lines] == [1, 0]  # fired on the first refresh only
    assert all(x["current"]["figures"]["error_rate"] == 0.5 for x in lines)


def test_webhook_from_environment_variable_and_url_never_printed(tmp_path, receiver):
    path = events_file(tmp_path, [now_event(failed=True)])
    result = run(tmp_path, "--events-file", str(path), env={"MONITOR_WEBHOOK_URL": receiver.url})
    assert result.exit_code == 1
    assert [b["text"][:8] for b in receiver.bodies] == ["[FIRING]"]
    assert "s3cr3tt0ken" not in result.output


def test_report_to_an_unwritable_place(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(
        tmp_path, "--events-file", str(events_file(tmp_path, [])), "--report", str(blocker / "r.html")
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: cannot write report {blocker / 'r.html'}: ")


@pytest.mark.slow
def test_serve_answers_on_loopback_until_stopped(tmp_path):
    path = events_file(tmp_path, [now_event(), now_event(rows=7)])
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy_scripts.cli.monitor_cmd", "--state-dir", str(tmp_path / "state"),
         "--events-file", str(path), "--serve", "--port", "0", "--interval", "1"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = process.stdout.readline()
        assert first.startswith("dashboard on http://127.0.0.1:"), first + process.stderr.read()
        url = first.split()[2]
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert (
            'data-chart="error_rate"' in page.text and '<meta http-equiv="refresh" content="1">' in page.text
        )
        snapshot = requests.get(url + "snapshot.json", timeout=10).json()
        assert snapshot["current"]["rows_written"] == 17
        assert requests.get(url + "elsewhere", timeout=10).status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
