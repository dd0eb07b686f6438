"""`monitor`: live figures, alerts and a dashboard over the function's per-invoice events.

Figures come from deploy_scripts.metrics.compute_figures (the same code `rollback --action watch`
judges with); this package adds time windows, per-revision grouping, alert state and rendering.
"""

from .figures import WindowFigures, window_figures
from .monitor import Evaluation, Monitor, Snapshot, Windows
from .observed import Observed, observe

__all__ = [
    "Evaluation",
    "Monitor",
    "Observed",
    "Snapshot",
    "WindowFigures",
    "Windows",
    "observe",
    "window_figures",
]
