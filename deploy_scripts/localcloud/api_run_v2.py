"""Cloud Run Admin API v2 (`run.googleapis.com/v2/projects/*/locations/*/...`), as `google-cloud-run` speaks it.

services get/list/patch (traffic, template, etag), revisions get/list/delete, operations get/list.
Paths follow the run.v2 discovery document; the API host maps to the `/_run` prefix (app.py).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify, request

from . import run_v2_shapes as v2
from . import shapes
from .errors import conflict, invalid, not_found

PREFIX = "/_run/v2/projects/<project>/locations/<region>"


def _controller():
    return current_app.config["controller"]


def _functions(project: str, region: str) -> list[dict]:
    return [
        fn
        for fn in _controller().store.list_functions()
        if project in (fn["project"], shapes.project_number(fn["project"])) and region in ("-", fn["region"])
    ]


def _lookup(project: str, region: str, service: str) -> dict:
    for fn in _functions(project, region):
        if fn["service"] == service:
            return fn
    raise not_found(f"Resource 'projects/{project}/locations/{region}/services/{service}' was not found.")


def _render(fn: dict) -> dict:
    controller = _controller()
    return v2.service(fn, controller.base_url, controller.revisions_of(fn))


def _revision(fn: dict, name: str) -> dict:
    rev = _controller().store.get_revision(name)
    if rev is None or rev["function"] != fn["name"]:
        raise not_found(f"Resource '{v2.service_name(fn)}/revisions/{name}' was not found.")
    return rev


def _new_operation(fn: dict, response_type: str, response: dict, waits_for: str | None = None) -> dict:
    """Record a v2 operation; one that waits for a build finishes with the functions operation."""
    name = f"projects/{fn['project']}/locations/{fn['region']}/operations/{uuid.uuid4()}"
    doc = {"name": name, "done": True, "runV2": {"service": fn["name"], "type": response_type}}
    if waits_for:
        doc["runV2"]["waitsFor"] = waits_for
    _controller().store.put_operation(doc)
    return _operation_view(doc, response)


def _operation_view(doc: dict, response: dict | None = None) -> dict:
    controller = _controller()
    run = doc["runV2"]
    fn = controller.store.get_function(run["service"])
    if response is None:
        if fn is None:
            return {"name": doc["name"], "done": True, "error": {"code": 5, "message": "service deleted"}}
        response = _render(fn)
    waited = controller.store.get_operation(run["waitsFor"]) if run.get("waitsFor") else None
    view = v2.operation(doc["name"], run["type"], response)
    if waited is not None and not waited["done"]:
        view["done"] = False
        view.pop("response")
    elif waited is not None and waited.get("error"):
        view["error"] = waited["error"]
        view.pop("response")
    return view


def run_v2_blueprint() -> Blueprint:
    bp = Blueprint("run_v2", __name__)

    @bp.get(f"{PREFIX}/services")
    def list_services(project, region):
        found = [_render(fn) for fn in _functions(project, region)]
        return jsonify({"services": found} if found else {})

    @bp.get(f"{PREFIX}/services/<service>")
    def get_service(project, region, service):
        return jsonify(_render(_lookup(project, region, service)))

    @bp.patch(f"{PREFIX}/services/<service>")
    def update_service(project, region, service):
        """Traffic (with tags) and template changes; a stale etag is 409, as Google answers."""
        fn = _lookup(project, region, service)
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise invalid("the body must be a Service")
        mask = {p.strip() for p in (request.args.get("updateMask") or "").split(",") if p.strip()}
        spec: dict = {}
        if body.get("traffic") and (not mask or "traffic" in mask):
            spec["traffic"] = v2.traffic_to_v1(body["traffic"])
        if body.get("template") and (not mask or any(p.startswith("template") for p in mask)):
            spec["template"] = v2.template_to_v1(body["template"])
        etag = body.get("etag")
        if etag and etag != shapes.resource_version(fn):
            raise conflict(f"etag {etag} is stale: the service changed since it was read; read it again.")
        before = fn.get("activeOperation")
        fn = _controller().replace_service(fn["name"], spec, None)
        started = fn.get("activeOperation") if fn.get("activeOperation") != before else None
        return jsonify(_new_operation(fn, v2.SERVICE_TYPE, _render(fn), started))

    @bp.get(f"{PREFIX}/services/<service>/revisions")
    def list_revisions(project, region, service):
        controller = _controller()
        fn = _lookup(project, region, service)
        found = [
            v2.revision(rev, fn, controller.base_url) for rev in controller.store.list_revisions(fn["name"])
        ]
        return jsonify({"revisions": found} if found else {})

    @bp.get(f"{PREFIX}/services/<service>/revisions/<revision>")
    def get_revision(project, region, service, revision):
        fn = _lookup(project, region, service)
        return jsonify(v2.revision(_revision(fn, revision), fn, _controller().base_url))

    @bp.delete(f"{PREFIX}/services/<service>/revisions/<revision>")
    def delete_revision(project, region, service, revision):
        controller = _controller()
        fn = _lookup(project, region, service)
        shown = v2.revision(_revision(fn, revision), fn, controller.base_url)
        controller.delete_revision(revision)
        return jsonify(_new_operation(fn, v2.REVISION_TYPE, shown))

    @bp.get(f"{PREFIX}/operations")
    def list_operations(project, region):
        docs = [
            doc
            for doc in _controller().store.list_operations()
            if "runV2" in doc and doc["name"].startswith(f"projects/{project}/locations/{region}/")
        ]
        views = [_operation_view(doc) for doc in docs]
        return jsonify({"operations": views} if views else {})

    @bp.get(f"{PREFIX}/operations/<operation>")
    def get_operation(project, region, operation):
        name = f"projects/{project}/locations/{region}/operations/{operation}"
        doc = _controller().store.get_operation(name)
        if doc is None or "runV2" not in doc:
            raise not_found(f"Operation '{name}' was not found.")
        return jsonify(_operation_view(doc))

    return bp
