"""The rollout in progress, for the dashboard: the `RolloutProgress` the rollout module keeps in the
state backend (`rollouts/<key>.json`), read only if it is there. A plain dict crosses over, so the
dashboard depends on the fields it shows, not on the rollout module's classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def read_rollout(state: Any, key: str) -> dict[str, Any] | None:
    """The rollout of `key` as JSON data, or None (no rollout recorded, or no rollout module)."""
    try:
        from ..rollout.progress import load_progress
    except ImportError:  # an orchestrator without progressive delivery: nothing to show
        return None
    progress = load_progress(state, key)
    return progress.model_dump(mode="json") if progress is not None else None


def rollout_reader(open_state: Callable[[], Any]) -> Callable[[str], dict[str, Any] | None]:
    """A reader for Monitor: the state is opened on first use; one that cannot be read (no
    credentials, storage down) shows as unavailable on the page instead of stopping the monitor."""

    opened: list[Any] = []

    def read(key: str) -> dict[str, Any] | None:
        try:
            if not opened:
                opened.append(open_state())
            return read_rollout(opened[0], key)
        except Exception as exc:  # optional view: say why it is missing, keep monitoring
            return {"unavailable": f"{type(exc).__name__}: {exc}"[:300]}

    return read
