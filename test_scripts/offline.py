"""What keeps every test (and benchmark) away from Google, whatever credentials the machine holds.

- gcloud: its own config dir, `auth/disable_credentials`, every API endpoint and its proxy pointed at
  a loopback stand-in for "nowhere" that refuses every request (403) and records it, and its
  on-GCE cache written as False (a fresh config dir otherwise makes gcloud look up
  metadata.google.internal through the machine's DNS resolver, with or without credentials);
- the client libraries: the same CLOUDSDK_* settings (deploy_scripts/cloud_clients.py follows them:
  anonymous credentials, explicit endpoints), gRPC's own proxy (`grpc_proxy`) = the refusing
  stand-in, GOOGLE_APPLICATION_CREDENTIALS removed, the metadata server on a closed loopback port
  and NO_GCE_CHECK=true;
- in-process code: `LoopbackGuard` refuses and records any connection or name lookup that is not
  loopback, before a packet leaves.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

#: A loopback port nothing listens on (discard): a connection is refused at once.
CLOSED = "127.0.0.1:9"
#: gcloud's names of the APIs this project's commands and libraries call.
APIS = (
    "cloudfunctions", "run", "logging", "cloudresourcemanager", "serviceusage", "cloudbuild", "iam",
    "artifactregistry", "secretmanager", "storage", "iamcredentials", "compute", "documentai", "sheets",
    "monitoring", "cloudscheduler",
)  # fmt: skip
LOOPBACK_NAMES = ("localhost", "localhost.", "ip6-localhost")
REFUSAL = "offline test guard: no test may reach Google; this loopback endpoint refuses every request"


class _Refuse(BaseHTTPRequestHandler):
    def _refuse(self) -> None:
        self.server.seen.append(  # type: ignore[attr-defined]
            {"method": self.command, "target": self.path, "host": self.headers.get("Host")}
        )
        body = json.dumps({"error": {"code": 403, "message": REFUSAL, "status": "PERMISSION_DENIED"}})
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_CONNECT = _refuse

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


class Nowhere:
    """A loopback HTTP endpoint and proxy that refuses (403) and records every request."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
        self.server.daemon_threads = True
        self.server.seen = []  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, name="nowhere", daemon=True)
        self._thread.start()

    @property
    def seen(self) -> list[dict]:
        return self.server.seen  # type: ignore[attr-defined]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def prepare_gcloud_config(config_dir: Path) -> Path:
    """A gcloud config dir that never asks the metadata server or DNS whether it runs on GCE."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "gce").write_text("False")
    (config_dir / "properties").write_text(
        "[auth]\ndisable_credentials = true\n"
        "[core]\ncheck_gce_metadata = false\ndisable_usage_reporting = true\n"
        "[component_manager]\ndisable_update_check = true\n"
    )
    return config_dir


def offline_environ(config_dir: Path, nowhere_url: str) -> dict[str, str]:
    """Environment variables for tests and their subprocesses (apply over os.environ)."""
    host, port = nowhere_url.removeprefix("http://").rstrip("/").split(":")
    env = {
        "CLOUDSDK_CONFIG": str(prepare_gcloud_config(config_dir)),
        "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true",
        "CLOUDSDK_CORE_CHECK_GCE_METADATA": "false",
        "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
        "CLOUDSDK_METRICS_ENVIRONMENT": "tests",
        "CLOUDSDK_PROXY_TYPE": "http",
        "CLOUDSDK_PROXY_ADDRESS": host,
        "CLOUDSDK_PROXY_PORT": port,
        # google-auth's metadata server (and gcloud's older name for it): closed, and not probed
        "GCE_METADATA_HOST": CLOSED,
        "GCE_METADATA_IP": CLOSED,
        "GCE_METADATA_ROOT": CLOSED,
        "NO_GCE_CHECK": "true",
        # gRPC channels (which the socket guard cannot see): the refusing proxy, loopback excepted.
        # Not HTTP(S)_PROXY: httplib2 without PySocks refuses any proxy setting, even for loopback.
        "grpc_proxy": nowhere_url.rstrip("/"),
        "no_grpc_proxy": "127.0.0.1,localhost,::1",
    }
    for api in APIS:
        env[f"CLOUDSDK_API_ENDPOINT_OVERRIDES_{api.upper()}"] = nowhere_url
    return env


#: never consulted: removed from the tests' environment
REMOVED = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
    "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE",
)


def is_loopback_host(host: object) -> bool:
    if host is None or host == "":
        return True  # a passive (bind) lookup
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False  # a name: resolving it would ask the machine's DNS resolver
    return address.is_loopback or address.is_unspecified


def needs_dns(host: object) -> bool:
    """Would resolving `host` ask the machine's DNS resolver? (IP literals and localhost do not.)"""
    if host is None or host == "":
        return False
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str) or host.lower() in LOOPBACK_NAMES:
        return False
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return True
    return False


class LoopbackGuard:
    """Patches the socket module: non-loopback connects and name lookups are refused and recorded."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self._originals: dict[str, object] = {}

    def install(self) -> LoopbackGuard:
        original_connect = socket.socket.connect
        original_connect_ex = socket.socket.connect_ex
        original_getaddrinfo = socket.getaddrinfo
        original_gethostbyname = socket.gethostbyname
        self._originals = {
            "connect": original_connect, "connect_ex": original_connect_ex,
            "getaddrinfo": original_getaddrinfo, "gethostbyname": original_gethostbyname,
        }  # fmt: skip
        guard = self

        def check_address(sock, address) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback_host(address[0]):
                guard.refuse(f"connect {address[0]}:{address[1]}")

        def connect(sock, address):
            check_address(sock, address)
            return original_connect(sock, address)

        def connect_ex(sock, address):
            check_address(sock, address)
            return original_connect_ex(sock, address)

        def getaddrinfo(host, *args, **kwargs):
            if needs_dns(host):
                guard.refuse(f"resolve {host}")
            return original_getaddrinfo(host, *args, **kwargs)

        def gethostbyname(host):
            if needs_dns(host):
                guard.refuse(f"resolve {host}")
            return original_gethostbyname(host)

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo
        socket.gethostbyname = gethostbyname
        return self

    def refuse(self, what: str) -> None:
        self.refused.append(what)
        raise ConnectionRefusedError(f"offline test guard refused a non-loopback {what}")

    def uninstall(self) -> None:
        if not self._originals:
            return
        socket.socket.connect = self._originals["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = self._originals["connect_ex"]  # type: ignore[method-assign]
        socket.getaddrinfo = self._originals["getaddrinfo"]  # type: ignore[assignment]
        socket.gethostbyname = self._originals["gethostbyname"]  # type: ignore[assignment]
        self._originals = {}
