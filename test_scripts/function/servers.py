"""Real servers on loopback for the function's tests and benchmarks.

- `FunctionProcess`: `python -m functions_framework --target process_invoice` as a child process
  (gunicorn, as in production), its stdout (the JSON events) captured to a file.
- `ThreadedApp`: a Flask app (the localcloud stand-ins, a file server) on a werkzeug thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from flask import Flask
from werkzeug.serving import make_server

from deploy_scripts.localcloud.processes import free_port

REPO = Path(__file__).resolve().parents[2]


def _base_env() -> dict[str, str]:
    """The parent's environment minus every setting the function reads, so each test says its own."""
    drop = {
        "INVOICE_PARSER", "INVOICE_SINK", "INVOICE_SQLITE_PATH", "MAX_UPLOAD_BYTES", "INVOICE_SHARED_SECRET",
        "ALLOW_LOOPBACK_URLS", "GOOGLE_CLOUD_PROJECT_ID", "GOOGLE_CLOUD_LOCATION", "DOCUMENT_AI_PROCESSOR_ID",
        "GOOGLE_SHEETS_SPREADSHEET_ID", "GOOGLE_SHEETS_SHEET_NAME", "DOCUMENT_AI_ENDPOINT", "SHEETS_ENDPOINT",
        "LOCALCLOUD_URL", "K_REVISION", "DOCUMENT_AI_MAX_PAGES",
    }  # fmt: skip
    return {k: v for k, v in os.environ.items() if k not in drop}


class FunctionProcess:
    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = self.workdir / "function.log"
        self.env = {**_base_env(), "PYTHONPATH": str(REPO), **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> FunctionProcess:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target", "process_invoice",
             "--source", str(REPO / "main.py"), "--port", str(self.port), "--host", "127.0.0.1"],
            cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"function exited early:\n{self.log_path.read_text()}")
            try:
                if requests.get(self.url, timeout=1).status_code in (200, 503):
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"function did not answer within {timeout}s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def events(self) -> list[dict]:
        """The JSON events the function printed so far (other output lines are skipped)."""
        events = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    events.append(json.loads(line))
                except ValueError:
                    continue
        return events

    def event_for(self, correlation_id: str, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e.get("correlation_id") == correlation_id]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no event with correlation_id {correlation_id}")

    def __enter__(self) -> FunctionProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ThreadedApp:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ThreadedApp:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)
