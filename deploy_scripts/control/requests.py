"""An operator's word to a rollout that another process drives (`deploy --action promote|abort`).

The run driving a rollout holds the function's lock, so another command cannot act under it. It
leaves a request beside the rollout's progress (`rollouts/<key>.request.json`, its own object so the
driver's saves of the progress never overwrite it); the driver reads it before every traffic move
(`pending_request`) and acts, as Argo Rollouts' controller acts on `kubectl argo rollouts promote`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ValidationError

from ..pipeline.lock import actor
from ..pipeline.records import utc_now
from ..state import as_backend

Action = Literal["promote", "abort"]


class OperatorRequest(BaseModel):
    action: Action
    #: the rollout it is meant for (a request never applies to a later rollout)
    run_id: str
    by: str
    at: str


def request_key(key: str) -> str:
    return f"rollouts/{key}.request.json"


def post_request(state, key: str, action: Action, run_id: str) -> OperatorRequest:
    request = OperatorRequest(
        action=action, run_id=run_id, by=actor(), at=utc_now().isoformat(timespec="seconds")
    )
    as_backend(state).write(request_key(key), request.model_dump_json().encode())
    return request


def pending_request(state, key: str, run_id: str) -> OperatorRequest | None:
    """The operator's request for the rollout of run `run_id`, if one is waiting."""
    stored = as_backend(state).read(request_key(key))
    if stored is None:
        return None
    try:
        request = OperatorRequest.model_validate_json(stored.data)
    except ValidationError:
        return None
    return request if request.run_id == run_id else None


def clear_request(state, key: str) -> None:
    backend = as_backend(state)
    if backend.read(request_key(key)) is not None:
        backend.delete(request_key(key))


class OperatorRequested(Exception):
    """Raised inside a rollout's wait when an operator asked it to promote or abort."""

    def __init__(self, request: OperatorRequest):
        self.request = request
        self.reason = f"{request.action} by {request.by} at {request.at} (`deploy --action {request.action}`)"
        super().__init__(self.reason)


def sleep_watching_requests(state, key: str, run_id: str, poll: float = 0.5) -> Callable[[float], None]:
    """A `sleep` for the rollout's waits that raises OperatorRequested as soon as a request is waiting."""

    def sleep(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            request = pending_request(state, key, run_id)
            if request is not None:
                raise OperatorRequested(request)
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(poll, left))

    return sleep
