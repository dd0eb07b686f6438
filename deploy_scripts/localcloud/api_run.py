"""Cloud Run admin API v1, Knative style, as `gcloud run` speaks it (region from the host)."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, request

from . import shapes
from .errors import invalid, not_found

PREFIX = "/_run"
API = "/apis/serving.knative.dev/v1/namespaces/<namespace>"


def _controller():
    return current_app.config["controller"]


def _region() -> str | None:
    return request.environ.get("localcloud.region")


def _in_region(fn: dict) -> bool:
    region = _region()
    return region is None or fn["region"] == region


def _service_filter(selector: str) -> str | None:
    """`serving.knative.dev/service = NAME` (gcloud puts spaces around `=`) -> NAME."""
    match = re.search(r"serving\.knative\.dev/service\s*=\s*([\w.-]+)", selector or "")
    return match.group(1) if match else None


def run_blueprint() -> Blueprint:
    bp = Blueprint("run", __name__, url_prefix=PREFIX)

    def lookup(namespace: str, service: str) -> dict:
        fn = _controller().function_by_service(namespace, service)
        if not _in_region(fn):
            raise not_found(f"Resource 'services/{service}' was not found in region {_region()}.")
        return fn

    @bp.get(f"{API}/services/<service>")
    def get_service(namespace, service):
        controller = _controller()
        return jsonify(controller.render_service(lookup(namespace, service)))

    @bp.get(f"{API}/services")
    def list_services(namespace):
        controller = _controller()
        items = [
            controller.render_service(fn)
            for fn in controller.store.list_functions()
            if namespace in (fn["project"], shapes.project_number(fn["project"])) and _in_region(fn)
        ]
        return jsonify({"apiVersion": shapes.KNATIVE, "kind": "ServiceList", "metadata": {}, "items": items})

    @bp.put(f"{API}/services/<service>")
    def replace_service(namespace, service):
        """Traffic applies at once; a changed template builds a revision; a stale resourceVersion is 409."""
        controller = _controller()
        fn = lookup(namespace, service)
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
            raise invalid("the body must be a Service with a spec")
        version = (body.get("metadata") or {}).get("resourceVersion")
        fn = controller.replace_service(fn["name"], body["spec"], version)
        return jsonify(controller.render_service(fn))

    @bp.get("/v1/projects/<project>/locations/<region>/services")
    def list_services_in_locations(project, region):
        """`gcloud run services list` without --region asks `locations/-`: every region at once."""
        controller = _controller()
        items = [
            controller.render_service(fn)
            for fn in controller.store.list_functions()
            if project in (fn["project"], shapes.project_number(fn["project"]))
            and region in ("-", fn["region"])
        ]
        return jsonify({"apiVersion": shapes.KNATIVE, "kind": "ServiceList", "metadata": {}, "items": items})

    @bp.get(f"{API}/revisions")
    def list_revisions(namespace):
        controller = _controller()
        wanted = _service_filter(request.args.get("labelSelector", ""))
        items = []
        for fn in controller.store.list_functions():
            if namespace not in (fn["project"], shapes.project_number(fn["project"])) or not _in_region(fn):
                continue
            if wanted and fn["service"] != wanted:
                continue
            items.extend(
                controller.render_revision(rev, fn) for rev in controller.store.list_revisions(fn["name"])
            )
        return jsonify({"apiVersion": shapes.KNATIVE, "kind": "RevisionList", "metadata": {}, "items": items})

    @bp.get(f"{API}/revisions/<revision>")
    def get_revision(namespace, revision):
        controller = _controller()
        rev = controller.store.get_revision(revision)
        if rev is None:
            raise not_found(f"Resource 'revisions/{revision}' was not found.")
        return jsonify(controller.render_revision(rev))

    @bp.delete(f"{API}/revisions/<revision>")
    def delete_revision(namespace, revision):
        controller = _controller()
        rev = controller.store.get_revision(revision)
        fn = controller.store.get_function(rev["function"]) if rev else None
        if fn is None or namespace not in (fn["project"], shapes.project_number(fn["project"])):
            raise not_found(f"Resource 'revisions/{revision}' was not found.")
        controller.delete_revision(revision)
        return jsonify(
            {
                "status": "Success",
                "details": {
                    "name": revision,
                    "group": "serving.knative.dev",
                    "kind": "revisions",
                    "uid": rev["uid"],
                },
            }
        )

    return bp
