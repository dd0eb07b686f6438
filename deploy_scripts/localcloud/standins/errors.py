"""Google's JSON error body, so client libraries raise the same exception types they would in production."""

from __future__ import annotations

from flask import jsonify

_STATUS = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 413: "INVALID_ARGUMENT", 500: "INTERNAL"}


def google_error(code: int, message: str):
    body = {"error": {"code": code, "message": message, "status": _STATUS.get(code, "UNKNOWN")}}
    return jsonify(body), code
