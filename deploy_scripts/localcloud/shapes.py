"""Production JSON shapes: Cloud Functions v2 Function/Operation, Knative v1 Service/Revision.

Everything here is pure: documents in, API JSON out. The base URL (http://127.0.0.1:PORT) is passed
in because the port can change between runs while the stored state stays the same.
"""

from __future__ import annotations

import copy
import hashlib
import uuid

FUNCTION_TYPE = "type.googleapis.com/google.cloud.functions.v2.Function"
METADATA_TYPE = "type.googleapis.com/google.cloud.functions.v2.OperationMetadata"
KNATIVE = "serving.knative.dev/v1"
GEN2_RUNTIMES = ["python310", "python311", "python312", "python313"]


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


def resolve_traffic(fn: dict) -> list[dict]:
    """Spec traffic -> status traffic: `latestRevision` entries name the latest ready revision."""
    resolved = []
    for target in fn.get("traffic", []):
        percent = int(target.get("percent") or 0)
        if target.get("latestRevision"):
            if fn.get("latestReady") is None:
                continue
            resolved.append({"revisionName": fn["latestReady"], "percent": percent, "latestRevision": True})
        else:
            resolved.append(
                {"revisionName": target["revisionName"], "percent": percent, "latestRevision": False}
            )
    return resolved


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


def _container(fn: dict, env: dict[str, str]) -> dict:
    service = fn["resource"].get("serviceConfig", {})
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
    status_traffic = []
    for target in resolve_traffic(fn):
        entry = {"revisionName": target["revisionName"], "percent": target["percent"]}
        if target["latestRevision"]:
            entry["latestRevision"] = True
        status_traffic.append(entry)
    env = fn["resource"].get("serviceConfig", {}).get("environmentVariables", {})
    service = {
        "apiVersion": KNATIVE,
        "kind": "Service",
        "metadata": {
            "name": fn["service"],
            "namespace": number,
            "selfLink": f"/apis/{KNATIVE}/namespaces/{number}/services/{fn['service']}",
            "uid": fn["uid"],
            "resourceVersion": str(fn["generation"]),
            "generation": fn["generation"],
            "creationTimestamp": fn["createTime"],
            "labels": _labels(fn),
            "annotations": {
                "run.googleapis.com/ingress": "all",
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
            "traffic": status_traffic,
            "url": url,
            "address": {"url": url},
        },
    }
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
            "containers": [_container(fn, rev.get("env", {}))],
        },
        "status": {
            "observedGeneration": 1,
            "conditions": conditions,
            "logUrl": f"{base_url}/logs/{rev['name']}",
            "imageDigest": f"{fn['region']}-docker.pkg.dev/{fn['project']}/gcf-artifacts/{fn['service']}@sha256:{rev.get('sourceSha256', '0' * 64)}",
        },
    }
