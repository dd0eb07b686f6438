"""Google's official Python clients, built the one way the project builds them, for either environment.

The clients follow the configuration gcloud itself runs with (the `CLOUDSDK_*` variables of the
environment handed to gcloud), so gcloud and the clients always talk to the same place:

- `CLOUDSDK_API_ENDPOINT_OVERRIDES_<API>` -> `client_options.api_endpoint` (REST transport, so an
  `http://` endpoint works);
- `CLOUDSDK_PROXY_TYPE/ADDRESS/PORT[/USERNAME/PASSWORD]` -> the clients' HTTP proxy;
- `CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true` -> `AnonymousCredentials`: Application Default
  Credentials, `GOOGLE_APPLICATION_CREDENTIALS` and the metadata server are never consulted.

Production sets none of them: Google's default endpoints and Application Default Credentials.
localcloud's `gcloud-env` sets all three: its made-up `http://<api>.localcloud` hosts reached through
its proxy, anonymously. The tests' session fixture points every endpoint at a closed loopback port.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the client packages are imported only when a client is built
    from google.cloud.functions_v2 import FunctionServiceClient

_TRUE = ("1", "true", "yes", "on")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


@dataclass(frozen=True)
class CloudAccess:
    """Where the clients go and as whom: read from the environment gcloud runs with."""

    #: api name (gcloud's: cloudfunctions, run, logging, ...) -> endpoint URL without trailing slash
    endpoints: Mapping[str, str] = field(default_factory=dict)
    proxy: str | None = None
    anonymous: bool = False

    @classmethod
    def from_gcloud_env(cls, env: Mapping[str, str]) -> CloudAccess:
        prefix = "CLOUDSDK_API_ENDPOINT_OVERRIDES_"
        endpoints = {
            key[len(prefix) :].lower(): value.rstrip("/")
            for key, value in env.items()
            if key.startswith(prefix) and value.strip()
        }
        return cls(
            endpoints=endpoints,
            proxy=_proxy_url(env),
            anonymous=_flag(env.get("CLOUDSDK_AUTH_DISABLE_CREDENTIALS")),
        )

    def endpoint(self, api: str) -> str | None:
        return self.endpoints.get(api)

    def credentials(self):
        """Anonymous when gcloud's credentials are disabled; None lets the client use ADC."""
        if not self.anonymous:
            return None
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()

    def client_options(self, api: str):
        from google.api_core.client_options import ClientOptions

        endpoint = self.endpoint(api)
        return ClientOptions(api_endpoint=endpoint) if endpoint else ClientOptions()

    def configure_session(self, session: Any) -> Any:
        """Send a requests session through gcloud's proxy, and only there (no proxy from the shell)."""
        if self.proxy:
            session.proxies = {"http": self.proxy, "https": self.proxy}
            session.trust_env = False
        return session

    def describe(self) -> dict[str, Any]:
        """What the clients will use, for records and errors (no secrets: proxy credentials hidden)."""
        proxy = self.proxy
        if proxy and "@" in proxy:
            scheme, rest = proxy.split("://", 1)
            proxy = f"{scheme}://***@{rest.split('@', 1)[1]}"
        return {
            "endpoints": dict(self.endpoints) or "Google's defaults",
            "proxy": proxy,
            "credentials": "anonymous" if self.anonymous else "application default",
        }


def _proxy_url(env: Mapping[str, str]) -> str | None:
    address, port = env.get("CLOUDSDK_PROXY_ADDRESS"), env.get("CLOUDSDK_PROXY_PORT")
    if not address or not port:
        return None
    scheme = (env.get("CLOUDSDK_PROXY_TYPE") or "http").lower()
    scheme = {"socks5": "socks5h", "http_no_tunnel": "http"}.get(scheme, scheme)
    user, password = env.get("CLOUDSDK_PROXY_USERNAME"), env.get("CLOUDSDK_PROXY_PASSWORD")
    auth = ""
    if user:
        auth = urllib.parse.quote(user, safe="")
        auth += f":{urllib.parse.quote(password, safe='')}@" if password else "@"
    return f"{scheme}://{auth}{address}:{port}"


def _rest_session(client: Any) -> Any:
    # The generated REST transports keep their requests session (google.auth's AuthorizedSession)
    # in `_session` and offer no public hook for proxies; the proxy tests fail if this ever moves.
    return client._transport._session


def functions_client(access: CloudAccess) -> FunctionServiceClient:
    """Cloud Functions v2 (`google-cloud-functions`), REST transport."""
    from google.cloud.functions_v2 import FunctionServiceClient

    client = FunctionServiceClient(
        credentials=access.credentials(),
        transport="rest",
        client_options=access.client_options("cloudfunctions"),
    )
    access.configure_session(_rest_session(client))
    return client


def run_services_client(access: CloudAccess):
    """Cloud Run Admin v2 services (`google-cloud-run`), REST transport."""
    from google.cloud.run_v2 import ServicesClient

    return _run_client(ServicesClient, access)


def run_revisions_client(access: CloudAccess):
    """Cloud Run Admin v2 revisions (`google-cloud-run`), REST transport."""
    from google.cloud.run_v2 import RevisionsClient

    return _run_client(RevisionsClient, access)


def _run_client(client_class, access: CloudAccess):
    client = client_class(
        credentials=access.credentials(), transport="rest", client_options=access.client_options("run")
    )
    access.configure_session(_rest_session(client))
    return client


def logging_client(access: CloudAccess, project: str):
    """Cloud Logging v2 (`google-cloud-logging`) over HTTP/JSON, for reading the function's LogEntries."""
    from google.cloud import logging as cloud_logging

    credentials = access.credentials()
    http = None
    if access.proxy:  # the library builds its own session otherwise, which would not use gcloud's proxy
        from google.auth.transport.requests import AuthorizedSession

        if credentials is None:
            import google.auth

            credentials, _ = google.auth.default(scopes=cloud_logging.Client.SCOPE)
        http = access.configure_session(AuthorizedSession(credentials))
    return without_resource_detection(
        cloud_logging.Client(
            project=project,
            credentials=credentials,
            _http=http,
            _use_grpc=False,
            client_options=access.client_options("logging"),
        )
    )


def without_resource_detection(client):
    """A google-cloud-logging client whose loggers never probe the metadata server.

    Each LogEntry read creates a Logger, and a Logger without a resource detects one by asking
    `metadata.google.internal.` directly (no GCE_METADATA_HOST, no NO_GCE_CHECK): a DNS query off
    the machine on every read. Readers never use a logger's default resource (it is for writing).
    """
    from google.cloud.logging_v2.resource import Resource

    make_logger = client.logger

    def logger(name, *, labels=None, resource=None):
        return make_logger(name, labels=labels, resource=resource or Resource(type="global", labels={}))

    client.logger = logger
    return client


def _rest_client(client_class, access: CloudAccess, api: str):
    client = client_class(
        credentials=access.credentials(), transport="rest", client_options=access.client_options(api)
    )
    access.configure_session(_rest_session(client))
    return client


def dashboards_client(access: CloudAccess):
    """Cloud Monitoring dashboards v1 (`google-cloud-monitoring-dashboards`), REST transport; it shares
    Monitoring's host, so gcloud's `monitoring` endpoint override applies."""
    from google.cloud.monitoring_dashboard_v1 import DashboardsServiceClient

    return _rest_client(DashboardsServiceClient, access, "monitoring")


def scheduler_client(access: CloudAccess):
    """Cloud Scheduler v1 (`google-cloud-scheduler`), REST transport."""
    from google.cloud.scheduler_v1 import CloudSchedulerClient

    return _rest_client(CloudSchedulerClient, access, "cloudscheduler")


def secrets_client(access: CloudAccess):
    """Secret Manager v1 (`google-cloud-secret-manager`), REST transport."""
    from google.cloud.secretmanager_v1 import SecretManagerServiceClient

    return _rest_client(SecretManagerServiceClient, access, "secretmanager")


class _RequestsHttp:
    """httplib2's `request()` over a requests session, so google-api-python-client follows the same
    proxy and credentials as the other clients (httplib2 has no absolute-form proxy for http)."""

    def __init__(self, session: Any):
        self.session = session

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        import httplib2

        answer = self.session.request(method, uri, data=body, headers=headers, timeout=60)
        response = httplib2.Response({"status": answer.status_code, **answer.headers})
        return response, answer.content


def monitoring_api(access: CloudAccess):
    """Cloud Monitoring v3 (alert policies, notification channels) through google-api-python-client's
    REST client built from the discovery document it ships: google-cloud-monitoring speaks gRPC only,
    which localcloud's HTTP stand-in cannot serve; this is the same API over HTTP/JSON."""
    import google.auth
    from google.auth.transport.requests import AuthorizedSession
    from googleapiclient.discovery import build

    credentials = access.credentials()
    if credentials is None:
        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/monitoring"])
    session = access.configure_session(AuthorizedSession(credentials))
    endpoint = access.endpoint("monitoring")
    return build(
        "monitoring",
        "v3",
        http=_RequestsHttp(session),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": endpoint} if endpoint else None,
    )
