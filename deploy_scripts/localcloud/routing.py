"""The loopback side: stable function URLs routed by traffic split, source upload and download."""

from __future__ import annotations

import http.client
import shutil

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from .errors import ApiError, invalid, not_found
from .processes import StartFailed
from .secrets import SecretMissing

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # what generateUploadUrl allows in production


def _controller():
    return current_app.config["controller"]


def _forward(port: int, path: str, timeout: float) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        query = request.query_string.decode()
        target = path + (f"?{query}" if query else "")
        connection.request(request.method, target, body=request.get_data(), headers=headers)
        upstream = connection.getresponse()
        payload = upstream.read()
        out_headers = [(k, v) for k, v in upstream.getheaders() if k.lower() not in HOP_BY_HOP]
        return Response(payload, status=upstream.status, headers=out_headers)
    finally:
        connection.close()


def routing_blueprint() -> Blueprint:
    bp = Blueprint("routing", __name__)

    @bp.route(
        "/functions/<project>/<region>/<function_id>",
        methods=METHODS,
        defaults={"rest": ""},
        strict_slashes=False,
    )
    @bp.route("/functions/<project>/<region>/<function_id>/<path:rest>", methods=METHODS)
    def invoke(project, region, function_id, rest):
        controller = _controller()
        fn = controller.function_by_id(project, region, function_id)
        if fn is None:
            raise not_found(f"Function {function_id} is not deployed in {project}/{region}.")
        try:
            handle = controller.pick_revision(fn)
        except (StartFailed, SecretMissing) as exc:
            raise ApiError(
                503, "UNAVAILABLE", f"The revision for this request could not start: {exc}"
            ) from exc
        if handle is None:
            raise ApiError(
                503, "UNAVAILABLE", f"Function {function_id} has no revision ready to serve traffic."
            )
        timeout = float(fn["resource"].get("serviceConfig", {}).get("timeoutSeconds", 60))
        try:
            response = _forward(handle.port, "/" + rest, timeout)
        except (TimeoutError, OSError) as exc:
            raise ApiError(503, "UNAVAILABLE", f"Revision {handle.revision} did not answer: {exc}") from exc
        response.headers["X-Localcloud-Revision"] = handle.revision
        return response

    @bp.put("/_upload/<obj>")
    def upload(obj):
        if "/" in obj or not obj.endswith(".zip"):
            raise invalid("upload object must be a plain .zip name")
        if (request.content_length or 0) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "INVALID_ARGUMENT", "source archive larger than 100 MiB")
        controller = _controller()
        target = controller.paths.sources / obj
        with target.open("wb") as handle:
            shutil.copyfileobj(request.stream, handle)
        controller.store.put_upload(obj, target)
        return Response(status=200)

    @bp.get("/_download/<obj>")
    def download(obj):
        path = _controller().store.upload_path(obj)
        if path is None or not path.is_file():
            raise not_found(f"source object {obj} not found")
        return send_file(path, mimetype="application/zip")

    @bp.get("/_localcloud/health")
    def health():
        return jsonify({"status": "ok"})

    @bp.get("/_localcloud/status")
    def status():
        controller = _controller()
        functions = []
        for fn in controller.store.list_functions():
            functions.append(
                {
                    "name": fn["name"],
                    "state": fn["state"],
                    "url": controller.render_function(fn)["url"],
                    "traffic": fn["traffic"],
                    "latestReady": fn.get("latestReady"),
                }
            )
        return jsonify({"functions": functions, "running": controller.running()})

    return bp
