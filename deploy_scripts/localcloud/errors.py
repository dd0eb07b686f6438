"""Typed errors of localcloud: the CLI maps them to exit codes, the API to Google-shaped error bodies."""

from __future__ import annotations

from deploy_scripts.errors import DeployError


class LocalCloudError(DeployError):
    """localcloud could not do what was asked (exit 1 unless said otherwise)."""

    exit_code = 1


class LocalCloudUsageError(LocalCloudError):
    """A bad option or environment value (exit 2)."""

    exit_code = 2


class ApiError(Exception):
    """An error answered to an API client in Google's JSON error shape."""

    def __init__(self, code: int, status: str, message: str):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def not_found(message: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


def conflict(message: str, status: str = "ABORTED") -> ApiError:
    return ApiError(409, status, message)
