"""Rollback: the fast path (traffic to a verified revision), the slow path (redeploy a backup), watch."""

from .actions import run_rollback
from .paths import fast_path, pick_candidate, recover_interrupted, roll_back, slow_path
from .watch import Verdict, WatchPolicy, evaluate, watch

__all__ = [
    "Verdict",
    "WatchPolicy",
    "evaluate",
    "fast_path",
    "pick_candidate",
    "recover_interrupted",
    "roll_back",
    "run_rollback",
    "slow_path",
    "watch",
]
