"""The control plane: functions, revisions, operations and traffic, and the processes behind them."""

from __future__ import annotations

import contextlib
import copy
import os
import random
import re
import secrets as random_secrets
import shutil
import signal
import string
import threading
import time
import uuid
import zipfile
from pathlib import Path

import structlog

from ..pipeline.source import escaping_member, sha256_file
from . import shapes
from .build import BuildFailed, BuildLog, BuildResult
from .build import build as build_source
from .errors import ApiError, conflict, invalid, not_found
from .logs import RevisionLog, revision_resource, utc_now
from .processes import RevisionProcess, StartFailed, spawn, wait_until_answering
from .secrets import SecretMissing, resolve_secret_env
from .settings import StatePaths
from .store import Store

log = structlog.get_logger("localcloud")

TAG_PATTERN = re.compile(r"[a-z]([-a-z0-9]{0,44}[a-z0-9])?")
KEEP_WARM = 3  # newest ready revisions kept running besides those with traffic
QUEUE_MESSAGE = "unable to queue the operation"


def _suffix() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(random_secrets.choice(alphabet) for _ in range(3))


def _camel(key: str) -> str:
    """updateMask paths come in proto snake_case (`service_config.environment_variables`)."""
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _set_path(target: dict, path: str, source: dict) -> None:
    """Apply one updateMask path: copy the value at `path` from source, or remove it if absent."""
    keys = [_camel(key) for key in path.split(".")]
    src: object = source
    for key in keys:
        src = src.get(key) if isinstance(src, dict) else None
    node = target
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    if src is None:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = copy.deepcopy(src)


def _serve_all_traffic_latest(body: dict, update_mask: str | None) -> bool:
    """`--serve-all-traffic-latest-revision`: gcloud sends serviceConfig.allTrafficOnLatestRevision."""
    masked = not update_mask or "service_config.all_traffic_on_latest_revision" in update_mask
    return masked and bool((body.get("serviceConfig") or {}).get("allTrafficOnLatestRevision"))


def traffic_to_latest(traffic: list[dict]) -> list[dict]:
    """All traffic to the latest revision; tags stay where they point (with no traffic)."""
    tags = [dict(t, percent=0) for t in traffic if t.get("tag") and not t.get("latestRevision")]
    latest_tag = next((t["tag"] for t in traffic if t.get("latestRevision") and t.get("tag")), None)
    latest = {"latestRevision": True, "percent": 100, **({"tag": latest_tag} if latest_tag else {})}
    return [latest, *tags]


def _safe_extract(archive: Path, destination: Path) -> None:
    """Unzip refusing members that would land outside the destination."""
    root = destination.resolve()
    with zipfile.ZipFile(archive) as bundle:
        escaping = escaping_member(bundle, root)
        if escaping is not None:
            raise ValueError(f"archive member {escaping!r} escapes the source directory")
        bundle.extractall(root)


class Controller:
    def __init__(self, paths: StatePaths, base_url: str):
        self.paths = paths.create()
        self.base_url = base_url
        self.store = Store(paths.database)
        self._processes: dict[str, RevisionProcess] = {}
        self._start_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # ---------------------------------------------------------------- rendering
    def render_function(self, fn: dict) -> dict:
        return shapes.function_resource(fn, self.base_url)

    def revisions_of(self, fn: dict) -> dict[str, dict]:
        return {rev["name"]: rev for rev in self.store.list_revisions(fn["name"])}

    def render_service(self, fn: dict) -> dict:
        return shapes.knative_service(fn, self.base_url, self.revisions_of(fn))

    def render_revision(self, rev: dict, fn: dict | None = None) -> dict:
        if fn is None:
            fn = self.store.get_function(rev["function"])
        return shapes.knative_revision(rev, fn, self.base_url)

    # ---------------------------------------------------------------- lookups
    def function(self, name: str) -> dict:
        fn = self.store.get_function(name)
        if fn is None:
            raise not_found(f"Resource '{name}' was not found")
        return fn

    def function_by_service(self, namespace: str, service: str) -> dict:
        for fn in self.store.list_functions():
            owner = namespace in (fn["project"], shapes.project_number(fn["project"]))
            if owner and fn["service"] == service:
                return fn
        raise not_found(f"Resource 'services/{service}' in namespace '{namespace}' was not found.")

    def function_by_id(self, project: str, region: str, function_id: str) -> dict | None:
        return self.store.get_function(f"projects/{project}/locations/{region}/functions/{function_id}")

    # ---------------------------------------------------------------- deploys
    def create_function(self, project: str, region: str, function_id: str, body: dict) -> dict:
        name = f"projects/{project}/locations/{region}/functions/{function_id}"
        self._check_source(body)
        with self.store.transaction():
            if self.store.get_function(name) is not None:
                raise conflict(
                    f"Function {function_id} in region {region} in project {project} already exists",
                    "ALREADY_EXISTS",
                )
            now = utc_now()
            resource = {k: v for k, v in body.items() if k not in ("name", "state", "updateTime", "url")}
            resource.setdefault("labels", {})
            fn = {
                "name": name,
                "project": project,
                "region": region,
                "functionId": function_id,
                "service": shapes.service_name(function_id),
                "uid": str(uuid.uuid4()),
                "resource": resource,
                "state": "DEPLOYING",
                "stateMessages": [],
                "createTime": now,
                "updateTime": now,
                "generation": 0,
                "traffic": [{"latestRevision": True, "percent": 100}],
                "latestCreated": None,
                "latestReady": None,
            }
            operation = self._begin(fn, "create", body)
        return operation

    def patch_function(self, name: str, body: dict, update_mask: str | None) -> dict:
        with self.store.transaction():
            fn = self.function(name)
            self._refuse_if_busy(fn)
            resource = fn["resource"]
            if update_mask:
                for path in (p.strip() for p in update_mask.split(",")):
                    if path:
                        _set_path(resource, path, body)
            else:
                resource = {k: v for k, v in body.items() if k not in ("name", "state", "updateTime", "url")}
            self._check_source(resource)
            fn["resource"] = resource
            fn["serveLatestOnSuccess"] = _serve_all_traffic_latest(body, update_mask)
            fn["state"] = "DEPLOYING"
            fn["stateMessages"] = []
            fn["updateTime"] = utc_now()
            operation = self._begin(fn, "update", body)
        return operation

    def delete_function(self, name: str) -> dict:
        with self.store.transaction():
            fn = self.function(name)
            self._refuse_if_busy(fn)
            revisions = self.store.list_revisions(name)
            self.store.delete_function(name)
            op = self._new_operation(fn, "delete", {})
            op["done"] = True
            op["metadata"]["endTime"] = utc_now()
            op["response"] = {"@type": "type.googleapis.com/google.protobuf.Empty"}
            self.store.put_operation(op)
        for rev in revisions:
            self._stop(rev["name"])
            shutil.rmtree(self.paths.revision_dir(rev["name"]), ignore_errors=True)
        log.info("function_deleted", function=name)
        return op

    def _check_source(self, resource: dict) -> None:
        build = resource.get("buildConfig") or {}
        storage = (build.get("source") or {}).get("storageSource") or {}
        if not storage.get("object"):
            raise invalid(
                "buildConfig.source.storageSource is required: upload the source with generateUploadUrl first"
            )
        if self.store.upload_path(storage["object"]) is None:
            raise invalid(f"source object [{storage['object']}] was never uploaded to localcloud")
        if not build.get("entryPoint"):
            raise invalid("buildConfig.entryPoint is required")
        if build.get("runtime") not in shapes.GEN2_RUNTIMES:
            raise invalid(
                f"runtime [{build.get('runtime')}] is not supported; use one of {', '.join(shapes.GEN2_RUNTIMES)}"
            )

    def _refuse_if_busy(self, fn: dict) -> None:
        if fn.get("activeOperation"):
            op = self.store.get_operation(fn["activeOperation"])
            if op is not None and not op["done"]:
                raise conflict(QUEUE_MESSAGE)

    def _new_operation(self, fn: dict, verb: str, request: dict) -> dict:
        name = shapes.new_operation_name(fn["project"], fn["region"], int(time.time() * 1000))
        stages = (
            [
                shapes.stage("BUILD", "NOT_STARTED"),
                shapes.stage("SERVICE", "NOT_STARTED"),
            ]
            if verb != "delete"
            else []
        )
        return shapes.operation_doc(
            name, target=fn["name"], verb=verb, create_time=utc_now(), request=request, stages=stages
        )

    def _begin(self, fn: dict, verb: str, request: dict) -> dict:
        op = self._new_operation(fn, verb, request)
        fn["activeOperation"] = op["name"]
        self.store.put_function(fn)
        self.store.put_operation(op)
        worker = threading.Thread(target=self._deploy, args=(op["name"], fn["name"]), daemon=True)
        worker.start()
        log.info("deploy_started", function=fn["name"], verb=verb, operation=op["name"])
        return op

    def _set_stages(self, op_name: str, **states: tuple[str, str]) -> None:
        with self.store.transaction():
            op = self.store.get_operation(op_name)
            for entry in op["metadata"]["stages"]:
                if entry["name"] in states:
                    state, message = states[entry["name"]]
                    entry["state"] = state
                    if message:
                        entry["message"] = message
                    else:
                        entry.pop("message", None)
            self.store.put_operation(op)

    def _deploy(self, op_name: str, fn_name: str) -> None:
        """Worker: build; only a successful build creates a revision, which is then started."""
        build_id = str(uuid.uuid4())
        try:
            self._set_stages(op_name, BUILD=("IN_PROGRESS", "Building function"))
            started = time.monotonic()
            built = self._build(self.store.get_function(fn_name), build_id)
            log.info(
                "build_succeeded",
                function=fn_name,
                build=build_id,
                seconds=round(time.monotonic() - started, 3),
                environment_reused=built.cached,
                python=built.runtime_python,
            )
        except (BuildFailed, ValueError, OSError, zipfile.BadZipFile) as exc:
            self._fail_build(op_name, fn_name, build_id, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a worker must always finish its operation
            log.exception("build_crashed", function=fn_name, build=build_id)
            self._fail_build(op_name, fn_name, build_id, f"internal error in localcloud: {exc}", code=13)
            return
        revision = ""
        try:
            rev = self._create_revision(self.store.get_function(fn_name), build_id, built)
            revision = rev["name"]
            self._set_stages(
                op_name, BUILD=("COMPLETE", ""), SERVICE=("IN_PROGRESS", "Creating Cloud Run service")
            )
            self._start_revision(rev, fresh=True)
        except (StartFailed, SecretMissing, OSError) as exc:
            self._fail(op_name, fn_name, revision, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a worker must always finish its operation
            log.exception("deploy_crashed", function=fn_name, revision=revision)
            self._fail(op_name, fn_name, revision, f"internal error in localcloud: {exc}", code=13)
            return
        self._succeed(op_name, fn_name, revision, build_id)

    def _build_dir(self, build_id: str) -> Path:
        return self.paths.root / "builds" / build_id

    def build_log_path(self, build_id: str) -> Path:
        return self._build_dir(build_id).with_suffix(".log")

    def _build(self, fn: dict, build_id: str) -> BuildResult:
        """Unpack the uploaded source into a build directory and build it (see build.py)."""
        build = fn["resource"]["buildConfig"]
        archive = self.store.upload_path(build["source"]["storageSource"]["object"])
        directory = self._build_dir(build_id)
        directory.mkdir(parents=True, exist_ok=False)
        build_log = BuildLog(self.build_log_path(build_id))
        build_log.write(f"Build {build_id} of {fn['name']}")
        _safe_extract(archive, directory)
        if not (directory / "main.py").is_file():
            raise ValueError(
                "missing main.py. Python functions need main.py at the top of the source directory."
            )
        try:
            return build_source(directory, build["runtime"], build_log)
        except BuildFailed as exc:
            build_log.write(f"Build failed: {exc}")
            raise

    def _create_revision(self, fn: dict, build_id: str, built: BuildResult) -> dict:
        build = fn["resource"]["buildConfig"]
        service = fn["resource"].get("serviceConfig") or {}
        archive = self.store.upload_path(build["source"]["storageSource"]["object"])
        with self.store.transaction():
            number = self.store.next_revision_number(fn["name"])
            revision = f"{fn['service']}-{number:05d}-{_suffix()}"
            directory = self.paths.revision_dir(revision)
            self._build_dir(build_id).rename(directory)
            rev = {
                "name": revision,
                "function": fn["name"],
                "number": number,
                "uid": str(uuid.uuid4()),
                "createTime": utc_now(),
                "status": "PENDING",
                "sourceDir": str(directory),
                "sourceObject": build["source"]["storageSource"]["object"],
                "sourceSha256": sha256_file(archive),
                "entryPoint": build["entryPoint"],
                "runtime": build["runtime"],
                "python": built.python,
                "pythonVersion": built.runtime_python,
                "buildId": build_id,
                "env": dict(service.get("environmentVariables") or {}),
                "secretRefs": list(service.get("secretEnvironmentVariables") or []),
                "timeoutSeconds": service.get("timeoutSeconds", 60),
                "concurrency": service.get("maxInstanceRequestConcurrency", 1),
                "availableCpu": service.get("availableCpu", "0.1666"),
                "availableMemory": service.get("availableMemory", "256M"),
            }
            self.store.put_revision(rev)
            fn = self.store.get_function(fn["name"])
            fn["latestCreated"] = revision
            self.store.put_function(fn)
        log.info("revision_created", revision=revision, build=build_id, python=built.runtime_python)
        return rev

    def _revision_env(self, rev: dict, fn: dict) -> tuple[dict[str, str], list[str]]:
        secret_env = resolve_secret_env(self.paths, rev.get("secretRefs", []))
        env = dict(rev.get("env", {}))
        env.update(secret_env)
        env.update(
            {
                "K_SERVICE": fn["service"],
                "K_REVISION": rev["name"],
                "K_CONFIGURATION": fn["service"],
                "FUNCTION_TARGET": rev["entryPoint"],
                "FUNCTION_SIGNATURE_TYPE": "http",
                "LOCALCLOUD_URL": self.base_url,
                # as on Cloud Functions 2nd gen: functions-framework labels in-request output with
                # the request's Function-Execution-Id (labels.execution_id in Cloud Logging)
                "LOG_EXECUTION_ID": "true",
            }
        )
        archive = env.get("INVOICE_ARCHIVE_URL", "")
        if archive.startswith("gs://"):  # the function's invoice archive: this machine's storage
            from .storage import emulator_for_revisions

            env["STORAGE_EMULATOR_HOST"] = emulator_for_revisions(self.paths.root, fn["project"], archive)
        return env, list(secret_env.values())

    def _start_lock(self, revision: str) -> threading.Lock:
        with self._locks_guard:
            return self._start_locks.setdefault(revision, threading.Lock())

    def _start_revision(self, rev: dict, fresh: bool = False) -> RevisionProcess:
        """Start (or return the running) process of a revision; raises StartFailed or SecretMissing."""
        with self._start_lock(rev["name"]):
            handle = self._processes.get(rev["name"])
            if handle is not None and handle.alive():
                return handle
            fn = self.store.get_function(rev["function"])
            env, secret_values = self._revision_env(rev, fn)
            resource = revision_resource(fn["project"], fn["region"], fn["service"], rev["name"])
            revision_log = RevisionLog(self.paths.revision_log(rev["name"]), resource, secret_values)
            handle = spawn(
                revision=rev["name"],
                source_dir=Path(rev["sourceDir"]),
                entry_point=rev["entryPoint"],
                env=env,
                log=revision_log,
                python=rev.get("python", ""),
            )
            wait_until_answering(handle)
            self._processes[rev["name"]] = handle
            log.info("revision_started", revision=rev["name"], port=handle.port, fresh=fresh)
            return handle

    def _succeed(self, op_name: str, fn_name: str, revision: str, build_id: str) -> None:
        with self.store.transaction():
            rev = self.store.get_revision(revision)
            rev["status"] = "READY"
            rev["readyTime"] = utc_now()
            self.store.put_revision(rev)
            fn = self.store.get_function(fn_name)
            fn.update(state="ACTIVE", stateMessages=[], latestReady=revision, updateTime=utc_now())
            if fn.pop("serveLatestOnSuccess", False):
                fn["traffic"] = traffic_to_latest(fn["traffic"])
            fn["generation"] += 1
            fn["buildId"] = build_id
            fn["activeOperation"] = None
            self.store.put_function(fn)
            op = self.store.get_operation(op_name)
            for entry in op["metadata"]["stages"]:
                entry["state"] = "COMPLETE"
                entry.pop("message", None)
            op["metadata"]["stages"][1]["resource"] = (
                f"projects/{fn['project']}/locations/{fn['region']}/services/{fn['service']}"
            )
            op["metadata"]["endTime"] = utc_now()
            op["done"] = True
            op["response"] = {"@type": shapes.FUNCTION_TYPE, **self.render_function(fn)}
            self.store.put_operation(op)
        log.info("deploy_succeeded", function=fn_name, revision=revision)
        self._prune(fn_name)

    def _fail_build(self, op_name: str, fn_name: str, build_id: str, reason: str, code: int = 3) -> None:
        """A failed build creates no revision: the serving revision and the numbering stay as they were."""
        shutil.rmtree(self._build_dir(build_id), ignore_errors=True)
        message = (
            f"Build failed: {reason}; Error ID: {build_id[:8]}. "
            f"Build log: {self.base_url}/_localcloud/builds/{build_id}/log"
        )
        self._finish_failed(op_name, fn_name, message, "BuildFailed", code)
        log.warning("build_failed", function=fn_name, build=build_id, reason=reason)

    def _fail(self, op_name: str, fn_name: str, revision: str, reason: str, code: int = 3) -> None:
        service = self.store.get_function(fn_name)["service"]
        message = (
            f"Could not create or update Cloud Run service {service}, Container Healthcheck failed. "
            f"Revision '{revision}' is not ready and cannot serve traffic. {reason}"
        )
        with self.store.transaction():
            rev = self.store.get_revision(revision)
            if rev is not None:
                rev.update(status="FAILED", message=message)
                self.store.put_revision(rev)
        self._finish_failed(op_name, fn_name, message, "CloudRunServiceNotReady", code)
        log.warning("deploy_failed", function=fn_name, revision=revision, reason=reason)

    def _finish_failed(self, op_name: str, fn_name: str, message: str, kind: str, code: int) -> None:
        with self.store.transaction():
            fn = self.store.get_function(fn_name)
            fn.update(state="FAILED", updateTime=utc_now(), activeOperation=None)
            fn.pop("serveLatestOnSuccess", None)
            fn["stateMessages"] = [{"severity": "ERROR", "type": kind, "message": message}]
            fn["generation"] += 1
            self.store.put_function(fn)
            op = self.store.get_operation(op_name)
            op["metadata"]["endTime"] = utc_now()
            op["done"] = True
            op["error"] = {"code": code, "message": message}
            self.store.put_operation(op)

    # ---------------------------------------------------------------- Cloud Run edits
    def delete_revision(self, revision: str) -> dict:
        """Delete a revision no traffic target names (Google refuses one that serves or is tagged)."""
        with self.store.transaction():
            rev = self.store.get_revision(revision)
            if rev is None:
                raise not_found(f"Revision '{revision}' was not found.")
            fn = self.store.get_function(rev["function"])
            if rev["status"] == "PENDING":
                raise conflict(f"Revision '{revision}' is being deployed; wait for its operation to end.")
            if revision in shapes.referenced_revisions(fn):
                raise ApiError(
                    400,
                    "FAILED_PRECONDITION",
                    f"Revision '{revision}' is referenced by a traffic target (it serves traffic or has a "
                    "tag) and cannot be deleted. Move its traffic and tags to another revision first.",
                )
            self.store.delete_revision(revision)
            remaining = self.store.list_revisions(fn["name"])
            if fn.get("latestReady") == revision:
                fn["latestReady"] = next((r["name"] for r in remaining if r["status"] == "READY"), None)
            if fn.get("latestCreated") == revision:
                fn["latestCreated"] = remaining[0]["name"] if remaining else None
            fn["updateTime"] = utc_now()
            self.store.put_function(fn)
        self._stop(revision)
        shutil.rmtree(self.paths.revision_dir(revision), ignore_errors=True)
        log.info("revision_deleted", revision=revision)
        return rev

    def replace_service(self, fn_name: str, spec: dict, resource_version: str | None) -> dict:
        """Knative replaceService: traffic applies at once, a changed template builds a new revision."""
        with self.store.transaction():
            fn = self.function(fn_name)
            if resource_version and resource_version != shapes.resource_version(fn):
                raise conflict(
                    f"the object has been modified; please apply your changes to the latest version and "
                    f"try again (resourceVersion {resource_version} is stale, the service is at "
                    f"{shapes.resource_version(fn)})"
                )
            changed = shapes.template_changes(fn, spec.get("template") or {})
            if changed:
                self._refuse_if_busy(fn)
        traffic = spec.get("traffic")
        if isinstance(traffic, list) and traffic:
            fn = self.set_traffic(fn_name, traffic)
        if not changed:
            return fn
        with self.store.transaction():
            fn = self.function(fn_name)
            self._refuse_if_busy(fn)
            fn["resource"].setdefault("serviceConfig", {}).update(changed)
            fn.update(state="DEPLOYING", stateMessages=[], updateTime=utc_now())
            self._begin(fn, "update", {"serviceConfig": changed})
        return self.function(fn_name)

    # ---------------------------------------------------------------- traffic
    def set_traffic(self, fn_name: str, traffic: list[dict]) -> dict:
        fn = self.function(fn_name)
        revisions = self.revisions_of(fn)
        cleaned = self._validate_traffic(traffic, revisions)
        probe = dict(fn, traffic=cleaned)
        for name in shapes.serving_revisions(probe):
            try:
                self._start_revision(revisions[name])
            except (StartFailed, SecretMissing) as exc:
                raise ApiError(
                    400, "FAILED_PRECONDITION", f"Revision '{name}' could not start: {exc}"
                ) from exc
        with self.store.transaction():
            fn = self.function(fn_name)
            if fn["traffic"] != cleaned:
                fn["traffic"] = cleaned
                fn["generation"] += 1
                fn["updateTime"] = utc_now()
                self.store.put_function(fn)
        log.info("traffic_set", function=fn_name, traffic=cleaned)
        return fn

    @staticmethod
    def _validate_traffic(traffic: list[dict], revisions: dict[str, dict]) -> list[dict]:
        cleaned = []
        tags: set[str] = set()
        for target in traffic:
            percent = int(target.get("percent") or 0)
            if percent < 0 or percent > 100:
                raise invalid(f"Traffic percent must be between 0 and 100, got {percent}.")
            tag = target.get("tag")
            if tag:
                if not TAG_PATTERN.fullmatch(tag):
                    raise invalid(
                        f"Invalid tag '{tag}': use lowercase letters, digits and dashes, starting with a "
                        "letter and ending with a letter or digit (at most 46 characters)."
                    )
                if tag in tags:
                    raise invalid(f"Tag '{tag}' is used by more than one traffic target.")
                tags.add(tag)
            if target.get("latestRevision"):
                entry = {"latestRevision": True, "percent": percent}
            else:
                name = target.get("revisionName")
                if name not in revisions:
                    raise invalid(f"Revision '{name}' does not exist for this service.")
                if revisions[name]["status"] != "READY":
                    raise invalid(f"Revision '{name}' is not ready and cannot serve traffic.")
                entry = {"revisionName": name, "percent": percent}
            if tag:
                entry["tag"] = tag
            if percent or tag:
                cleaned.append(entry)
        total = sum(entry["percent"] for entry in cleaned)
        if total != 100:
            raise invalid(f"Traffic percentages must add up to 100, got {total}.")
        return cleaned

    def pick_revision(self, fn: dict, tag: str | None = None) -> RevisionProcess | None:
        """Choose a revision (the tagged one, or by the traffic split) and make sure it is running."""
        if tag is not None:
            chosen = shapes.tagged_revisions(fn).get(tag)
            if chosen is None:
                return None
        else:
            weights = shapes.serving_revisions(fn)
            if not weights:
                return None
            names = list(weights)
            chosen = random.choices(names, weights=[weights[n] for n in names])[0]
        handle = self._processes.get(chosen)
        if handle is not None and handle.alive():
            return handle
        rev = self.store.get_revision(chosen)
        return self._start_revision(rev) if rev else None

    # ---------------------------------------------------------------- lifecycle
    def _stop(self, revision: str) -> None:
        handle = self._processes.pop(revision, None)
        if handle is not None:
            handle.stop()
            log.info("revision_stopped", revision=revision)

    def _prune(self, fn_name: str) -> None:
        """Stop revisions with no traffic beyond the newest few; they start again on demand."""
        fn = self.store.get_function(fn_name)
        if fn is None:
            return
        serving = shapes.referenced_revisions(fn)
        ready = [rev["name"] for rev in self.store.list_revisions(fn_name) if rev["status"] == "READY"]
        keep = set(serving) | set(ready[:KEEP_WARM])
        for name in list(self._processes):
            if name in ready and name not in keep:
                self._stop(name)

    def restore(self) -> None:
        """After a restart: fail operations cut short, start every revision that has traffic."""
        for op in self.store.list_operations():
            if not op["done"]:
                fn = self.store.get_function(op["metadata"]["target"])
                revision = fn.get("latestCreated") if fn else None
                if (
                    fn is not None
                    and revision
                    and (self.store.get_revision(revision) or {}).get("status") != "PENDING"
                ):
                    revision = f"{fn['service']}-interrupted"
                if fn is not None:
                    self._fail(
                        op["name"],
                        fn["name"],
                        revision or "",
                        "localcloud was stopped during the deploy.",
                        code=13,
                    )
        for fn in self.store.list_functions():
            for name in shapes.serving_revisions(fn):
                rev = self.store.get_revision(name)
                if rev and rev["status"] == "READY":
                    thread = threading.Thread(target=self._restart_quietly, args=(rev,), daemon=True)
                    thread.start()

    def _restart_quietly(self, rev: dict) -> None:
        try:
            self._start_revision(rev)
        except (StartFailed, SecretMissing) as exc:
            log.warning("revision_restart_failed", revision=rev["name"], reason=str(exc))

    def revision_process_groups(self) -> set[int]:
        """Process groups of the running revisions (each revision starts its own session)."""
        return {handle.process.pid for handle in list(self._processes.values()) if handle.alive()}

    def running(self) -> dict[str, int]:
        return {name: handle.port for name, handle in self._processes.items() if handle.alive()}

    def shutdown(self) -> None:
        # signal every revision first so they exit in parallel, then reap them one by one
        for handle in list(self._processes.values()):
            with contextlib.suppress(OSError):
                os.killpg(handle.process.pid, signal.SIGTERM)
        for name in list(self._processes):
            with contextlib.suppress(Exception):
                self._stop(name)
        self.store.close()
