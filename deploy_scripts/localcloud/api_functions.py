"""Cloud Functions v2 REST (`projects.locations.functions`, `operations`, `runtimes`)."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify, request

from . import shapes
from .errors import invalid, not_found

PREFIX = "/_cloudfunctions"


def _controller():
    return current_app.config["controller"]


def _check_version(version: str) -> None:
    if not version.startswith("v2"):
        raise not_found(f"localcloud answers Cloud Functions v2 only, not {version}")


def functions_blueprint() -> Blueprint:
    bp = Blueprint("cloudfunctions", __name__, url_prefix=PREFIX)
    base = "/<version>/projects/<project>/locations/<region>"

    @bp.get(f"{base}/functions/<function_id>")
    def get_function(version, project, region, function_id):
        _check_version(version)
        controller = _controller()
        name = f"projects/{project}/locations/{region}/functions/{function_id}"
        return jsonify(controller.render_function(controller.function(name)))

    @bp.get(f"{base}/functions")
    def list_functions(version, project, region):
        if version == "v1":
            return jsonify({})  # `gcloud functions list` also asks v1: there are no 1st gen functions here
        _check_version(version)
        controller = _controller()
        found = [
            controller.render_function(fn)
            for fn in controller.store.list_functions()
            if fn["project"] in (project, shapes.project_number(project)) and region in ("-", fn["region"])
        ]
        return jsonify({"functions": found} if found else {})

    @bp.post(f"{base}/functions")
    def create_function(version, project, region):
        _check_version(version)
        function_id = request.args.get("functionId")
        if not function_id:
            raise invalid("functionId is required")
        body = request.get_json(force=True, silent=True) or {}
        return jsonify(_controller().create_function(project, region, function_id, body))

    @bp.patch(f"{base}/functions/<function_id>")
    def patch_function(version, project, region, function_id):
        _check_version(version)
        name = f"projects/{project}/locations/{region}/functions/{function_id}"
        body = request.get_json(force=True, silent=True) or {}
        return jsonify(_controller().patch_function(name, body, request.args.get("updateMask")))

    @bp.delete(f"{base}/functions/<function_id>")
    def delete_function(version, project, region, function_id):
        _check_version(version)
        name = f"projects/{project}/locations/{region}/functions/{function_id}"
        return jsonify(_controller().delete_function(name))

    @bp.post(f"{base}/functions:generateUploadUrl")
    def generate_upload_url(version, project, region):
        _check_version(version)
        obj = f"{uuid.uuid4()}.zip"
        bucket = f"gcf-v2-uploads-{shapes.project_number(project)}.{region}.cloudfunctions.appspot.com"
        return jsonify(
            {
                "uploadUrl": f"{_controller().base_url}/_upload/{obj}",
                "storageSource": {"bucket": bucket, "object": obj},
            }
        )

    @bp.post(f"{base}/functions/<function_id>:generateDownloadUrl")
    def generate_download_url(version, project, region, function_id):
        _check_version(version)
        controller = _controller()
        fn = controller.function(f"projects/{project}/locations/{region}/functions/{function_id}")
        obj = fn["resource"]["buildConfig"]["source"]["storageSource"]["object"]
        return jsonify({"downloadUrl": f"{controller.base_url}/_download/{obj}"})

    @bp.get(f"{base}/runtimes")
    def list_runtimes(version, project, region):
        _check_version(version)
        runtimes = [
            {"name": name, "displayName": f"Python {name[6]}.{name[7:]}", "stage": "GA", "environment": env}
            for name in shapes.GEN2_RUNTIMES
            for env in ("GEN_1", "GEN_2")
        ]
        return jsonify({"runtimes": runtimes})

    @bp.get(f"{base}/operations/<operation_id>")
    def get_operation(version, project, region, operation_id):
        _check_version(version)
        name = f"projects/{project}/locations/{region}/operations/{operation_id}"
        op = _controller().store.get_operation(name)
        if op is None or "runV2" in op:
            raise not_found(f"Operation '{name}' was not found")
        return jsonify(op)

    @bp.get(f"{base}/operations")
    def list_operations(version, project, region):
        _check_version(version)
        prefix = f"projects/{project}/locations/{region}/operations/"
        found = [
            op
            for op in _controller().store.list_operations()
            if "runV2" not in op
            and op["name"].startswith(f"projects/{project}/")
            and (region == "-" or op["name"].startswith(prefix))
        ]
        return jsonify({"operations": found} if found else {})

    @bp.get("/<version>/projects/<project>/locations")
    def list_locations(version, project):
        # `gcloud functions list` asks v1 for the regions before listing in each (v1 and v2).
        regions = ["us-central1", "us-east1", "us-west1", "europe-west1", "asia-east1"]
        return jsonify(
            {"locations": [{"name": f"projects/{project}/locations/{r}", "locationId": r} for r in regions]}
        )

    return bp
