"""Check localcloud's answers against Google's own discovery documents (the API contract).

google-api-python-client ships the discovery documents offline (googleapiclient/discovery_cache/
documents/): `cloudfunctions.v2`, `run.v1`, `run.v2`, `logging.v2`, ... Each method names the schema
of its response; `problems()` walks an answer against that schema and reports every field Google
does not define and every value of the wrong type, so a shape that drifts from production fails.

Used by the server when `LOCALCLOUD_CONTRACT_CHECK` names a file (the tests set it): each API
answer is checked and the problems are appended there as JSON lines.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import googleapiclient

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
CHECK_ENV = "LOCALCLOUD_CONTRACT_CHECK"

_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
_DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")
_INT64 = re.compile(r"^-?\d+$")
# Google's JSON error body (google.rpc.Status inside "error"); not described by the documents.
_ERROR_FIELDS = {"code": int, "message": str, "status": str, "details": list, "errors": list}


@cache
def discovery(name: str) -> dict | None:
    """The discovery document `name` (e.g. "run.v2"), or None if the client library lacks it."""
    path = DOCUMENTS / f"{name}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def _methods(resources: dict):
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from _methods(resource.get("resources", {}))


@cache
def _routes(name: str) -> list[tuple[str, re.Pattern, str | None]]:
    """(HTTP method, path pattern, response schema) per method, most literal paths first."""
    document = discovery(name) or {}
    routes = []
    for method in _methods(document.get("resources", {})):
        template = method.get("flatPath") or method["path"]
        literal = re.sub(r"\{[^}]+\}", "", template)
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/:]+", pattern)
        response = (method.get("response") or {}).get("$ref")
        routes.append((len(literal), method["httpMethod"], re.compile(f"^{pattern}$"), response))
    routes.sort(key=lambda route: -route[0])
    return [(verb, pattern, response) for _, verb, pattern, response in routes]


def document_for(api: str, path: str) -> str | None:
    """Which discovery document describes `path` of API `api` (version from the path)."""
    path = path.lstrip("/")
    if api == "run" and path.startswith("apis/"):
        return "run.v1"
    version = path.split("/", 1)[0]
    if not re.fullmatch(r"v\d+\w*", version):
        return None
    name = f"{api}.{version}"
    return name if discovery(name) is not None else None


def response_schema(name: str, http_method: str, path: str) -> str | None:
    """The schema id a method of document `name` answers with, or None if no method matches."""
    path = path.lstrip("/")
    for verb, pattern, response in _routes(name):
        if verb == http_method and pattern.match(path):
            return response
    return None


def _schema_for_type_url(schemas: dict, type_url: str) -> str | None:
    """`type.googleapis.com/google.cloud.run.v2.Service` -> `GoogleCloudRunV2Service` (or `Service`)."""
    full = type_url.rsplit("/", 1)[-1]
    parts = full.split(".")
    candidates = ["".join(p[:1].upper() + p[1:] for p in parts), parts[-1]]
    if full.startswith("google.longrunning."):
        candidates.insert(0, "GoogleLongrunning" + parts[-1])
    return next((c for c in candidates if c in schemas), None)


def problems(name: str, schema_id: str, value: object) -> list[str]:
    """Every way `value` departs from schema `schema_id` of document `name` ([] when it conforms)."""
    document = discovery(name)
    if document is None:
        return [f"no discovery document {name}"]
    found: list[str] = []
    _walk(document["schemas"], {"$ref": schema_id}, value, schema_id, found)
    return found


def _walk(schemas: dict, schema: dict, value: object, where: str, found: list[str]) -> None:
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    kind = schema.get("type")
    if value is None:
        found.append(f"{where}: null (Google omits unset fields)")
        return
    if kind == "any" or kind is None:
        return
    if kind == "object":
        _walk_object(schemas, schema, value, where, found)
    elif kind == "array":
        if not isinstance(value, list):
            found.append(f"{where}: expected an array, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            _walk(schemas, schema.get("items", {}), item, f"{where}[{index}]", found)
    elif kind == "string":
        _check_string(schema, value, where, found)
    elif kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            found.append(f"{where}: expected an integer, got {value!r}")
    elif kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            found.append(f"{where}: expected a number, got {value!r}")
    elif kind == "boolean" and not isinstance(value, bool):
        found.append(f"{where}: expected a boolean, got {value!r}")


def _walk_object(schemas: dict, schema: dict, value: object, where: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{where}: expected an object, got {type(value).__name__}")
        return
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    if properties is None and extra is not None:
        if extra.get("type") == "any" and isinstance(value.get("@type"), str):
            # a google.protobuf.Any: check it as the message it names, when the document has it
            target = _schema_for_type_url(schemas, value["@type"])
            if target is not None:
                rest = {k: v for k, v in value.items() if k != "@type"}
                _walk(schemas, {"$ref": target}, rest, f"{where}<{target}>", found)
            return
        for key, item in value.items():
            _walk(schemas, extra, item, f"{where}.{key}", found)
        return
    for key, item in value.items():
        if properties and key in properties:
            _walk(schemas, properties[key], item, f"{where}.{key}", found)
        elif properties is not None:
            found.append(f"{where}.{key}: not a field of {schema.get('id', 'this object')}")


def _check_string(schema: dict, value: object, where: str, found: list[str]) -> None:
    if not isinstance(value, str):
        found.append(f"{where}: expected a string, got {value!r}")
        return
    fmt = schema.get("format")
    if fmt in ("int64", "uint64") and not _INT64.match(value):
        found.append(f"{where}: expected an int64 as a decimal string, got {value!r}")
    elif fmt == "google-datetime" and not _DATETIME.match(value):
        found.append(f"{where}: expected an RFC 3339 timestamp, got {value!r}")
    elif fmt == "google-duration" and not _DURATION.match(value):
        found.append(f"{where}: expected a duration such as '3.5s', got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")


def error_problems(body: object) -> list[str]:
    """Google's error body: {"error": {"code", "message", "status"[, "details"]}} and nothing else."""
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return [f"error body is not {{'error': {{...}}}}: {str(body)[:200]}"]
    found = []
    for key, item in body["error"].items():
        expected = _ERROR_FIELDS.get(key)
        if expected is None:
            found.append(f"error.{key}: not a field of Google's error body")
        elif not isinstance(item, expected) or isinstance(item, bool):
            found.append(f"error.{key}: expected {expected.__name__}, got {item!r}")
    missing = {"code", "message", "status"} - set(body["error"])
    found.extend(f"error.{key}: missing" for key in sorted(missing))
    return found


def check_answer(api: str, http_method: str, path: str, status: int, body: object) -> list[str]:
    """Problems of one API answer; [] when it conforms or no document describes the method."""
    if status >= 400:
        return error_problems(body)
    name = document_for(api, path)
    if name is None:
        return []
    schema_id = response_schema(name, http_method, path)
    if schema_id is None:
        return []
    return problems(name, schema_id, body)
