"""The WSGI app: one loopback port, routed by host (proxy-mode gcloud) and path.

gcloud, with localcloud's proxy properties, sends absolute-form requests such as
`GET http://us-central1-run.localcloud/apis/...`; werkzeug sets the Host from them. Each made-up
API host is mapped to a path prefix so the APIs cannot collide; plain loopback requests (function
URLs, uploads, the Document AI / Sheets stand-ins) keep their paths.
"""

from __future__ import annotations

import json
import os

import structlog
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from .api_functions import functions_blueprint
from .api_google import IAM_VERBS, answer_iam, google_blueprint
from .api_logging import logging_blueprint
from .api_monitoring import monitoring_blueprint
from .api_run import run_blueprint
from .api_run_v2 import run_v2_blueprint
from .api_scheduler import scheduler_blueprint
from .api_secrets import secrets_blueprint
from .contract import CHECK_ENV, check_answer
from .controller import Controller
from .errors import ApiError
from .settings import HOST_PREFIXES

log = structlog.get_logger("localcloud")

API_DOMAIN = "localcloud"


class HostDispatch:
    """Rewrite `<api>.localcloud` hosts into path prefixes; refuse CONNECT (https via the proxy)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "CONNECT":
            target = environ.get("PATH_INFO") or environ.get("HTTP_HOST", "")
            log.warning("connect_refused", target=target)
            message = (
                f"localcloud does not tunnel https ({target}); point this API at "
                f"http://<api>.{API_DOMAIN}/ with api_endpoint_overrides (see `localcloud gcloud-env`)"
            )
            body = json.dumps(ApiError(501, "UNIMPLEMENTED", message).body()).encode()
            start_response(
                "501 Not Implemented",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        host = (environ.get("HTTP_HOST") or "").split(":")[0].lower()
        if host.endswith("." + API_DOMAIN):
            label = host[: -len(API_DOMAIN) - 1]
            api = label
            if label.endswith("run") and label != "run":
                # regional run host: us-central1-run.localcloud
                environ["localcloud.region"] = label[: -len("-run")]
                api = "run"
            prefix = HOST_PREFIXES.get(api, f"/_unknown/{label}")
            environ["localcloud.api"] = api
            environ["PATH_INFO"] = prefix + (environ.get("PATH_INFO") or "/")
        return self.app(environ, start_response)


def _register_standins(app: Flask, state_dir) -> None:
    try:
        from deploy_scripts.localcloud.standins import register_standins
    except ImportError:
        return
    register_standins(app, state_dir)


def create_app(controller: Controller) -> Flask:
    app = Flask("localcloud")
    app.config["controller"] = controller
    app.register_blueprint(functions_blueprint())
    app.register_blueprint(run_blueprint())
    app.register_blueprint(run_v2_blueprint())
    app.register_blueprint(google_blueprint())
    app.register_blueprint(logging_blueprint())
    app.register_blueprint(monitoring_blueprint())
    app.register_blueprint(scheduler_blueprint())
    app.register_blueprint(secrets_blueprint())
    from .routing import routing_blueprint

    app.register_blueprint(routing_blueprint())
    _register_standins(app, controller.paths.root)

    @app.before_request
    def iam_and_audit():
        api = request.environ.get("localcloud.api") or _api_of(request.path)[0]
        if api and request.method in ("GET", "POST") and request.path.endswith(IAM_VERBS):
            return answer_iam(api, request.path)
        return None

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        # what gcloud was refused, in the server log: a 409 here is why a deploy was retried
        log.info("api_error", code=exc.code, method=request.method, path=request.path, error=exc.message)
        return jsonify(exc.body()), exc.code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 404:
            log.warning(
                "unhandled_request",
                method=request.method,
                host=request.host,
                path=request.path,
                api=request.environ.get("localcloud.api"),
            )
            message = f"localcloud does not implement {request.method} {request.host}{request.path}"
        else:
            message = exc.description or exc.name
        status = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.code, "INVALID_ARGUMENT")
        return jsonify(ApiError(exc.code, status, message).body()), exc.code

    violations_file = os.environ.get(CHECK_ENV)
    if violations_file:

        @app.after_request
        def check_contract(response):
            _check_contract(response, violations_file)
            return response

    app.wsgi_app = HostDispatch(app.wsgi_app)
    return app


_PREFIX_API = {prefix: api for api, prefix in HOST_PREFIXES.items()}


def _api_of(path: str) -> tuple[str | None, str]:
    """`/_run/v2/projects/...` -> ("run", "/v2/projects/..."): which API answered, and its own path."""
    head, _, rest = path[1:].partition("/")
    api = _PREFIX_API.get("/" + head)
    return api, "/" + rest


def _check_contract(response, violations_file: str) -> None:
    """Test mode: check an API answer against Google's discovery document; record what drifts."""
    api, path = _api_of(request.path)
    if api is None or not response.is_json:
        return
    body = response.get_json(silent=True)
    found = check_answer(api, request.method, path, response.status_code, body)
    if found:
        log.error("contract_violation", method=request.method, path=request.path, problems=found)
        record = {"method": request.method, "path": request.path, "status": response.status_code}
        with open(violations_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({**record, "problems": found}) + "\n")
