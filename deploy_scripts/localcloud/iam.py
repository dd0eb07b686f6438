"""IAM for localcloud: policy validation, who may invoke a function, and the identity tokens it accepts.

As on Google, a gen2 function's URL is guarded by the Cloud Run service's policy
(`roles/run.invoker`, Cloud Run's docs: "This permission must be assigned on the Cloud Run service
resource"): `allUsers` makes it public, otherwise the caller must present an identity token of a
member bound to an invoking role. The project's owner may always invoke (Google: owners and editors
hold run.routes.invoke through the project).

Tokens are JWTs signed (HS256) with a key kept in the state directory (mode 0600), so only someone
who can read the state directory, or ask localcloud's metadata endpoint on loopback, gets one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from pathlib import Path

from .errors import ApiError
from .settings import StatePaths

TOKEN_ISSUER = "https://localcloud.local"
TOKEN_LIFETIME_SECONDS = 3600  # Google's identity tokens live one hour
OWNER_EMAIL = "developer@localcloud.local"  # `localcloud token`'s default identity: the project owner
INVOKING_ROLES = {
    "roles/run.invoker",
    "roles/run.admin",
    "roles/run.servicesInvoker",
    "roles/owner",
    "roles/editor",
}
KNOWN_ROLES = INVOKING_ROLES | {
    "roles/run.developer",
    "roles/run.viewer",
    "roles/run.sourceDeveloper",
    "roles/viewer",
    "roles/cloudfunctions.invoker",
    "roles/cloudfunctions.admin",
    "roles/cloudfunctions.developer",
    "roles/cloudfunctions.viewer",
    "roles/iam.serviceAccountUser",
}
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_MEMBER = re.compile(
    rf"^(allUsers|allAuthenticatedUsers|(user|serviceAccount|group):{_EMAIL}|domain:[A-Za-z0-9.-]+\.[A-Za-z]{{2,}}"
    rf"|deleted:(user|serviceAccount|group):{_EMAIL}\?uid=\d+|principal(Set)?://\S+)$"
)
_CUSTOM_ROLE = re.compile(r"^(projects|organizations)/[\w.-]+/roles/[\w.]+$")


class TokenRejected(Exception):
    """A bearer token localcloud cannot accept, and the status Cloud Run answers for it.

    Cloud Run: a forged or expired identity token is 401; a token that is not an identity token
    (an access token) or names another audience is 403 "Your client does not have permission".
    """

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.status = status


def resource_key(api: str, path: str) -> str:
    """`run:/_run/v1/projects/P/...` and `/_run/v2/...` are one resource: `run:projects/P/...`."""
    parts = [p for p in path.split("/") if p]
    while parts and parts[0] != "projects":
        parts.pop(0)
    return f"{api}:{'/'.join(parts)}"


def service_policy_key(project: str, region: str, service: str) -> str:
    return f"run:projects/{project}/locations/{region}/services/{service}"


def check_policy(policy: dict) -> None:
    """Refuse what Google's setIamPolicy refuses: malformed members and roles it does not know (400)."""
    bindings = policy.get("bindings") or []
    if not isinstance(bindings, list):
        raise ApiError(400, "INVALID_ARGUMENT", "policy.bindings must be a list")
    for binding in bindings:
        role = (binding or {}).get("role")
        if not isinstance(role, str) or not (role in KNOWN_ROLES or _CUSTOM_ROLE.match(role)):
            raise ApiError(400, "INVALID_ARGUMENT", f"Role {role} is not supported for this resource.")
        members = binding.get("members") or []
        if not isinstance(members, list) or not members:
            raise ApiError(400, "INVALID_ARGUMENT", f"Binding for {role} has no members.")
        for member in members:
            if not isinstance(member, str) or not _MEMBER.match(member):
                raise ApiError(
                    400,
                    "INVALID_ARGUMENT",
                    f"Invalid principal: {member!r}. Use allUsers, allAuthenticatedUsers, user:EMAIL, "
                    "serviceAccount:EMAIL, group:EMAIL or domain:DOMAIN.",
                )


def may_invoke(policy: dict | None, email: str | None) -> bool:
    """Whether a caller (None: no valid token) may invoke under this service policy."""
    if email == OWNER_EMAIL:
        return True
    members: set[str] = set()
    for binding in (policy or {}).get("bindings", []):
        if binding.get("role") in INVOKING_ROLES:
            members.update(binding.get("members", []))
    if "allUsers" in members:
        return True
    if email is None:
        return False
    return bool(members & {"allAuthenticatedUsers", f"user:{email}", f"serviceAccount:{email}"})


# ------------------------------------------------------------------------------ tokens
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(paths: StatePaths) -> bytes:
    """The signing key of this state dir, created on first use, readable by its owner only."""
    path: Path = paths.root / "token-key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def mint_token(paths: StatePaths, audience: str, email: str = OWNER_EMAIL) -> str:
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "iss": TOKEN_ISSUER,
        "aud": audience,
        "sub": hashlib.sha256(email.encode()).hexdigest()[:21],
        "email": email,
        "email_verified": True,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(_key(paths), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def verify_token(paths: StatePaths, token: str, audiences: set[str]) -> str:
    """The token's email, or TokenRejected saying why."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        claims = json.loads(_unb64(claims_part))
        signature = _unb64(signature_part)
    except ValueError as exc:
        raise TokenRejected("the token is not an identity token (a JWT)", 403) from exc
    expected = hmac.new(_key(paths), f"{header_part}.{claims_part}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise TokenRejected("the token's signature is not localcloud's")
    if not isinstance(claims, dict) or claims.get("iss") != TOKEN_ISSUER:
        raise TokenRejected("the token was not issued by localcloud")
    if int(claims.get("exp", 0)) < time.time():
        raise TokenRejected("the token has expired")
    if claims.get("aud") not in audiences:
        raise TokenRejected(f"the token's audience {claims.get('aud')!r} is not this function's URL", 403)
    return str(claims.get("email") or "")
