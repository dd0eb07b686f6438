"""The look-ups gcloud makes on the way: Resource Manager, Service Usage, Cloud Build, IAM policies."""

from __future__ import annotations

import base64
import hashlib
import json

from flask import Blueprint, current_app, jsonify, request

from .iam import check_policy, resource_key
from .shapes import project_number

IAM_VERBS = (":getIamPolicy", ":setIamPolicy", ":testIamPermissions")


def _store():
    return current_app.config["controller"].store


def google_blueprint() -> Blueprint:
    bp = Blueprint("google", __name__)

    @bp.get("/_crm/v1/projects/<project>")
    def get_project(project):
        return jsonify(
            {
                "projectNumber": project_number(project),
                "projectId": project,
                "lifecycleState": "ACTIVE",
                "name": project,
                "createTime": "2020-01-01T00:00:00.000Z",
                "parent": {"type": "organization", "id": "100000000001"},
            }
        )

    @bp.get("/_serviceusage/v1/projects/<project>/services/<service>")
    def get_service(project, service):
        number = project_number(project)
        return jsonify(
            {
                "name": f"projects/{number}/services/{service}",
                "config": {"name": service, "title": service},
                "state": "ENABLED",
                "parent": f"projects/{number}",
            }
        )

    @bp.get("/_cloudbuild/v1/projects/<project>/locations/<region>/defaultServiceAccount")
    def default_build_account(project, region):
        number = project_number(project)
        return jsonify(
            {
                "name": f"projects/{project}/locations/{region}/defaultServiceAccount",
                "serviceAccountEmail": f"projects/{project}/serviceAccounts/{number}-compute@developer.gserviceaccount.com",
            }
        )

    return bp


def _etag(policy: dict) -> str:
    digest = hashlib.sha256(json.dumps(policy.get("bindings", []), sort_keys=True).encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def answer_iam(api: str, path: str):
    """get/set/testIamPermissions on any resource, stored per API and resource (v1 and v2 share it)."""
    resource, _, verb = path.rpartition(":")
    key = resource_key(api, resource)
    store = _store()
    body = request.get_json(force=True, silent=True) or {}
    if verb == "testIamPermissions":
        return jsonify({"permissions": body.get("permissions", [])})
    if verb == "setIamPolicy":
        policy = dict(body.get("policy") or {})
        check_policy(policy)
        policy.pop("etag", None)
        policy.setdefault("version", 1)
        policy["etag"] = _etag(policy)
        store.put_policy(key, policy)
        return jsonify(policy)
    # state dirs written before v1 and v2 shared a key kept the full request path
    stored = store.get_policy(key) or store.get_policy(f"{api}:{resource}")
    return jsonify(stored or {"version": 1, "etag": "ACAB"})
