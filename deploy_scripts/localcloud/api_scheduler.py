"""Cloud Scheduler v1 stand-in: `projects/P/locations/L/jobs` create, list, get, patch, delete, and
`:run`, `:pause`, `:resume` (cloudscheduler.v1's Job shape; requests checked against it).

gcloud (`gcloud scheduler jobs …`, with `api_endpoint_overrides/cloudscheduler`) and
google-cloud-scheduler's REST transport reach it as `http://cloudscheduler.localcloud/`. The jobs
really run: scheduler.py calls their targets on schedule and on `:run`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .api_ops_common import apply_update, body_of, page, read_or_delete, resources
from .errors import conflict, invalid, not_found
from .scheduler import JOBS, ScheduleError, Scheduler, prepare

SERVER_FIELDS = ("name", "state", "scheduleTime", "userUpdateTime", "lastAttemptTime", "status")


def scheduler() -> Scheduler:
    app = current_app
    if "scheduler" not in app.config:  # an app without the server's loop (tests): runs on demand only
        app.config["scheduler"] = Scheduler(app.config["controller"].paths)
    return app.config["scheduler"]


def _checked(job: dict) -> dict:
    if not job.get("httpTarget", {}).get("uri"):
        raise invalid("localcloud runs HTTP targets only: set httpTarget.uri")
    try:
        return prepare(job)
    except ScheduleError as exc:
        raise invalid(str(exc)) from None


def _job(project: str, location: str, job: str) -> tuple[str, dict]:
    name = f"projects/{project}/locations/{location}/jobs/{job}"
    current = resources().get(JOBS, name)
    if current is None:
        raise not_found(f"Job not found: {name}")
    return name, current


def scheduler_blueprint() -> Blueprint:
    bp = Blueprint("cloudscheduler", __name__)
    base = "/_cloudscheduler/v1/projects/<project>/locations/<location>/jobs"

    @bp.get(base)
    def list_jobs(project, location):
        return jsonify(page(resources().list(JOBS, f"projects/{project}/locations/{location}/jobs/"), JOBS))

    @bp.post(base)
    def create_job(project, location):
        job = body_of("cloudscheduler.v1", "Job")
        parent = f"projects/{project}/locations/{location}/jobs/"
        if not str(job.get("name", "")).startswith(parent) or "/" in job["name"][len(parent) :]:
            raise invalid(f"Job name must be {parent}JOB_ID")
        for field in SERVER_FIELDS[1:]:
            job.pop(field, None)
        job = _checked(job)
        if not resources().insert(JOBS, job["name"], job):
            raise conflict(f"Job {job['name']} already exists", "ALREADY_EXISTS")
        return jsonify(job)

    @bp.route(base + "/<job>", methods=["GET", "PATCH", "DELETE"])
    def one_job(project, location, job):
        name = f"projects/{project}/locations/{location}/jobs/{job}"
        current, answer = read_or_delete(JOBS, name, not_found(f"Job not found: {name}"))
        if answer is not None:
            return answer
        change = body_of("cloudscheduler.v1", "Job")
        updated = _checked(apply_update(current, change, request.args.get("updateMask"), SERVER_FIELDS))
        resources().put(JOBS, name, updated)
        return jsonify(updated)

    @bp.post(base + "/<job>:<verb>")
    def job_verb(project, location, job, verb):
        name, current = _job(project, location, job)
        if verb == "run":
            scheduler().run_now(name)
            return jsonify(current)
        if verb not in ("pause", "resume"):
            raise not_found(f"localcloud does not implement jobs:{verb}")
        current["state"] = "PAUSED" if verb == "pause" else "ENABLED"
        current = prepare(current) if verb == "resume" else current
        resources().put(JOBS, name, current)
        return jsonify(current)

    return bp
