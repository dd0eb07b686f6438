"""Cloud Scheduler's engine on localcloud: jobs run on their unix-cron schedule, and on `:run`.

A job's HTTP target is called the way Cloud Scheduler calls it: its method, headers and body, plus
`Authorization: Bearer <OIDC token>` from localcloud's token issuer when the job has an `oidcToken`.
Only loopback targets are called (localcloud never leaves the machine). Each attempt updates the
job's `lastAttemptTime`, `status` and next `scheduleTime`, and is logged in server.log.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
import urllib.parse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
import structlog
from croniter import croniter

from . import iam
from .resources import Resources, now_rfc3339
from .settings import StatePaths

log = structlog.get_logger("localcloud")
JOBS = "jobs"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ATTEMPT_TIMEOUT_SECONDS = 180.0  # Cloud Scheduler's default attemptDeadline for HTTP targets


class ScheduleError(ValueError):
    pass


def _zone(job: dict) -> ZoneInfo:
    try:
        return ZoneInfo(job.get("timeZone") or "Etc/UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"timeZone {job.get('timeZone')!r} is not a tz database name") from None


def next_run(job: dict, after: dt.datetime) -> dt.datetime:
    """The first time after `after` the job's cron schedule names, in its time zone."""
    schedule = job.get("schedule") or ""
    if not croniter.is_valid(schedule):
        raise ScheduleError(f"schedule {schedule!r} is not unix-cron (e.g. '0 6 * * *')")
    local = after.astimezone(_zone(job))
    return croniter(schedule, local).get_next(dt.datetime).astimezone(dt.UTC)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_stamp(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _status(code: int, message: str) -> dict:
    return {"code": code, "message": message} if code else {}


def call_target(paths: StatePaths, job: dict) -> dict:
    """One attempt: the job's HTTP request. Returns the google.rpc.Status to record ({} on 2xx)."""
    target = job.get("httpTarget") or {}
    uri = target.get("uri", "")
    host = urllib.parse.urlsplit(uri).hostname
    if host not in _LOOPBACK:
        return _status(9, f"localcloud calls loopback targets only; {host} is not one")
    headers = dict(target.get("headers") or {})
    headers.setdefault("User-Agent", "Google-Cloud-Scheduler")
    oidc = target.get("oidcToken")
    if oidc is not None:
        audience = oidc.get("audience") or uri.split("?", 1)[0]
        email = oidc.get("serviceAccountEmail") or iam.OWNER_EMAIL
        headers["Authorization"] = f"Bearer {iam.mint_token(paths, audience, email)}"
    body = base64.b64decode(target["body"]) if target.get("body") else None
    session = requests.Session()
    session.trust_env = False  # loopback only: never an environment proxy
    try:
        answer = session.request(
            target.get("httpMethod") or "POST",
            uri,
            headers=headers,
            data=body,
            timeout=ATTEMPT_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        return _status(14, f"the target did not answer: {type(exc).__name__}")
    if 200 <= answer.status_code < 300:
        return {}
    code = {400: 3, 401: 16, 403: 7, 404: 5, 429: 8, 500: 13, 503: 14}.get(answer.status_code, 2)
    return _status(code, f"HTTP {answer.status_code}")


class Scheduler:
    """Runs due jobs every `tick_seconds`; `run_now` runs one at once (on a thread of its own)."""

    def __init__(self, paths: StatePaths, tick_seconds: float = 15.0):
        self.paths = paths
        self.store = Resources(paths.root)
        self.tick_seconds = tick_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.tick(dt.datetime.now(dt.UTC))
            except Exception:  # one bad job must not stop the scheduler
                log.exception("scheduler_tick_failed")

    def tick(self, now: dt.datetime) -> list[str]:
        """Start every enabled job whose scheduleTime has come; returns their names."""
        started = []
        for job in self.store.list(JOBS, "projects/"):
            due = parse_stamp(job.get("scheduleTime"))
            if job.get("state") == "ENABLED" and due is not None and due <= now:
                self.run_now(job["name"], scheduled_at=now)
                started.append(job["name"])
        return started

    def run_now(self, name: str, scheduled_at: dt.datetime | None = None) -> None:
        """One attempt on a thread of its own; `scheduled_at`: a scheduled run (the next slot follows it)."""
        with self._lock:
            if name in self._running:
                return  # one attempt at a time per job, as Cloud Scheduler does
            self._running.add(name)
        threading.Thread(target=self._attempt, args=(name, scheduled_at), daemon=True).start()

    def _attempt(self, name: str, scheduled_at: dt.datetime | None) -> None:
        try:
            job = self.store.get(JOBS, name)
            if job is None:
                return
            attempted = dt.datetime.now(dt.UTC)
            job["lastAttemptTime"] = stamp(attempted)
            if scheduled_at is not None:
                job["scheduleTime"] = stamp(next_run(job, max(scheduled_at, attempted)))
            self.store.put(JOBS, name, job)
            status = call_target(self.paths, job)
            log.info(
                "scheduler_job_attempt",
                job=name,
                scheduled=scheduled_at is not None,
                status=status.get("code", 0),
            )
            latest = self.store.get(JOBS, name)
            if latest is not None:  # deleted meanwhile: nothing to record
                latest["status"] = status
                if not status:
                    latest.pop("status")
                latest["lastAttemptTime"] = job["lastAttemptTime"]
                self.store.put(JOBS, name, latest)
        finally:
            with self._lock:
                self._running.discard(name)


def prepare(job: dict, now: dt.datetime | None = None) -> dict:
    """Server-set fields of a new or changed job: state, next scheduleTime, userUpdateTime."""
    now = now or dt.datetime.now(dt.UTC)
    job.setdefault("state", "ENABLED")
    job["userUpdateTime"] = now_rfc3339()
    job["scheduleTime"] = stamp(next_run(job, now))
    return job
