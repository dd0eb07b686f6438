"""Fixtures for monitoring: hand-built events, a config in a temporary state dir, a webhook receiver,
and the real function under functions-framework whose stdout is kept as localcloud keeps it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from deploy_scripts.config import load_config
from deploy_scripts.localcloud.processes import free_port
from test_scripts.polling import poll

REPO_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL_CHECKS = ("upc_check_digits", "extended_matches_qty_x_price", "subtotal_reconciles",
              "invoice_number_found", "no_placeholder_pattern")  # fmt: skip


def event(minutes_ago: float = 1.0, *, failed: bool = False, revision: str = "process-invoice-00001-abc",
          seconds: float = 2.0, memory: float = 200.0, quality: dict | None = None, invoice_number: str | None = "CS003837319",
          rows: int = 10, now: datetime = NOW, **extra) -> dict:  # fmt: skip
    """One log line as the function writes it."""
    at = (now - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
    line = {"severity": "INFO", "message": "invoice_processed", "timestamp": at, "correlation_id": f"c{minutes_ago}",
            "revision": revision, "duration_ms": seconds * 1000, "peak_memory_mb": memory, "dry_run": False}  # fmt: skip
    if failed:
        line.update(severity="WARNING", message="invoice_failed", error_class="Unprocessable", status=422)
    else:
        checks = quality if quality is not None else dict.fromkeys(ALL_CHECKS, True)
        line.update(vendor="Creative Co-op", invoice_number=invoice_number, line_items=rows, rows_added=rows,
                    quality=checks, quality_score=sum(checks.values()) / len(checks) if checks else None)  # fmt: skip
    line.update(extra)
    return line


@pytest.fixture
def config(tmp_path):
    return load_config(REPO_ROOT / "config" / "deploy.toml").model_copy(
        update={"state_dir": tmp_path / "state"}
    )


class Receiver:
    """A local HTTP server that records JSON POSTs; answers `fail_first` requests with 503."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.fail_first = 0
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests += 1
                if receiver.requests <= receiver.fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/s3cr3tt0ken"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


class LiveFunction:
    """`functions-framework --target process_invoice` on loopback; stdout pumped into localcloud's
    revision log format, exactly as localcloud runs a revision."""

    def __init__(self, workdir: Path, revision: str):
        from deploy_scripts.localcloud.logs import RevisionLog, revision_resource
        from deploy_scripts.localcloud.settings import StatePaths

        self.revision = revision
        self.localcloud_dir = workdir / "localcloud"
        paths = StatePaths(self.localcloud_dir)
        paths.logs.mkdir(parents=True, exist_ok=True)
        self.log_path = paths.logs / f"{revision}.jsonl"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "K_REVISION": revision, "INVOICE_PARSER": "local", "INVOICE_SINK": "sqlite",
               "INVOICE_SQLITE_PATH": str(workdir / "rows.sqlite3"), "PYTHONUNBUFFERED": "1"}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target", "process_invoice", "--source",
             str(REPO_ROOT / "main.py"), "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        resource = revision_resource("freckled-hen-analytics", "us-central1", "process-invoice", revision)
        log = RevisionLog(self.log_path, resource)
        self.pumps = [log.pump(self.process.stdout, "stdout"), log.pump(self.process.stderr, "stderr")]
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"functions-framework exited {self.process.returncode}: {self.log_path.read_text()}"
                )
            try:
                if requests.get(self.url, timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("functions-framework did not answer within 30 s")

    def post(
        self, data: bytes, content_type: str = "application/pdf", dry_run: bool = False
    ) -> requests.Response:
        headers = {"Content-Type": content_type}
        if dry_run:
            headers["X-Invoice-Dry-Run"] = "true"
        return requests.post(self.url, data=data, headers=headers, timeout=60)

    def events_logged(self, count: int, timeout: float = 10) -> list[dict]:
        """Wait until `count` invoice events reached the log (stdout is pumped by a thread)."""

        def events():
            lines = [json.loads(x) for x in self.log_path.read_text().splitlines() if x.strip()]
            messages = [x.get("jsonPayload", {}).get("message") for x in lines]
            return [m for m in messages if m in ("invoice_processed", "invoice_failed")]

        return poll(events, lambda found: len(found) >= count, timeout, interval=0.05)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def golden_pdfs() -> dict[str, bytes]:
    from test_scripts.factory.creative_coop_goldens import golden_files

    return {name: data for name, data in golden_files().items() if name.endswith(".pdf")}


@pytest.fixture
def live_function(tmp_path):
    function = LiveFunction(tmp_path, "process-invoice-00001-mon")
    yield function
    function.stop()


@pytest.fixture
def logging_api(live_function):
    """localcloud on the live function's state dir: its Logging API serves the function's entries."""
    from deploy_scripts.localcloud import client

    endpoint = client.start(live_function.localcloud_dir, port=0)
    yield endpoint
    client.stop(live_function.localcloud_dir)
