"""The one reader of the function's per-invoice events: Cloud Logging's API, in every environment.

Production asks Google with google-cloud-logging's default client; a localcloud environment asks
localcloud's Logging API with the same client over HTTP, the way `localcloud gcloud-env` points
gcloud at it (`http://logging.localcloud/` through localcloud as the HTTP proxy, no credentials).
What comes back are LogEntries as dicts (`to_api_repr()`); deploy_scripts.metrics parses them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from invoice_processing.events import FAILED, PROCESSED

from .config import Environment
from .errors import ConfigError

ASCENDING = "timestamp asc"  # google.cloud.logging.ASCENDING
PAGE_SIZE = 1000
LOCALCLOUD_LOGGING_ENDPOINT = "http://logging.localcloud"

ClientFactory = Callable[[str], Any]


def events_filter(
    environment: Environment, revision: str | None = None, since: datetime | None = None
) -> str:
    """The function's invoice events: its Cloud Run service (2nd gen), these two messages, since then."""
    clauses = [
        'resource.type="cloud_run_revision"',
        f'resource.labels.service_name="{environment.service}"',
        f'resource.labels.location="{environment.region}"',
        f'jsonPayload.message=("{PROCESSED}" OR "{FAILED}")',
    ]
    if revision:
        clauses.append(f'resource.labels.revision_name="{revision}"')
    if since is not None:
        moment = since if since.tzinfo else since.replace(tzinfo=UTC)
        clauses.append(f'timestamp>="{moment.astimezone(UTC).isoformat().replace("+00:00", "Z")}"')
    return " AND ".join(clauses)


def _cloud_logging():
    try:
        from google.cloud import logging as cloud_logging
    except ImportError:
        raise ConfigError(
            "reading the function's events needs google-cloud-logging: pip install google-cloud-logging"
        ) from None
    return cloud_logging


def google_client(project: str) -> Any:
    """Production: Google's Cloud Logging with the caller's application-default credentials."""
    from .cloud_clients import without_resource_detection

    return without_resource_detection(_cloud_logging().Client(project=project))


def localcloud_client(project: str, proxy_port: int) -> Any:
    """localcloud's Logging API: anonymous, HTTP transport, localcloud as the proxy (loopback only)."""
    import requests
    from google.auth.credentials import AnonymousCredentials

    session = requests.Session()
    session.trust_env = False  # never an environment proxy: this must stay on loopback
    session.proxies = {"http": f"http://127.0.0.1:{proxy_port}"}
    from .cloud_clients import without_resource_detection

    return without_resource_detection(
        _cloud_logging().Client(
            project=project,
            credentials=AnonymousCredentials(),
            _http=session,
            _use_grpc=False,
            client_options={"api_endpoint": LOCALCLOUD_LOGGING_ENDPOINT},
        )
    )


def client_factory(endpoint: Any = None) -> ClientFactory:
    """How to reach Cloud Logging for an environment: localcloud's endpoint, or Google (None)."""
    if endpoint is None:
        return google_client
    return lambda project: localcloud_client(project, endpoint.port)


def read_entries(
    client: Any, environment: Environment, revision: str | None, since: datetime | None
) -> list[dict]:
    """The function's invoice-event LogEntries, oldest first."""
    entries = client.list_entries(
        resource_names=[f"projects/{environment.project}"],
        filter_=events_filter(environment, revision, since),
        order_by=ASCENDING,
        page_size=PAGE_SIZE,
    )
    return [entry.to_api_repr() for entry in entries]
