"""Typed errors of the orchestrator. The click layer maps them to exit codes (see EXIT_CODES)."""


class DeployError(Exception):
    """Base class. `exit_code` follows the project rule: 1 a gate or check failed, 2 usage/config."""

    exit_code = 1


class ConfigError(DeployError):
    """A missing or malformed config file, an unknown environment, a bad option value."""

    exit_code = 2


class GateFailed(DeployError):
    """A readiness or verification gate measured a value past its threshold."""

    exit_code = 1
