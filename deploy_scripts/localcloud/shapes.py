"""Production JSON shapes: Cloud Functions v2 Function/Operation, Knative v1 Service/Revision.

Everything here is pure: documents in, API JSON out. The base URL (http://127.0.0.1:PORT) is passed
in because the port can change between runs while the stored state stays the same.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid

FUNCTION_TYPE = "type.googleapis.com/google.cloud.functions.v2.Function"
METADATA_TYPE = "type.googleapis.com/google.cloud.functions.v2.OperationMetadata"
KNATIVE = "serving.knative.dev/v1"
GEN2_RUNTIMES = ["python310", "python311", "python312", "python313"]
TAG_SEPARATOR = "---"


def project_number(project: str) -> str:
    """A stable 12-digit number per project id (production answers a real one from Resource Manager)."""
    if project.isdigit():
        return project
    digest = int(hashlib.sha256(project.encode()).hexdigest(), 16)
    return str(100000000000 + digest % 900000000000)


def service_name(function_id: str) -> str:
    """Gen2 functions run as a Cloud Run service named after the function, `_` -> `-`, lower case."""
    return function_id.replace("_", "-").lower()


def function_url(base_url: str, project: str, region: str, function_id: str) -> str:
    return f"{base_url}/functions/{project}/{region}/{function_id}"


def traffic_is_latest(traffic: list[dict]) -> bool:
    return (
        len(traffic) == 1 and bool(traffic[0].get("latestRevision")) and traffic[0].get("percent", 0) == 100
    )


def tag_url(base_url: str, project: str, region: str, function_id: str, tag: str) -> str:
    """The URL that reaches a tagged revision, whatever the traffic split.

    Google answers `https://TAG---SERVICE-HASH-uc.a.run.app`; loopback has no wildcard DNS, so
    localcloud keeps the `TAG---` prefix in the function's path segment instead.
    """
    return function_url(base_url, project, region, f"{tag}{TAG_SEPARATOR}{function_id}")


def resolve_traffic(fn: dict) -> list[dict]:
    """Spec traffic -> status traffic: `latestRevision` entries name the latest ready revision."""
    resolved = []
    for target in fn.get("traffic", []):
        percent = int(target.get("percent") or 0)
        if target.get("latestRevision"):
            if fn.get("latestReady") is None:
                continue
            entry = {"revisionName": fn["latestReady"], "percent": percent, "latestRevision": True}
        else:
            entry = {"revisionName": target["revisionName"], "percent": percent, "latestRevision": False}
        if target.get("tag"):
            entry["tag"] = target["tag"]
        resolved.append(entry)
    return resolved


def tagged_revisions(fn: dict) -> dict[str, str]:
    """Tag -> the revision it names now."""
    return {target["tag"]: target["revisionName"] for target in resolve_traffic(fn) if target.get("tag")}


def referenced_revisions(fn: dict) -> set[str]:
    """Revisions a traffic target names (by percent, tag or as the latest): Google will not delete them."""
    return {target["revisionName"] for target in resolve_traffic(fn)}


def status_traffic(fn: dict, base_url: str) -> list[dict]:
    """Knative `status.traffic`: percent when non-zero, and a URL for every tag."""
    entries = []
    for target in resolve_traffic(fn):
        entry: dict = {"revisionName": target["revisionName"]}
        if target["percent"]:
            entry["percent"] = target["percent"]
        if target["latestRevision"]:
            entry["latestRevision"] = True
        if target.get("tag"):
            entry["tag"] = target["tag"]
            entry["url"] = tag_url(base_url, fn["project"], fn["region"], fn["functionId"], target["tag"])
        entries.append(entry)
    return entries


INGRESS_ANNOTATION = {
    "ALLOW_ALL": "all",
    "ALLOW_INTERNAL_ONLY": "internal",
    "ALLOW_INTERNAL_AND_GCLB": "internal-and-cloud-load-balancing",
}


def ingress_setting(fn: dict) -> str:
    return fn["resource"].get("serviceConfig", {}).get("ingressSettings") or "ALLOW_ALL"


def serving_revisions(fn: dict) -> dict[str, int]:
    weights: dict[str, int] = {}
    for target in resolve_traffic(fn):
        if target["percent"] > 0:
            weights[target["revisionName"]] = weights.get(target["revisionName"], 0) + target["percent"]
    return weights


def function_resource(fn: dict, base_url: str) -> dict:
    """The v2 Function resource as `functions.get` answers it."""
    body = copy.deepcopy(fn["resource"])
    project, region, function_id = fn["project"], fn["region"], fn["functionId"]
    number = project_number(project)
    url = function_url(base_url, project, region, function_id)
    body["name"] = fn["name"]
    build = body.setdefault("buildConfig", {})
    build.setdefault("dockerRepository", f"projects/{project}/locations/{region}/repositories/gcf-artifacts")
    if fn.get("buildId"):
        build["build"] = f"projects/{number}/locations/{region}/builds/{fn['buildId']}"
    build.setdefault(
        "serviceAccount", f"projects/{project}/serviceAccounts/{number}-compute@developer.gserviceaccount.com"
    )
    service = body.setdefault("serviceConfig", {})
    service["service"] = f"projects/{project}/locations/{region}/services/{fn['service']}"
    service["uri"] = url
    service.setdefault("timeoutSeconds", 60)
    service.setdefault("availableMemory", "256M")
    service.setdefault("availableCpu", "0.1666")
    service.setdefault("maxInstanceCount", 100)
    service.setdefault("maxInstanceRequestConcurrency", 1)
    service.setdefault("ingressSettings", "ALLOW_ALL")
    service.setdefault("serviceAccountEmail", f"{number}-compute@developer.gserviceaccount.com")
    service["allTrafficOnLatestRevision"] = traffic_is_latest(fn.get("traffic", []))
    if fn.get("latestReady"):
        service["revision"] = fn["latestReady"]
    else:
        service.pop("revision", None)
    body["state"] = fn["state"]
    if fn.get("stateMessages"):
        body["stateMessages"] = fn["stateMessages"]
    else:
        body.pop("stateMessages", None)
    body["updateTime"] = fn["updateTime"]
    body["createTime"] = fn["createTime"]
    body["environment"] = "GEN_2"
    body["url"] = url
    body["satisfiesPzi"] = False
    return body


def new_operation_name(project: str, region: str, now_ms: int) -> str:
    return f"projects/{project}/locations/{region}/operations/operation-{now_ms}-{uuid.uuid4().hex[:13]}"


def operation_doc(
    name: str, *, target: str, verb: str, create_time: str, request: dict, stages: list
) -> dict:
    return {
        "name": name,
        "metadata": {
            "@type": METADATA_TYPE,
            "createTime": create_time,
            "target": target,
            "verb": verb,
            "cancelRequested": False,
            "apiVersion": "v2",
            "requestResource": {"@type": FUNCTION_TYPE, **request},
            "stages": stages,
            "operationType": {"create": "CREATE_FUNCTION", "update": "UPDATE_FUNCTION"}.get(
                verb, "DELETE_FUNCTION"
            ),
        },
        "done": False,
    }


def stage(name: str, state: str) -> dict:
    return {"name": name, "state": state}


def resource_version(fn: dict) -> str:
    """An opaque version of the service that changes with every change of it (Knative optimistic locking)."""
    state = {k: fn.get(k) for k in ("generation", "updateTime", "traffic", "latestReady", "latestCreated")}
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def template_changes(fn: dict, template: dict) -> dict:
    """serviceConfig fields a Knative revision template changes (what a new revision must get)."""
    spec = template.get("spec") or {}
    current = fn["resource"].get("serviceConfig", {})
    wanted: dict = {}
    containers = spec.get("containers") or []
    if containers:
        container = containers[0]
        wanted["environmentVariables"] = {
            e["name"]: e.get("value", "") for e in container.get("env") or [] if "valueFrom" not in e
        }
        limits = (container.get("resources") or {}).get("limits") or {}
        if limits.get("cpu"):
            wanted["availableCpu"] = str(limits["cpu"])
        if limits.get("memory"):
            wanted["availableMemory"] = str(limits["memory"])
    if spec.get("containerConcurrency") is not None:
        wanted["maxInstanceRequestConcurrency"] = int(spec["containerConcurrency"])
    if spec.get("timeoutSeconds") is not None:
        wanted["timeoutSeconds"] = int(spec["timeoutSeconds"])
    defaults = {"availableCpu": "0.1666", "availableMemory": "256M", "timeoutSeconds": 60}
    defaults.update(maxInstanceRequestConcurrency=1, environmentVariables={})
    return {k: v for k, v in wanted.items() if current.get(k, defaults[k]) != v}


def _condition(kind: str, ok: bool, when: str, message: str = "") -> dict:
    entry = {"type": kind, "status": "True" if ok else "False", "lastTransitionTime": when}
    if message:
        entry["message"] = message
        entry["reason"] = "RevisionFailed"
    return entry


def _labels(fn: dict) -> dict:
    return {
        "cloud.googleapis.com/location": fn["region"],
        "goog-managed-by": "cloudfunctions",
        "goog-cloudfunctions-runtime": fn["resource"].get("buildConfig", {}).get("runtime", ""),
    }


def _container(fn: dict, env: dict[str, str], revision: dict | None = None) -> dict:
    """A revision's container keeps the limits it was created with; the service shows the current ones."""
    service = dict(fn["resource"].get("serviceConfig", {}))
    if revision is not None:
        service.update({k: revision[k] for k in ("availableCpu", "availableMemory") if revision.get(k)})
    return {
        "image": f"{fn['region']}-docker.pkg.dev/{fn['project']}/gcf-artifacts/{fn['service']}:latest",
        "ports": [{"name": "http1", "containerPort": 8080}],
        "env": [{"name": key, "value": value} for key, value in sorted(env.items())],
        "resources": {
            "limits": {
                "cpu": service.get("availableCpu", "0.1666"),
                "memory": service.get("availableMemory", "256M"),
            }
        },
    }


def knative_service(fn: dict, base_url: str, revisions: dict[str, dict]) -> dict:
    """The Cloud Run v1 (Knative) Service behind a gen2 function."""
    number = project_number(fn["project"])
    url = function_url(base_url, fn["project"], fn["region"], fn["functionId"])
    latest_created = fn.get("latestCreated")
    created = revisions.get(latest_created or "", {})
    failed = created.get("status") == "FAILED"
    targets_ready = all(revisions.get(name, {}).get("status") == "READY" for name in serving_revisions(fn))
    ready = targets_ready and fn.get("latestReady") is not None
    when = fn["updateTime"]
    env = fn["resource"].get("serviceConfig", {}).get("environmentVariables", {})
    service = {
        "apiVersion": KNATIVE,
        "kind": "Service",
        "metadata": {
            "name": fn["service"],
            "namespace": number,
            "selfLink": f"/apis/{KNATIVE}/namespaces/{number}/services/{fn['service']}",
            "uid": fn["uid"],
            "resourceVersion": resource_version(fn),
            "generation": fn["generation"],
            "creationTimestamp": fn["createTime"],
            "labels": _labels(fn),
            "annotations": {
                "run.googleapis.com/ingress": INGRESS_ANNOTATION.get(ingress_setting(fn), "all"),
                "run.googleapis.com/ingress-status": INGRESS_ANNOTATION.get(ingress_setting(fn), "all"),
                "cloudfunctions.googleapis.com/function-id": fn["functionId"],
                "serving.knative.dev/creator": "localcloud",
            },
        },
        "spec": {
            "template": {
                "metadata": {
                    "labels": _labels(fn),
                    "annotations": {"autoscaling.knative.dev/maxScale": "100"},
                },
                "spec": {
                    "containerConcurrency": fn["resource"]
                    .get("serviceConfig", {})
                    .get("maxInstanceRequestConcurrency", 1),
                    "timeoutSeconds": fn["resource"].get("serviceConfig", {}).get("timeoutSeconds", 60),
                    "containers": [_container(fn, env)],
                },
            },
            "traffic": [dict(target) for target in fn.get("traffic", [])],
        },
        "status": {
            "observedGeneration": fn["generation"],
            "conditions": [
                _condition("Ready", ready, when, "" if ready else "No revision is ready to serve traffic."),
                _condition(
                    "ConfigurationsReady",
                    not failed,
                    when,
                    created.get("message", "") if failed else "",
                ),
                _condition("RoutesReady", ready, when),
            ],
            "traffic": status_traffic(fn, base_url),
            "url": url,
            "address": {"url": url},
        },
    }
    if fn.get("activeOperation"):
        # a revision is being built (deploy or replaceService): gcloud waits for Ready to settle
        for condition in service["status"]["conditions"]:
            if condition["type"] in ("Ready", "ConfigurationsReady"):
                condition.update(status="Unknown", reason="Deploying")
                condition.pop("message", None)
    if fn.get("latestReady"):
        service["status"]["latestReadyRevisionName"] = fn["latestReady"]
    if latest_created:
        service["status"]["latestCreatedRevisionName"] = latest_created
    return service


def knative_revision(rev: dict, fn: dict, base_url: str) -> dict:
    number = project_number(fn["project"])
    serving = serving_revisions(fn)
    ready = rev["status"] == "READY"
    when = rev.get("readyTime") or rev["createTime"]
    labels = {
        **_labels(fn),
        "serving.knative.dev/service": fn["service"],
        "serving.knative.dev/configuration": fn["service"],
        "serving.knative.dev/configurationGeneration": str(rev["number"]),
        "serving.knative.dev/serviceUid": fn["uid"],
    }
    if rev["name"] in serving:
        labels["serving.knative.dev/route"] = fn["service"]
    conditions = [
        _condition("Ready", ready, when, "" if ready else rev.get("message", "Revision is not ready.")),
        _condition("ContainerHealthy", ready, when),
        _condition("ResourcesAvailable", rev["status"] != "PENDING", when),
        {
            "type": "Active",
            "status": "True" if rev["name"] in serving else "False",
            "lastTransitionTime": when,
            "severity": "Info",
        },
    ]
    if rev["status"] == "PENDING":
        conditions[0] = {
            "type": "Ready",
            "status": "Unknown",
            "lastTransitionTime": when,
            "reason": "Deploying",
        }
    return {
        "apiVersion": KNATIVE,
        "kind": "Revision",
        "metadata": {
            "name": rev["name"],
            "namespace": number,
            "selfLink": f"/apis/{KNATIVE}/namespaces/{number}/revisions/{rev['name']}",
            "uid": rev["uid"],
            "resourceVersion": str(rev["number"]),
            "generation": 1,
            "creationTimestamp": rev["createTime"],
            "labels": labels,
            "annotations": {
                "serving.knative.dev/creator": "localcloud",
                "autoscaling.knative.dev/maxScale": "100",
            },
            "ownerReferences": [
                {
                    "kind": "Configuration",
                    "name": fn["service"],
                    "uid": fn["uid"],
                    "apiVersion": KNATIVE,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containerConcurrency": rev.get("concurrency", 1),
            "timeoutSeconds": rev.get("timeoutSeconds", 60),
            "containers": [_container(fn, rev.get("env", {}), rev)],
        },
        "status": {
            "observedGeneration": 1,
            "conditions": conditions,
            "logUrl": f"{base_url}/logs/{rev['name']}",
            "imageDigest": f"{fn['region']}-docker.pkg.dev/{fn['project']}/gcf-artifacts/{fn['service']}@sha256:{rev.get('sourceSha256', '0' * 64)}",
        },
    }
