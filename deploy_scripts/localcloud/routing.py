"""The loopback side: stable function URLs routed by traffic split, source upload and download."""

from __future__ import annotations

import html
import http.client
import shutil

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from . import iam, shapes
from .errors import ApiError, invalid, not_found
from .peers import connection_from_groups
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


# Cloud Run's own refusals are HTML pages, not API JSON.
_REFUSAL = """<html><head>
<meta http-equiv="content-type" content="text/html;charset=utf-8">
<title>{code} {title}</title>
</head>
<body text=#000000 bgcolor=#ffffff>
<h1>Error: {title}</h1>
<h2>{detail}</h2>
<h2></h2>
</body></html>
"""


def _refusal(code: int, title: str, detail: str) -> Response:
    return Response(_REFUSAL.format(code=code, title=title, detail=detail), status=code, mimetype="text/html")


def _split_tag(controller, project: str, region: str, function_id: str) -> tuple[dict | None, str | None]:
    """`cand---process_invoice` is the tag `cand` of function `process_invoice` (Google: TAG---host)."""
    fn = controller.function_by_id(project, region, function_id)
    if fn is None and shapes.TAG_SEPARATOR in function_id:
        tag, _, real = function_id.partition(shapes.TAG_SEPARATOR)
        fn = controller.function_by_id(project, region, real)
        return fn, tag
    return fn, None


def _is_internal(controller) -> bool:
    """Internal ingress, locally: the caller is one of the revision processes localcloud runs."""
    client_port = int(request.environ.get("REMOTE_PORT") or 0)
    server_port = int(request.environ.get("SERVER_PORT") or 0)
    return connection_from_groups(client_port, server_port, controller.revision_process_groups())


def _gate(controller, fn: dict, requested_url: str) -> Response | None:
    """Ingress, then IAM, as Cloud Run checks a request before it reaches the revision."""
    if shapes.ingress_setting(fn) != "ALLOW_ALL" and not _is_internal(controller):
        # Google answers 404 to a request its ingress setting does not admit
        return _refusal(
            404,
            "Page not found",
            f"The requested URL <code>{html.escape(request.path)}</code> was not found on this server.",
        )
    policy = controller.store.get_policy(iam.service_policy_key(fn["project"], fn["region"], fn["service"]))
    email = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        main_url = shapes.function_url(controller.base_url, fn["project"], fn["region"], fn["functionId"])
        audiences = {main_url, requested_url}  # Google: the service URL, or the tag URL called
        try:
            if scheme.lower() != "bearer" or not token:
                raise iam.TokenRejected("the Authorization header is not `Bearer TOKEN`", 403)
            email = iam.verify_token(controller.paths, token.strip(), audiences)
        except iam.TokenRejected as exc:
            if exc.status == 401:
                return _refusal(
                    401,
                    "Unauthorized",
                    f"Your client does not have permission to the requested URL ({html.escape(str(exc))}).",
                )
            return _forbidden(html.escape(str(exc)))
    if not iam.may_invoke(policy, email):
        return _forbidden(f"{email} is not allowed to invoke it" if email else "it needs an identity token")
    return None


def _forbidden(why: str) -> Response:
    return _refusal(
        403,
        "Forbidden",
        f"Your client does not have permission to get URL <code>{html.escape(request.path)}</code> from this "
        f"server ({why}; get a token with `localcloud token --audience URL`).",
    )


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
        fn, tag = _split_tag(controller, project, region, function_id)
        if fn is None:
            raise not_found(f"Function {function_id} is not deployed in {project}/{region}.")
        refused = _gate(
            controller, fn, shapes.function_url(controller.base_url, project, region, function_id)
        )
        if refused is not None:
            return refused
        if tag is not None and tag not in shapes.tagged_revisions(fn):
            raise not_found(f"Function {fn['functionId']} has no revision tagged '{tag}'.")
        try:
            handle = controller.pick_revision(fn, tag)
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

    @bp.get("/computeMetadata/v1/instance/service-accounts/default/identity")
    def identity_token():
        """An identity token for `?audience=`, as the metadata server gives one to code on Google."""
        if request.headers.get("Metadata-Flavor") != "Google":
            return _refusal(403, "Forbidden", "Missing Metadata-Flavor:Google header.")
        audience = request.args.get("audience")
        if not audience:
            raise invalid("audience is required")
        # the caller is code on this machine, acting as the project's owner (see iam.py)
        return Response(iam.mint_token(_controller().paths, audience), mimetype="text/plain")

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
