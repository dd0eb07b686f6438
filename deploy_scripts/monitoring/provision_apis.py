"""One reader/writer per monitoring API, all speaking REST JSON dicts (the discovery documents'
shapes), whatever the client underneath: google-cloud-logging's HTTP connection (log-based metrics),
google-api-python-client (Monitoring v3), google-cloud-monitoring-dashboards and google-cloud-scheduler
(REST transports; their protos converted at this boundary) and google-cloud-secret-manager.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import MessageToDict

from ..cloud_clients import (
    CloudAccess,
    dashboards_client,
    logging_client,
    monitoring_api,
    scheduler_client,
    secrets_client,
)


def _as_dict(message: Any) -> dict:
    return MessageToDict(type(message).pb(message))


def _from_dict(message_class: Any, body: dict) -> Any:
    return message_class.from_json(json.dumps(body), ignore_unknown_fields=False)


@dataclass
class Apis:
    """The clients of one project, built lazily from where gcloud is pointed (CloudAccess)."""

    access: CloudAccess
    project: str
    region: str

    def __post_init__(self):
        self._clients: dict[str, Any] = {}

    def _client(self, name: str, build) -> Any:
        if name not in self._clients:
            self._clients[name] = build()
        return self._clients[name]

    # ------------------------------------------------------------------ logging metrics
    def logging(self):
        """google-cloud-logging's client (entries are read with its `list_entries`)."""
        return self._client("logging", lambda: logging_client(self.access, self.project))

    def _logging(self):
        return self.logging()._connection  # the library's own HTTP connection: full LogMetric bodies

    def list_metrics(self) -> list[dict]:
        found, token = [], None
        while True:
            params = {"pageToken": token} if token else {}
            page = self._logging().api_request(
                method="GET", path=f"/projects/{self.project}/metrics", query_params=params
            )
            found += page.get("metrics", [])
            token = page.get("nextPageToken")
            if not token:
                return found

    def create_metric(self, body: dict) -> dict:
        return self._logging().api_request(method="POST", path=f"/projects/{self.project}/metrics", data=body)

    def update_metric(self, existing: dict, body: dict) -> dict:
        path = f"/projects/{self.project}/metrics/{body['name']}"
        return self._logging().api_request(method="PUT", path=path, data=body)

    # ------------------------------------------------------------------ monitoring v3
    def _monitoring(self):
        return self._client("monitoring", lambda: monitoring_api(self.access))

    def _list_v3(self, collection: str) -> list[dict]:
        resource = getattr(self._monitoring().projects(), collection)()
        found, token = [], None
        while True:
            page = resource.list(name=f"projects/{self.project}", pageToken=token).execute()
            found += page.get(collection, [])
            token = page.get("nextPageToken")
            if not token:
                return found

    def list_channels(self) -> list[dict]:
        return self._list_v3("notificationChannels")

    def create_channel(self, body: dict) -> dict:
        channels = self._monitoring().projects().notificationChannels()
        return channels.create(name=f"projects/{self.project}", body=body).execute()

    def update_channel(self, existing: dict, body: dict) -> dict:
        channels = self._monitoring().projects().notificationChannels()
        mask = ",".join(sorted(set(body) - {"type"}))  # a channel's type cannot change
        return channels.patch(name=existing["name"], body=body, updateMask=mask).execute()

    def list_policies(self) -> list[dict]:
        return self._list_v3("alertPolicies")

    def create_policy(self, body: dict) -> dict:
        policies = self._monitoring().projects().alertPolicies()
        return policies.create(name=f"projects/{self.project}", body=body).execute()

    def update_policy(self, existing: dict, body: dict) -> dict:
        policies = self._monitoring().projects().alertPolicies()
        return policies.patch(name=existing["name"], body=body, updateMask=",".join(sorted(body))).execute()

    # ------------------------------------------------------------------ dashboards v1
    def _dashboards(self):
        return self._client("dashboards", lambda: dashboards_client(self.access))

    def list_dashboards(self) -> list[dict]:
        return [_as_dict(d) for d in self._dashboards().list_dashboards(parent=f"projects/{self.project}")]

    def create_dashboard(self, body: dict) -> dict:
        from google.cloud.monitoring_dashboard_v1 import Dashboard

        created = self._dashboards().create_dashboard(
            request={"parent": f"projects/{self.project}", "dashboard": _from_dict(Dashboard, body)}
        )
        return _as_dict(created)

    def update_dashboard(self, existing: dict, body: dict) -> dict:
        from google.cloud.monitoring_dashboard_v1 import Dashboard

        change = {**body, "name": existing["name"], "etag": existing.get("etag", "")}
        return _as_dict(
            self._dashboards().update_dashboard(request={"dashboard": _from_dict(Dashboard, change)})
        )

    # ------------------------------------------------------------------ scheduler v1
    def _scheduler(self):
        return self._client("scheduler", lambda: scheduler_client(self.access))

    def list_jobs(self) -> list[dict]:
        parent = f"projects/{self.project}/locations/{self.region}"
        return [_as_dict(job) for job in self._scheduler().list_jobs(parent=parent)]

    def create_job(self, body: dict) -> dict:
        from google.cloud.scheduler_v1 import Job

        parent = f"projects/{self.project}/locations/{self.region}"
        return _as_dict(self._scheduler().create_job(parent=parent, job=_from_dict(Job, body)))

    def update_job(self, existing: dict, body: dict) -> dict:
        from google.cloud.scheduler_v1 import Job
        from google.protobuf.field_mask_pb2 import FieldMask

        mask = FieldMask(paths=[_snake(key) for key in sorted(body) if key != "name"])
        return _as_dict(self._scheduler().update_job(job=_from_dict(Job, body), update_mask=mask))

    # ------------------------------------------------------------------ secret manager
    def secret(self, reference: str) -> str:
        """The value of `name:version` in this project's Secret Manager (never logged or printed)."""
        name, _, version = reference.partition(":")
        path = f"projects/{self.project}/secrets/{name}/versions/{version or 'latest'}"
        answer = self._client("secrets", lambda: secrets_client(self.access)).access_secret_version(name=path)
        return answer.payload.data.decode("utf-8").strip()


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
