"""What the operations stand-ins (monitoring, dashboards, scheduler, logging metrics) share: request
bodies checked against Google's discovery documents, update masks, list pages."""

from __future__ import annotations

import json

from flask import current_app, request

from .contract import problems
from .errors import invalid
from .resources import Resources


def resources() -> Resources:
    app = current_app
    if "operations_resources" not in app.config:
        app.config["operations_resources"] = Resources(app.config["controller"].paths.root)
    return app.config["operations_resources"]


def _proto_class(document: str, schema: str):
    """The client library's message for a schema whose requests may carry enums as numbers."""
    if (document, schema) == ("monitoring.v1", "Dashboard"):
        from google.cloud.monitoring_dashboard_v1 import Dashboard

        return Dashboard
    if (document, schema) == ("cloudscheduler.v1", "Job"):
        from google.cloud.scheduler_v1 import Job

        return Job
    return None


def _enum_names(document: str, schema: str, body: dict) -> dict:
    """The generated REST clients send `$alt=json;enum-encoding=int` (enums as numbers), which Google
    accepts; stored resources keep the names, so parse through the message and print it back."""
    message_class = _proto_class(document, schema)
    if message_class is None or "enum-encoding=int" not in request.args.get("$alt", ""):
        return body
    from google.protobuf.json_format import MessageToDict

    try:
        message = message_class.from_json(json.dumps(body), ignore_unknown_fields=False)
    except Exception as exc:  # the parser's own message names the field
        raise invalid(f"Invalid {schema}: {exc}") from None
    return MessageToDict(message_class.pb(message))


def body_of(document: str, schema: str) -> dict:
    """The request's JSON body as `schema` of `document`; 400 naming every field Google would refuse."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid(f"the body must be a JSON {schema} object")
    body = _enum_names(document, schema, body)
    found = problems(document, schema, body)
    if found:
        raise invalid(f"Invalid {schema}: " + "; ".join(found[:5]))
    return body


def _set_path(target: dict, source: dict, path: str) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        if head in source:
            target[head] = source[head]
        else:
            target.pop(head, None)
        return
    inner = target.setdefault(head, {})
    if isinstance(inner, dict):
        _set_path(inner, source.get(head) or {}, rest)


def apply_update(current: dict, change: dict, mask: str | None, keep: tuple[str, ...]) -> dict:
    """PATCH semantics: with an updateMask only the named (dotted) fields change; without one the body
    replaces the resource. Fields in `keep` (server-assigned) never change."""
    if mask:
        updated = dict(current)
        for path in (p.strip() for p in mask.split(",")):
            if path:
                _set_path(updated, change, path)
    else:
        updated = dict(change)
    for key in keep:
        if key in current:
            updated[key] = current[key]
        else:
            updated.pop(key, None)
    return updated


def read_or_delete(collection: str, name: str, missing: Exception):
    """(the stored resource, the answer) for GET and DELETE; (resource, None) when the caller changes it."""
    from flask import jsonify

    current = resources().get(collection, name)
    if current is None:
        raise missing
    if request.method == "GET":
        return current, jsonify(current)
    if request.method == "DELETE":
        resources().delete(collection, name)
        return current, jsonify({})
    return current, None


def page(items: list[dict], key: str, *, total: bool = False) -> dict:
    """One page holding every item (the stand-in's collections are small); empty lists are omitted."""
    answer: dict = {key: items} if items else {}
    if total:
        answer["totalSize"] = len(items)
    return answer
