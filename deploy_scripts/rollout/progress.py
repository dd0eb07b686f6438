"""A rollout's progress, kept in the run's state backend (beside the run records) so any machine sees it.

One object per function and environment (`rollouts/<key>.json`): the candidate, the stable revision
it is judged against, the steps and where the rollout stands, and the last analysis per revision.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..state import as_backend

Status = Literal["running", "paused", "promoted", "aborted", "interrupted"]
Strategy = Literal["blue-green", "all-at-once"]


class RolloutProgress(BaseModel):
    run_id: str
    #: the target's key (`env.project.region.function`)
    key: str
    candidate: str | None = None
    stable: str | None = None
    strategy: Strategy = "blue-green"
    #: candidate weights, one per canary step (the last is 100)
    steps: list[int] = Field(default_factory=list)
    #: index into `steps`; -1 before the first step (verification through the tag URL)
    current_step: int = -1
    #: live weights as last set: revision -> percent
    weights: dict[str, int] = Field(default_factory=dict)
    step_started_at: str | None = None
    step_ends_at: str | None = None
    status: Status = "running"
    #: revision -> the last analysis' figures and verdict (see rollout/analysis.py)
    analysis: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None
    updated_at: str | None = None


def progress_key(key: str) -> str:
    return f"rollouts/{key}.json"


def load_progress(state, key: str) -> RolloutProgress | None:
    """The rollout of the target `key`, or None when none was ever recorded."""
    stored = as_backend(state).read(progress_key(key))
    if stored is None:
        return None
    return RolloutProgress.model_validate_json(stored.data)


def save_progress(state, progress: RolloutProgress) -> None:
    from ..pipeline.records import utc_now

    progress.updated_at = utc_now().isoformat(timespec="seconds")
    as_backend(state).write(progress_key(progress.key), progress.model_dump_json(indent=2).encode())


def abandoned_key(key: str) -> str:
    return f"rollouts/{key}.abandoned.json"


def abandoned(state, key: str) -> dict[str, str]:
    """Revisions an abort or an emergency walked away from -> why; never a rollback target again
    unless named with `--to`."""
    import json

    stored = as_backend(state).read(abandoned_key(key))
    return json.loads(stored.data) if stored else {}


def abandon(state, key: str, revision: str, reason: str) -> None:
    import json

    entries = abandoned(state, key)
    entries[revision] = reason
    as_backend(state).write(abandoned_key(key), json.dumps(entries, indent=2).encode())
