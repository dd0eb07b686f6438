"""What a deploy will do to traffic, as the exact gcloud commands (for `deploy --dry-run`)."""

from __future__ import annotations

from typing import Any

from ..config import RolloutSettings
from ..errors import GcloudFailed
from .traffic import CANDIDATE, TrafficControl

NEW_REVISION = "<new revision>"


def traffic_plan(
    control: TrafficControl, settings: RolloutSettings, strategy: str | None = None
) -> dict[str, Any]:
    """The pin, tag, canary and promote/abort commands in order; revisions read from the service when
    it answers, placeholders otherwise."""
    strategy = strategy or settings.strategy
    try:
        view = control.view()
        stable, note = view.stable or view.serving, None
    except GcloudFailed as exc:
        stable, note = None, f"live traffic unknown ({exc}); revisions shown as placeholders"
    if strategy == "all-at-once" or (note is None and stable is None):
        steps = [
            {"step": "deploy", "what": "the new revision takes 100% of live traffic, then is verified"},
            {"step": "keep", "command": control.promote_command(NEW_REVISION, stable)},
        ]
        return {"strategy": "all-at-once", "stable": stable, "note": note, "steps": steps}
    pinned = stable or "<stable revision>"
    steps = [
        {"step": "pin", "command": control.restore_command(pinned)},
        {"step": "deploy", "what": "gcloud functions deploy (above): the new revision starts with 0%"},
        {"step": "tag", "command": control.tag_command(NEW_REVISION, CANDIDATE)},
        {"step": "verify", "what": f"every verification check through the `{CANDIDATE}` tag URL"},
    ]
    for weight in settings.weights:
        steps.append(
            {"step": f"canary {weight}%", "command": control.shift_command(NEW_REVISION, weight, pinned),
             "what": f"{settings.step_seconds:g}s, then the analysis (>= {settings.min_events} real events)"}
        )  # fmt: skip
    steps.append({"step": "promote", "command": control.promote_command(NEW_REVISION, pinned)})
    steps.append({"step": "abort (on a failed analysis)", "command": control.abort_command()})
    return {"strategy": "blue-green", "stable": stable, "note": note, "steps": steps}
