"""The orchestrator's reads of the function's state: the function through `google-cloud-functions`,
its Cloud Run service and revisions through `google-cloud-run` (Admin API v2).

Typed answers instead of gcloud's stderr: NotFound means the function does not exist; every other
failure (refused, unreachable, no credentials) becomes a CloudApiFailed that says what to do.
The same code reads localcloud and Google: `CloudAccess` (deploy_scripts/cloud_clients.py) decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import Any

from ..cloud_clients import CloudAccess, functions_client, run_revisions_client, run_services_client
from ..config import Environment
from ..errors import CloudApiFailed

#: Function states while an operation (deploy, update, delete) is still running on it.
IN_PROGRESS_STATES = ("DEPLOYING", "DELETING")


def message_dict(message: Any) -> dict[str, Any]:
    """A proto-plus message as the API's own JSON (camelCase keys, enum names), like gcloud prints it."""
    return type(message).to_dict(
        message,
        use_integers_for_enums=False,
        preserving_proto_field_name=False,
        always_print_fields_with_no_presence=False,
    )


@contextmanager
def api_errors(what: str, access: CloudAccess, api: str) -> Iterator[None]:
    """Turn the clients' failures into CloudApiFailed with the next step for the user."""
    import google.auth.exceptions as auth_errors
    import requests
    from google.api_core import exceptions as api_errors_

    where = access.endpoint(api) or "Google"
    try:
        yield
    except api_errors_.GoogleAPICallError as exc:
        hint = {
            401: "; check `gcloud auth application-default login`",
            403: "; the account needs Cloud Functions Viewer on the project",
        }.get(exc.code or 0, "")
        raise CloudApiFailed(f"`{what}` failed: {exc.code} {exc.message}{hint}") from None
    except auth_errors.DefaultCredentialsError as exc:
        raise CloudApiFailed(
            f"`{what}` needs Google credentials and found none ({_first_line(exc)}); run "
            "`gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS"
        ) from None
    except auth_errors.GoogleAuthError as exc:
        raise CloudApiFailed(
            f"`{what}` could not get an access token: {_first_line(exc)}; "
            "run `gcloud auth application-default login` again"
        ) from None
    except requests.RequestException as exc:
        raise CloudApiFailed(
            f"`{what}` could not reach {where}: {type(exc).__name__}; check the network or the "
            f"endpoint ({access.describe()['endpoints']})"
        ) from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class FunctionReader:
    """Reads one function's state: the function, whether an operation runs on it, its service and
    revisions."""

    def __init__(self, env: Environment, access: CloudAccess, timeout: float = 60.0):
        self.env = env
        self.access = access
        self.timeout = timeout

    @cached_property
    def _client(self):
        with api_errors(f"functions get {self.env.function}", self.access, "cloudfunctions"):
            return functions_client(self.access)

    @cached_property
    def _services(self):
        with api_errors(f"run services get {self.env.service}", self.access, "run"):
            return run_services_client(self.access)

    @cached_property
    def _revisions(self):
        with api_errors(f"run revisions list {self.env.service}", self.access, "run"):
            return run_revisions_client(self.access)

    @property
    def service_name(self) -> str:
        e = self.env
        return f"projects/{e.project}/locations/{e.region}/services/{e.service}"

    def service(self) -> dict | None:
        """The function's Cloud Run service (v2 JSON: trafficStatuses, latestReadyRevision), or None."""
        from google.api_core.exceptions import NotFound

        with api_errors(f"run services get {self.env.service}", self.access, "run"):
            try:
                return message_dict(self._services.get_service(name=self.service_name, timeout=self.timeout))
            except NotFound:
                return None

    def revisions(self) -> list[dict]:
        """The service's revisions (v2 JSON); none when the service does not exist."""
        from google.api_core.exceptions import NotFound

        with api_errors(f"run revisions list {self.env.service}", self.access, "run"):
            try:
                pages = self._revisions.list_revisions(parent=self.service_name, timeout=self.timeout)
                return [message_dict(revision) for revision in pages]
            except NotFound:
                return []

    @property
    def name(self) -> str:
        e = self.env
        return f"projects/{e.project}/locations/{e.region}/functions/{e.function}"

    def function(self) -> dict | None:
        """The function as the API describes it (camelCase JSON), or None when it does not exist."""
        from google.api_core.exceptions import NotFound

        with api_errors(f"functions get {self.env.function}", self.access, "cloudfunctions"):
            try:
                return message_dict(self._client.get_function(name=self.name, timeout=self.timeout))
            except NotFound:
                return None

    def operation_in_progress(self) -> bool:
        """Whether a deploy, update or delete is still running on the function (the API's word)."""
        return operation_running(self.function())


def operation_running(described: dict | None) -> bool:
    return bool(described) and described.get("state") in IN_PROGRESS_STATES


def updated_since(described: dict | None, moment: datetime) -> bool:
    """Did the function change at or after `moment` (its `updateTime`, RFC 3339)?"""
    stamp = (described or {}).get("updateTime")
    if not stamp:
        return False
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= moment
