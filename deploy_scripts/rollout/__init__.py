"""Progressive delivery: every traffic operation (pin, tag, untag, shift, promote, abort, emergency)
lives here, so deploy, rollback and watch move traffic one way and never import each other."""

from .progress import RolloutProgress, load_progress, save_progress
from .traffic import CANDIDATE, STABLE, TrafficControl, TrafficEntry, TrafficView

__all__ = [
    "CANDIDATE",
    "STABLE",
    "RolloutProgress",
    "TrafficControl",
    "TrafficEntry",
    "TrafficView",
    "load_progress",
    "save_progress",
]
