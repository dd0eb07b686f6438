"""`monitor --serve`: the dashboard on a loopback HTTP server, re-evaluated every interval.

Evaluation (and so alert notification) runs on one background thread; requests only render the
latest snapshot, so many open tabs never multiply webhook calls or log reads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..errors import ConfigError
from .dashboard import render_page
from .monitor import Evaluation, Monitor
from .webhook import is_loopback_name


def check_loopback(host: str) -> str:
    if not is_loopback_name(host):
        raise ConfigError(f"--host {host}: the dashboard is served on loopback only (127.0.0.1 or ::1)")
    return host


class Dashboard:
    def __init__(
        self, monitor: Monitor, interval: float, on_evaluation: Callable[[Evaluation], None] | None = None
    ):
        self.monitor = monitor
        self.interval = interval
        self.on_evaluation = on_evaluation
        self._latest: Evaluation | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> Evaluation:
        evaluation = self.monitor.evaluate()
        with self._lock:
            self._latest = evaluation
        if self.on_evaluation:
            self.on_evaluation(evaluation)
        return evaluation

    def latest(self) -> Evaluation:
        with self._lock:
            latest = self._latest
        return latest or self.refresh()

    def start(self) -> None:
        self.refresh()

        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.refresh()
                except Exception as exc:  # keep serving the last good page; say why it is stale
                    print(
                        f"monitor: evaluation failed ({exc.__class__.__name__}: {exc}); keeping the last figures"
                    )

        self._thread = threading.Thread(target=loop, name="monitor-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def make_server(dashboard: Dashboard, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    check_loopback(host)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                page = render_page(dashboard.latest().snapshot, refresh_seconds=dashboard.interval)
                self._send(200, "text/html; charset=utf-8", page.encode("utf-8"))
            elif path == "/snapshot.json":
                body = dashboard.latest().snapshot.model_dump_json(indent=2)
                self._send(200, "application/json", body.encode("utf-8"))
            else:
                message = json.dumps({"error": "not found", "paths": ["/", "/snapshot.json"]})
                self._send(404, "application/json", message.encode("utf-8"))

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass  # the terminal shows figures, not access logs

    family_host = host.strip("[]")
    server_class = ThreadingHTTPServer
    if ":" in family_host:
        import socket

        class V6Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6

        server_class = V6Server
    server = server_class((family_host, port), Handler)
    server.daemon_threads = True
    return server
