"""Typed errors of the orchestrator. The click layer maps them to exit codes (see EXIT_CODES)."""


class DeployError(Exception):
    """Base class. `exit_code` follows the project rule: 1 a gate or check failed, 2 usage/config."""

    exit_code = 1


class ConfigError(DeployError):
    """A missing or malformed config file, an unknown environment, a bad option value."""

    exit_code = 2


class UsageError(DeployError):
    """An option names something that does not exist (a backup, a revision): the user must fix the call."""

    exit_code = 2


class GateFailed(DeployError):
    """A readiness or verification gate measured a value past its threshold."""

    exit_code = 1


class LockHeld(DeployError):
    """Another deploy or rollback of the same function is running."""

    exit_code = 1


class GcloudFailed(DeployError):
    """A gcloud command exited non-zero or timed out; the message carries gcloud's own words."""

    exit_code = 1

    def __init__(self, message: str, *, returncode: int | None = None, stderr: str = "", timed_out=False):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.timed_out = timed_out


class CloudApiFailed(GcloudFailed):
    """A read through Google's API clients failed (refused, unreachable, no credentials).

    A kind of GcloudFailed: callers that handle a failed gcloud read handle this one the same way.
    """


class BackupInvalid(DeployError):
    """A backup is missing, incomplete or fails its checksum; it is never used."""

    exit_code = 1


class VerificationFailed(DeployError):
    """The live function failed post-deploy or post-rollback verification."""

    exit_code = 1


class RollbackFailed(DeployError):
    """No verified revision or usable backup could be put back in service."""

    exit_code = 1
