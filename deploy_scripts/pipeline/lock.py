"""The deploy lock of a function, in the shared state (deploy_scripts/state/lock.py holds the how)."""

from __future__ import annotations

from ..state import State, as_backend
from ..state.lock import LockInfo, StateLock, actor

__all__ = ["FunctionLock", "LockInfo", "StateLock", "actor"]


def FunctionLock(
    state, function_key: str, run_id: str, action: str, lease_seconds: float | None = None
) -> StateLock:  # noqa: N802
    """The lock of `function_key` in `state` (a State, a backend or a local directory)."""
    if lease_seconds is None:
        lease_seconds = state.lock_lease_seconds if isinstance(state, State) else 60
    return StateLock(as_backend(state), function_key, run_id, action, lease_seconds)
