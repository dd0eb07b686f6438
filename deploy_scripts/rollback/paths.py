"""The two ways back to a verified revision live in deploy_scripts.rollout.restore (the rollout module
owns every traffic operation); this name stays for callers of `deploy_scripts.rollback.paths`."""

from ..control.recovery import recover_interrupted
from ..rollout.restore import (
    Candidate,
    Outcome,
    fast_path,
    pick_candidate,
    roll_back,
    slow_path,
    verify_rollback,
)

__all__ = [
    "Candidate",
    "Outcome",
    "fast_path",
    "pick_candidate",
    "recover_interrupted",
    "roll_back",
    "slow_path",
    "verify_rollback",
]
