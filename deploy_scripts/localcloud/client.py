"""The orchestrator's API to localcloud: start it if needed, point gcloud at it, name function URLs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..state.lock import pid_alive
from .errors import LocalCloudError
from .settings import HOST_PREFIXES, REPO_ROOT, StatePaths, resolve_port, resolve_state_dir
from .shapes import function_url as _function_url

START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 30.0
DEFAULT_PROJECT = "freckled-hen-analytics"
DEFAULT_REGION = "us-central1"
API_HOSTS = tuple(HOST_PREFIXES)


@dataclass(frozen=True)
class Endpoint:
    url: str
    port: int
    pid: int
    state_dir: Path


def _answers(url: str, path: str = "/_localcloud/health") -> bool:
    try:
        # bypass any proxy from the environment: this is loopback
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{url}{path}", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def running_endpoint(state_dir: str | Path | None = None) -> Endpoint | None:
    """The endpoint of the localcloud serving this state dir, or None if none answers."""
    paths = StatePaths(resolve_state_dir(state_dir))
    try:
        info = json.loads(paths.endpoint_file.read_text())
    except (OSError, ValueError):
        return None
    if not pid_alive(int(info.get("pid", 0))) or not _answers(info["url"]):
        return None
    return Endpoint(url=info["url"], port=int(info["port"]), pid=int(info["pid"]), state_dir=paths.root)


def start(state_dir: str | Path | None = None, port: int | None = None) -> Endpoint:
    """Start localcloud in the background and wait until it answers (idempotent)."""
    paths = StatePaths(resolve_state_dir(state_dir)).create()
    existing = running_endpoint(paths.root)
    if existing is not None:
        return existing
    chosen_port = resolve_port(port)
    paths.endpoint_file.unlink(missing_ok=True)
    with os.fdopen(
        os.open(paths.server_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab"
    ) as server_log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "deploy_scripts.localcloud.server",
                "--state-dir",
                str(paths.root),
                "--port",
                str(chosen_port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives the command that started it
            cwd=str(REPO_ROOT),
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalCloudError(
                f"localcloud exited at start (status {process.returncode}); is port {chosen_port} in use? "
                f"See {paths.server_log}, or pick another with --port / LOCALCLOUD_PORT."
            )
        endpoint = running_endpoint(paths.root)
        if endpoint is not None:
            return endpoint
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    raise LocalCloudError(
        f"localcloud did not answer within {START_TIMEOUT_SECONDS:.0f} s; see {paths.server_log}"
    )


ensure_running = start


def stop(state_dir: str | Path | None = None) -> bool:
    """Stop the localcloud of this state dir and its revisions; False if none was running."""
    paths = StatePaths(resolve_state_dir(state_dir))
    from .storage import stop_storage

    stop_storage(paths.root)  # its storage emulator too (started on first use, on its own)
    try:
        pid = int(paths.pid_file.read_text().strip())
    except (OSError, ValueError):
        return False
    if not pid_alive(pid):
        paths.pid_file.unlink(missing_ok=True)
        paths.endpoint_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and pid_alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when we are its parent (tests)
        time.sleep(0.05)
    if pid_alive(pid):
        raise LocalCloudError(f"localcloud (pid {pid}) did not stop within {STOP_TIMEOUT_SECONDS:.0f} s")
    paths.pid_file.unlink(missing_ok=True)
    paths.endpoint_file.unlink(missing_ok=True)
    return True


def status(state_dir: str | Path | None = None) -> dict | None:
    endpoint = running_endpoint(state_dir)
    if endpoint is None:
        return None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{endpoint.url}/_localcloud/status", timeout=5) as response:
        info = json.loads(response.read())
    return {"url": endpoint.url, "pid": endpoint.pid, "state_dir": str(endpoint.state_dir), **info}


def gcloud_env(
    endpoint: Endpoint, project: str = DEFAULT_PROJECT, region: str = DEFAULT_REGION
) -> dict[str, str]:
    """CLOUDSDK_* variables that make a gcloud subprocess talk to this localcloud only.

    gcloud gets its own config directory (never the user's), no credentials, and localcloud as its
    HTTP proxy: `gcloud run` prefixes the region to the API host, which only a proxy can absorb.
    """
    config_dir = StatePaths(endpoint.state_dir).gcloud_config
    config_dir.mkdir(parents=True, exist_ok=True)
    # gcloud's "am I on GCE?" cache: without it a fresh config dir makes gcloud look up
    # metadata.google.internal through the machine's DNS resolver (whatever check_gce_metadata says)
    gce_cache = config_dir / "gce"
    if not gce_cache.exists():
        gce_cache.write_text("False")
    env = {
        "CLOUDSDK_CONFIG": str(config_dir),
        "CLOUDSDK_CORE_PROJECT": project,
        "CLOUDSDK_FUNCTIONS_REGION": region,
        "CLOUDSDK_RUN_REGION": region,
        "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true",
        "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
        "CLOUDSDK_CORE_CHECK_GCE_METADATA": "false",
        "CLOUDSDK_PROXY_TYPE": "http",
        "CLOUDSDK_PROXY_ADDRESS": "127.0.0.1",
        "CLOUDSDK_PROXY_PORT": str(endpoint.port),
    }
    for api in API_HOSTS:
        env[f"CLOUDSDK_API_ENDPOINT_OVERRIDES_{api.upper()}"] = f"http://{api}.localcloud/"
    return env


_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_TOKEN_CACHE: dict[str, tuple[float, str]] = {}
TOKEN_REUSE_SECONDS = 300.0


def identity_token(state_dir: str | Path | None, audience: str, email: str | None = None) -> str:
    """An identity token localcloud accepts for `audience` (`localcloud token`; needs the state dir)."""
    from . import iam

    paths = StatePaths(resolve_state_dir(state_dir)).create()
    return iam.mint_token(paths, audience, email or iam.OWNER_EMAIL)


def identity_headers(url: str) -> dict[str, str]:
    """`Authorization: Bearer <identity token>` for a localcloud function URL, {} for anything else.

    localcloud hands tokens out the way Google's metadata server does (`Metadata-Flavor: Google`);
    a private function answers 403 without one. Google URLs get nothing here: production
    functions of this project allow unauthenticated calls (config `allow_unauthenticated`).
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in _LOOPBACK_HOSTS or not parsed.path.startswith("/functions/"):
        return {}
    audience = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
    cached = _TOKEN_CACHE.get(audience)
    if cached is None or time.monotonic() - cached[0] > TOKEN_REUSE_SECONDS:
        query = urllib.parse.urlencode({"audience": audience})
        request = urllib.request.Request(
            f"{parsed.scheme}://{parsed.netloc}/computeMetadata/v1/instance/service-accounts/default/identity?{query}",
            headers={"Metadata-Flavor": "Google"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=5) as response:
                cached = (time.monotonic(), response.read().decode())
        except OSError:
            return {}  # the call then gets localcloud's 403, which names the way to a token
        _TOKEN_CACHE[audience] = cached
    return {"Authorization": f"Bearer {cached[1]}"}


def function_url(
    endpoint: Endpoint, function_name: str, project: str = DEFAULT_PROJECT, region: str = DEFAULT_REGION
) -> str:
    return _function_url(endpoint.url, project, region, function_name)
