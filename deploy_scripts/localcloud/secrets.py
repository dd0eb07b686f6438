"""Local secret values: `<state-dir>/secrets.toml` (or .json) mapping secret name -> value.

A value is either a string (every version) or a table of versions {"1" = "...", "2" = "..."};
`latest` picks the highest numbered version. Values never leave this module except into a
revision's environment.
"""

from __future__ import annotations

import json
import tomllib

from .settings import StatePaths


class SecretMissing(Exception):
    """A secret (or version) the function references is not in the secrets file."""


def load_secrets(paths: StatePaths) -> dict[str, object]:
    for path in (paths.secrets_toml, paths.secrets_json):
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)  # secret values: owner-only, whoever wrote the file
    if paths.secrets_toml.is_file():
        return tomllib.loads(paths.secrets_toml.read_text(encoding="utf-8"))
    if paths.secrets_json.is_file():
        return json.loads(paths.secrets_json.read_text(encoding="utf-8"))
    return {}


def _pick_version(name: str, value: object, version: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        if version in ("latest", ""):
            numbered = sorted(value, key=lambda key: int(key) if str(key).isdigit() else -1)
            return str(value[numbered[-1]])
        if version in value:
            return str(value[version])
    raise SecretMissing(f"secret [{name}] has no version [{version}] in the localcloud secrets file")


def resolve_secret_env(paths: StatePaths, refs: list[dict]) -> dict[str, str]:
    """Resolve `secretEnvironmentVariables` entries ({key, secret, version}) to env values."""
    if not refs:
        return {}
    available = load_secrets(paths)
    resolved: dict[str, str] = {}
    for ref in refs:
        secret = ref.get("secret", "")
        version = str(ref.get("version") or "latest")
        if secret not in available:
            raise SecretMissing(
                f"secret [{secret}] for environment variable [{ref.get('key')}] is not defined; "
                f"add it to {paths.secrets_toml}"
            )
        resolved[ref["key"]] = _pick_version(secret, available[secret], version)
    return resolved
