"""Cloud Logging v2 `entries:list` over the revisions' LogEntries, log-based metrics
(`projects/P/metrics`: create, list, get, update, delete; their filters must parse), and the build logs.

gcloud (`logging read`, `functions logs read`) reaches it as `http://logging.localcloud/v2/…` through
localcloud's proxy; google-cloud-logging's HTTP transport the same way. Request and answer follow
logging.v2's ListLogEntriesRequest / ListLogEntriesResponse.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

from flask import Blueprint, Response, current_app, jsonify, request

from .api_ops_common import body_of, page, resources
from .errors import conflict, invalid, not_found
from .log_filter import FilterError, compile_filter
from .logs import read_entries, timestamp_nanos
from .resources import now_rfc3339
from .shapes import project_number

DEFAULT_PAGE_SIZE = 50  # the API's documented default
MAX_PAGE_SIZE = 1000
ORDERS = {"timestamp asc": False, "timestamp": False, "timestamp desc": True}


def _fingerprint(body: dict) -> str:
    basis = json.dumps(
        [body.get("resourceNames"), body.get("projectIds"), body.get("filter"), body.get("orderBy")]
    )
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def _page_token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "f": fingerprint}).encode()).decode()


def _offset(token: str, fingerprint: str) -> int:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(decoded["o"])
    except (ValueError, KeyError, TypeError):
        raise invalid("pageToken is not a token this API returned") from None
    if decoded.get("f") != fingerprint or offset < 0:
        raise invalid("pageToken belongs to a request with other resourceNames, filter or orderBy")
    return offset


def _projects(body: dict) -> set[str]:
    names = list(body.get("resourceNames") or []) + [f"projects/{p}" for p in body.get("projectIds") or []]
    if not names:
        raise invalid('resourceNames is required, e.g. ["projects/PROJECT_ID"]')
    projects = set()
    for name in names:
        kind, _, ident = str(name).partition("/")
        if kind != "projects" or not ident or "/" in ident:
            if kind in ("organizations", "folders", "billingAccounts"):
                continue  # nothing is logged there on localcloud
            raise invalid(f"resourceNames entry {name!r} is not projects/PROJECT_ID")
        projects.add(ident)
    return projects


def _page_size(body: dict) -> int:
    raw = body.get("pageSize", DEFAULT_PAGE_SIZE)
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise invalid(f"pageSize {raw!r} is not an integer") from None
    if size < 0:
        raise invalid("pageSize must not be negative")
    return min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def list_entries(state_dir, body: dict) -> dict:
    """ListLogEntriesRequest -> ListLogEntriesResponse over the stored entries."""
    projects = _projects(body)
    order = str(body.get("orderBy") or "timestamp asc").strip().lower()
    order = " ".join(order.split())
    if order not in ORDERS:
        raise invalid(
            f'orderBy {body.get("orderBy")!r} is not supported; use "timestamp asc" or "timestamp desc"'
        )
    try:
        matches = compile_filter(body.get("filter"))
    except FilterError as exc:
        raise invalid(f"Unparseable filter: {exc}") from None
    size = _page_size(body)
    fingerprint = _fingerprint(body)
    offset = _offset(body["pageToken"], fingerprint) if body.get("pageToken") else 0
    wanted = projects | {project_number(p) for p in projects}
    found = []
    try:
        for entry in read_entries(state_dir):
            if entry.get("resource", {}).get("labels", {}).get("project_id") in wanted and matches(entry):
                found.append(entry)
    except FilterError as exc:
        raise invalid(f"Unparseable filter: {exc}") from None
    found.sort(
        key=lambda e: (timestamp_nanos(e.get("timestamp")) or 0, e.get("insertId", "")), reverse=ORDERS[order]
    )
    page = found[offset : offset + size]
    answer: dict = {"entries": page} if page else {}
    if offset + size < len(found):
        answer["nextPageToken"] = _page_token(offset + size, fingerprint)
    return answer


def logging_blueprint() -> Blueprint:
    bp = Blueprint("logging", __name__)

    def _controller():
        return current_app.config["controller"]

    @bp.post("/_logging/v2/entries:list")
    def entries_list():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise invalid("the body must be a JSON ListLogEntriesRequest object")
        return jsonify(list_entries(_controller().paths.root, body))

    @bp.get("/_localcloud/builds/<build_id>/log")
    def build_log(build_id):
        path = _controller().build_log_path(build_id)
        if "/" in build_id or not path.is_file():
            raise not_found(f"no build {build_id}")
        return Response(path.read_text(encoding="utf-8", errors="replace"), mimetype="text/plain")

    @bp.get("/_logging/v2/projects/<project>/metrics")
    def list_metrics(project):
        return jsonify(page(resources().list(METRICS, f"projects/{project}/metrics/"), "metrics"))

    @bp.post("/_logging/v2/projects/<project>/metrics")
    def create_metric(project):
        metric = _metric(project, body_of("logging.v2", "LogMetric"))
        if not resources().insert(METRICS, _metric_key(project, metric["name"]), metric):
            raise conflict(f"Metric {metric['name']} already exists", "ALREADY_EXISTS")
        return jsonify(metric)

    @bp.route("/_logging/v2/projects/<project>/metrics/<name>", methods=["GET", "PUT", "DELETE"])
    def one_metric(project, name):
        key = _metric_key(project, name)
        current = resources().get(METRICS, key)
        if request.method == "PUT":  # Google's update creates the metric when it is missing
            metric = _metric(project, {**body_of("logging.v2", "LogMetric"), "name": name}, current)
            resources().put(METRICS, key, metric)
            return jsonify(metric)
        if current is None:
            raise not_found(f"Metric {name} does not exist")
        if request.method == "DELETE":
            resources().delete(METRICS, key)
            return jsonify({})
        return jsonify(current)

    return bp


METRICS = "metrics"
_METRIC_NAME = re.compile(r"^[A-Za-z0-9_\-.,+!*',()%/\\]{1,100}$")


def _metric_key(project: str, name: str) -> str:
    return f"projects/{project}/metrics/{name}"


def _metric(project: str, metric: dict, current: dict | None = None) -> dict:
    """A LogMetric as Google stores it: a name and a filter that parses; times; the descriptor's type."""
    name = str(metric.get("name") or "")
    if not _METRIC_NAME.match(name):
        raise invalid(f"metric name {name!r} is not valid: up to 100 letters, digits and _-.,+!*',()%/\\")
    try:
        compile_filter(metric.get("filter") or "")
    except FilterError as exc:
        raise invalid(f"Unparseable filter: {exc}") from None
    if not metric.get("filter"):
        raise invalid("a log-based metric needs a filter")
    stamp = now_rfc3339()
    metric["createTime"] = (current or {}).get("createTime", stamp)
    metric["updateTime"] = stamp
    descriptor = metric.setdefault("metricDescriptor", {})
    descriptor.setdefault("metricKind", "DELTA")
    descriptor.setdefault("valueType", "INT64")
    descriptor["type"] = f"logging.googleapis.com/user/{name}"
    descriptor["name"] = f"projects/{project}/metricDescriptors/{descriptor['type']}"
    return metric
