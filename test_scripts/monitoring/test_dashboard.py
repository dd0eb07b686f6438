"""The dashboard: served on loopback and rendered by a real headless chromium (DOM and screenshot),
and the same page written by `--report` as a self-contained file."""

import json
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from deploy_scripts.cli.monitor_cmd import main as monitor_cli
from deploy_scripts.monitoring.monitor import Monitor, Windows
from deploy_scripts.monitoring.server import Dashboard, make_server
from deploy_scripts.monitoring.sources import JsonLinesSource
from deploy_scripts.pipeline.records import RecordStore, RunRecord

from .conftest import ALL_CHECKS, event

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: apt-get install -y chromium (Debian's package)"
)
TIMELINE = ("invoices", "error_rate", "processing_time", "quality", "memory", "rows_written")


def history(tmp_path, now):
    """Six hours on two revisions: r1 healthy, r2 (deployed 2 h ago) failing, rolled back 1 h ago."""
    lines = []
    for minute in range(10, 360, 15):
        revision = "process-invoice-00002-bad" if 60 < minute <= 120 else "process-invoice-00001-ok"
        bad = revision.endswith("bad") and minute in (70, 100)
        quality = {**dict.fromkeys(ALL_CHECKS, True), "no_placeholder_pattern": not bad}
        lines.append(event(minute, now=now, revision=revision, failed=bad and minute == 100, quality=quality,
                           seconds=1.5 + (minute % 45) / 10, memory=180 + minute / 10))  # fmt: skip
    lines.append(
        event(2, now=now, failed=True, revision="process-invoice-00001-ok")
    )  # the current window has an error: one alert fires
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path, lines


def records(state_dir, now):
    store = RecordStore(state_dir)
    for run_id, kind, minutes, revision in [("deploy1", "deploy", 121, "process-invoice-00002-bad"),
                                            ("rollback1", "rollback", 59, "process-invoice-00001-ok")]:  # fmt: skip
        at = (now - timedelta(minutes=minutes)).isoformat()
        store.save(RunRecord(id=run_id, kind=kind, env="local", function="process_invoice", actor="test", pid=1,
                             started_at=at, finished_at=at, status="succeeded", revision_after=revision))  # fmt: skip


def run_chromium(args, tmp_path):
    profile = tmp_path / "chromium-profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--window-size=1280,900", *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=90)


def points(dom, chart):
    match = re.search(rf'<svg[^>]*data-chart="{chart}"[^>]*>(.*?)</svg>', dom, re.S)
    assert match, f"chart {chart} missing"
    return re.findall(r'class="(?:point|bar)"[^>]*data-value="([^"]+)"', match.group(1))


@pytest.mark.slow
@needs_chromium
def test_served_dashboard_renders_with_data_in_headless_chromium(config, tmp_path, record_property):
    now = datetime.now(UTC)
    path, lines = history(tmp_path, now)
    records(config.resolved_state_dir(), now)
    monitor = Monitor(config, "local", JsonLinesSource([path]), windows=Windows(60, 6, 12, 1))
    dashboard = Dashboard(monitor, interval=60)
    dashboard.start()
    server = make_server(dashboard, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        dom = run_chromium(["--dump-dom", url], tmp_path)
        shot = tmp_path / "dashboard.png"
        screenshot = run_chromium([f"--screenshot={shot}", url], tmp_path)
    finally:
        server.shutdown()
        server.server_close()
        dashboard.stop()
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for chart in TIMELINE:
        assert f'data-chart="{chart}"' in html
    assert len(points(html, "error_rate")) == 12  # every interval of the 6 hours had invoices
    assert sum(float(v) for v in points(html, "invoices")) == len(lines)
    assert len(points(html, "revision_error_rate")) == 2
    assert html.count('class="mark mark-deploy"') == len(TIMELINE)  # marked on every timeline chart
    assert html.count('class="mark mark-rollback"') == len(TIMELINE)
    assert re.search(r'data-alert="error_rate" data-state="firing"', html)
    assert 'data-revision="process-invoice-00002-bad"' in html
    print(f"\ndashboard screenshot: {shot}")
    record_property("screenshot", str(shot))  # also in --junitxml output
    assert screenshot.returncode == 0, screenshot.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a blank page compresses far smaller


def test_report_is_a_self_contained_page_with_the_figures(config, tmp_path):
    now = datetime.now(UTC)
    path, lines = history(tmp_path, now)
    records(config.resolved_state_dir(), now)
    report = tmp_path / "out" / "report.html"
    args = ["--state-dir", str(config.resolved_state_dir()), "--events-file", str(path), "--report", str(report),
            "--history", "6", "--buckets", "12"]  # fmt: skip
    result = CliRunner().invoke(monitor_cli, args)
    assert result.exit_code == 1, result.output  # the error-rate alert is firing
    assert result.stderr == f"report written to {report}\n"
    assert (
        "[FIRING] error rate 20.0% (alert when > 5.0%) on local.freckled-hen-analytics.us-central1.process_invoice"
        in result.stdout
    )
    page = report.read_text()
    assert not re.search(r"<script|<link|\bsrc=|href=|@import|url\(", page)  # nothing to fetch: works offline
    assert sum(float(v) for v in points(page, "invoices")) == len(lines)
    assert page.count('class="mark-row"') == 2
    assert "1 alert firing" in page
