"""Google's JSON error body, so client libraries raise the same exception types they would in production."""

from __future__ import annotations

from flask import jsonify

from ..errors import ApiError

_STATUS = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 413: "INVALID_ARGUMENT", 500: "INTERNAL"}


def google_error(code: int, message: str):
    return jsonify(ApiError(code, _STATUS.get(code, "UNKNOWN"), message).body()), code
