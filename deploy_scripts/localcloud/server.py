"""The localcloud server process: `python -m deploy_scripts.localcloud.server --state-dir D --port P`.

Writes the endpoint file once it listens; stops every revision process on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

import structlog
from werkzeug.serving import make_server

from .alerting import Alerting
from .app import create_app
from .controller import Controller
from .scheduler import Scheduler
from .settings import StatePaths, resolve_state_dir


def _severity(logger, method_name: str, event_dict: dict) -> dict:
    """Cloud Logging's field name and values (INFO, WARNING, ERROR)."""
    event_dict["severity"] = {"warn": "WARNING", "exception": "ERROR"}.get(method_name, method_name.upper())
    return event_dict


def _configure_logging() -> None:
    structlog.configure(
        processors=[
            _severity,
            structlog.processors.TimeStamper(fmt="iso", key="timestamp"),
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def serve(state_dir: str, port: int) -> None:
    _configure_logging()
    os.umask(0o077)  # everything localcloud writes (database, WAL, logs, sources) is owner-only
    paths = StatePaths(resolve_state_dir(state_dir)).create()
    server = make_server("127.0.0.1", port, None, threaded=True)  # bind first: port 0 picks one
    actual = server.socket.getsockname()[1]
    base_url = f"http://127.0.0.1:{actual}"
    controller = Controller(paths, base_url)
    server.app = create_app(controller)
    # the operations engines: scheduled jobs run, alert policies are judged (docs/monitoring.md)
    scheduler, alerting = Scheduler(paths), Alerting(paths)
    server.app.config.update(scheduler=scheduler, alerting=alerting)
    scheduler.start()
    alerting.start()
    stopping = threading.Event()

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    controller.restore()
    paths.pid_file.write_text(str(os.getpid()))
    paths.endpoint_file.write_text(json.dumps({"url": base_url, "port": actual, "pid": os.getpid()}))
    structlog.get_logger("localcloud").info("localcloud_listening", url=base_url, state_dir=str(paths.root))
    try:
        server.serve_forever()
    finally:
        scheduler.stop()
        alerting.stop()
        controller.shutdown()
        for leftover in (paths.pid_file, paths.endpoint_file):
            leftover.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="localcloud-server")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    serve(args.state_dir, args.port)


if __name__ == "__main__":
    main()
