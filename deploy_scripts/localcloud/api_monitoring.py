"""Cloud Monitoring stand-in: v3 alertPolicies and notificationChannels, v1 dashboards.

gcloud and the clients reach it as `http://monitoring.localcloud/` through localcloud's proxy (the
dashboards API shares Monitoring's host, as on Google). Shapes follow monitoring.v3's AlertPolicy /
NotificationChannel and monitoring.v1's Dashboard; requests are checked against the same documents.
Stored policies are judged by localcloud's evaluator (alerting.py), which fires their channels.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import Blueprint, current_app, jsonify, request

from .api_ops_common import apply_update, body_of, page, read_or_delete, resources
from .errors import ApiError, conflict, invalid, not_found
from .resources import new_id, now_rfc3339

MUTATOR = "localcloud"
POLICIES, CHANNELS, DASHBOARDS = "alertPolicies", "notificationChannels", "dashboards"


def _record() -> dict:
    return {"mutateTime": now_rfc3339(), "mutatedBy": MUTATOR}


def _name_conditions(policy: dict) -> dict:
    for condition in policy.get("conditions") or []:
        condition.setdefault("name", f"{policy['name']}/conditions/{new_id()}")
    return policy


def _check_policy(policy: dict) -> None:
    if not policy.get("conditions"):
        raise invalid("Field alert_policy.conditions must have at least one condition")
    if len(policy["conditions"]) > 1 and not policy.get("combiner"):
        raise invalid("Field alert_policy.combiner must be set when there is more than one condition")
    for channel in policy.get("notificationChannels") or []:
        if resources().get(CHANNELS, channel) is None:
            raise invalid(f"notification channel {channel} does not exist")


def _etag(doc: dict) -> str:
    basis = {k: v for k, v in doc.items() if k != "etag"}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


def _missing(kind: str, name: str) -> ApiError:
    return not_found(f"Requested entity was not found: {kind} {name}")


def monitoring_blueprint() -> Blueprint:
    bp = Blueprint("monitoring", __name__)

    # ---------------------------------------------------------------- v3 alert policies
    @bp.get("/_monitoring/v3/projects/<project>/alertPolicies")
    def list_policies(project):
        return jsonify(page(resources().list(POLICIES, f"projects/{project}/"), POLICIES, total=True))

    @bp.post("/_monitoring/v3/projects/<project>/alertPolicies")
    def create_policy(project):
        policy = body_of("monitoring.v3", "AlertPolicy")
        policy["name"] = f"projects/{project}/alertPolicies/{new_id()}"
        policy.setdefault("enabled", True)
        _check_policy(policy)
        policy["creationRecord"] = policy["mutationRecord"] = _record()
        _name_conditions(policy)
        resources().put(POLICIES, policy["name"], policy)
        return jsonify(policy)

    @bp.route("/_monitoring/v3/projects/<project>/alertPolicies/<ident>", methods=["GET", "PATCH", "DELETE"])
    def one_policy(project, ident):
        name = f"projects/{project}/alertPolicies/{ident}"
        current, answer = read_or_delete(POLICIES, name, _missing("alert policy", name))
        if answer is not None:
            return answer
        change = body_of("monitoring.v3", "AlertPolicy")
        updated = apply_update(current, change, request.args.get("updateMask"), ("name", "creationRecord"))
        _check_policy(updated)
        updated["mutationRecord"] = _record()
        resources().put(POLICIES, name, _name_conditions(updated))
        return jsonify(updated)

    # ---------------------------------------------------------------- v3 notification channels
    @bp.get("/_monitoring/v3/projects/<project>/notificationChannels")
    def list_channels(project):
        return jsonify(page(resources().list(CHANNELS, f"projects/{project}/"), CHANNELS, total=True))

    @bp.post("/_monitoring/v3/projects/<project>/notificationChannels")
    def create_channel(project):
        channel = body_of("monitoring.v3", "NotificationChannel")
        if not channel.get("type"):
            raise invalid("Field notification_channel.type is required")
        channel["name"] = f"projects/{project}/notificationChannels/{new_id()}"
        channel.setdefault("enabled", True)
        channel["creationRecord"] = _record()
        channel["mutationRecords"] = [_record()]
        resources().put(CHANNELS, channel["name"], channel)
        return jsonify(channel)

    @bp.route(
        "/_monitoring/v3/projects/<project>/notificationChannels/<ident>", methods=["GET", "PATCH", "DELETE"]
    )
    def one_channel(project, ident):
        name = f"projects/{project}/notificationChannels/{ident}"
        current = resources().get(CHANNELS, name)
        if current is None:
            raise _missing("notification channel", name)
        if request.method == "GET":
            return jsonify(current)
        if request.method == "DELETE":
            if (
                any(
                    name in (p.get("notificationChannels") or [])
                    for p in resources().list(POLICIES, f"projects/{project}/")
                )
                and request.args.get("force", "").lower() != "true"
            ):
                raise invalid(f"notification channel {name} is used by an alert policy; use force=true")
            resources().delete(CHANNELS, name)
            return jsonify({})
        change = body_of("monitoring.v3", "NotificationChannel")
        updated = apply_update(
            current, change, request.args.get("updateMask"), ("name", "creationRecord", "mutationRecords")
        )
        updated["mutationRecords"] = [*current.get("mutationRecords", []), _record()]
        resources().put(CHANNELS, name, updated)
        return jsonify(updated)

    # ---------------------------------------------------------------- v1 dashboards
    @bp.get("/_monitoring/v1/projects/<project>/dashboards")
    def list_dashboards(project):
        return jsonify(page(resources().list(DASHBOARDS, f"projects/{project}/"), DASHBOARDS))

    @bp.post("/_monitoring/v1/projects/<project>/dashboards")
    def create_dashboard(project):
        dashboard = body_of("monitoring.v1", "Dashboard")
        if not dashboard.get("displayName"):
            raise invalid("Field dashboard.displayName is required")
        ident = (dashboard.get("name") or "").rsplit("/", 1)[-1] or new_id()
        dashboard["name"] = f"projects/{project}/dashboards/{ident}"
        dashboard["etag"] = _etag(dashboard)
        if not resources().insert(DASHBOARDS, dashboard["name"], dashboard):
            raise conflict(f"dashboard {dashboard['name']} already exists", "ALREADY_EXISTS")
        return jsonify(dashboard)

    @bp.route("/_monitoring/v1/projects/<project>/dashboards/<ident>", methods=["GET", "PATCH", "DELETE"])
    def one_dashboard(project, ident):
        name = f"projects/{project}/dashboards/{ident}"
        current, answer = read_or_delete(DASHBOARDS, name, _missing("dashboard", name))
        if answer is not None:
            return answer
        change = body_of("monitoring.v1", "Dashboard")
        if change.get("etag") and change["etag"] != current.get("etag"):
            raise conflict(f"dashboard {name} was modified since its etag {change['etag']} was read")
        updated = {**change, "name": name}
        updated["etag"] = _etag(updated)
        resources().put(DASHBOARDS, name, updated)
        return jsonify(updated)

    @bp.post("/_localcloud/alerting:evaluate")
    def evaluate_now():
        """Judge every policy now (or as of `at`), as the background evaluation does."""
        from .alerting import Alerting

        app = current_app
        alerting = app.config.setdefault("alerting", Alerting(app.config["controller"].paths))
        raw = (request.get_json(silent=True) or {}).get("at")
        try:
            at = dt.datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else dt.datetime.now(dt.UTC)
        except (AttributeError, ValueError):
            raise invalid(f"at {raw!r} is not an RFC 3339 time") from None
        return jsonify({"evaluatedAt": at.isoformat(), "policies": alerting.evaluate(at)})

    return bp
