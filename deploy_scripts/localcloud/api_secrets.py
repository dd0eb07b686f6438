"""Secret Manager v1 `versions:access` over localcloud's secrets file (secrets.py), so a client reads
a secret (the monitoring webhook URL) the way it does on Google. Values leave only in the answer."""

from __future__ import annotations

import base64

import google_crc32c
from flask import Blueprint, current_app, jsonify

from .errors import not_found
from .secrets import SecretMissing, _pick_version, load_secrets


def secrets_blueprint() -> Blueprint:
    bp = Blueprint("secretmanager", __name__)

    @bp.get("/_secretmanager/v1/projects/<project>/secrets/<secret>/versions/<version>:access")
    def access(project, secret, version):
        available = load_secrets(current_app.config["controller"].paths)
        if secret not in available:
            raise not_found(f"Secret [projects/{project}/secrets/{secret}] not found or has no versions.")
        try:
            value = _pick_version(secret, available[secret], version).encode()
        except SecretMissing:
            raise not_found(
                f"Secret Version [projects/{project}/secrets/{secret}/versions/{version}] not found."
            ) from None
        return jsonify(
            {
                "name": f"projects/{project}/secrets/{secret}/versions/{version}",
                "payload": {
                    "data": base64.b64encode(value).decode(),
                    "dataCrc32c": str(google_crc32c.value(value)),
                },
            }
        )

    return bp
