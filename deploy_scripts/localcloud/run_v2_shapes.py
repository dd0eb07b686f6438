"""Cloud Run Admin API v2 shapes (`run.googleapis.com/v2`: Service, Revision, Operation), pure.

The same state as the Knative v1 view in shapes.py, in the resource-oriented v2 form that the
`google-cloud-run` client speaks.
"""

from __future__ import annotations

from . import shapes

SERVICE_TYPE = "type.googleapis.com/google.cloud.run.v2.Service"
REVISION_TYPE = "type.googleapis.com/google.cloud.run.v2.Revision"
INGRESS = {
    "ALLOW_ALL": "INGRESS_TRAFFIC_ALL",
    "ALLOW_INTERNAL_ONLY": "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "ALLOW_INTERNAL_AND_GCLB": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
}
LATEST = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
REVISION = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"
_STATE = {"READY": "CONDITION_SUCCEEDED", "FAILED": "CONDITION_FAILED", "PENDING": "CONDITION_RECONCILING"}


def service_name(fn: dict) -> str:
    return f"projects/{fn['project']}/locations/{fn['region']}/services/{fn['service']}"


def _container(fn: dict, env: dict[str, str], revision: dict | None = None) -> dict:
    knative = shapes._container(fn, env, revision)
    container = {
        "image": knative["image"],
        "ports": [{"name": "http1", "containerPort": 8080}],
        "resources": {"limits": knative["resources"]["limits"], "cpuIdle": True},
    }
    if env:
        container["env"] = [{"name": key, "value": value} for key, value in sorted(env.items())]
    return container


def _account(fn: dict) -> str:
    number = shapes.project_number(fn["project"])
    default = f"{number}-compute@developer.gserviceaccount.com"
    return fn["resource"].get("serviceConfig", {}).get("serviceAccountEmail") or default


def traffic_to_v1(traffic: list[dict]) -> list[dict]:
    """v2 TrafficTargets (type/revision) -> the Knative form the controller keeps."""
    converted = []
    for target in traffic:
        entry: dict = {"percent": int(target.get("percent") or 0)}
        if target.get("type") == LATEST or not target.get("revision"):
            entry["latestRevision"] = True
        else:
            entry["revisionName"] = target["revision"].rsplit("/", 1)[-1]
        if target.get("tag"):
            entry["tag"] = target["tag"]
        converted.append(entry)
    return converted


def template_to_v1(template: dict) -> dict:
    """A v2 RevisionTemplate -> the Knative template fields shapes.template_changes reads."""
    spec: dict = {}
    containers = template.get("containers") or []
    if containers:
        container = containers[0]
        spec["containers"] = [
            {
                "env": [e for e in container.get("env") or [] if "valueSource" not in e],
                "resources": {"limits": (container.get("resources") or {}).get("limits") or {}},
            }
        ]
    if template.get("maxInstanceRequestConcurrency") is not None:
        spec["containerConcurrency"] = template["maxInstanceRequestConcurrency"]
    if template.get("timeout"):
        spec["timeoutSeconds"] = int(float(str(template["timeout"]).rstrip("s")))
    return {"spec": spec}


def service(fn: dict, base_url: str, revisions: dict[str, dict]) -> dict:
    name = service_name(fn)
    config = fn["resource"].get("serviceConfig", {})
    url = shapes.function_url(base_url, fn["project"], fn["region"], fn["functionId"])
    created = revisions.get(fn.get("latestCreated") or "", {})
    if fn.get("activeOperation"):
        state = "CONDITION_RECONCILING"
    elif created.get("status") == "FAILED":
        state = "CONDITION_FAILED"
    elif fn.get("latestReady"):
        state = "CONDITION_SUCCEEDED"
    else:
        state = "CONDITION_FAILED"
    terminal = {"type": "Ready", "state": state, "lastTransitionTime": fn["updateTime"]}
    if state == "CONDITION_FAILED" and created.get("message"):
        terminal["message"] = created["message"]
    spec_traffic = []
    for target in fn.get("traffic", []):
        entry: dict = {"type": LATEST if target.get("latestRevision") else REVISION}
        if not target.get("latestRevision"):
            entry["revision"] = target["revisionName"]
        if target.get("percent"):
            entry["percent"] = int(target["percent"])
        if target.get("tag"):
            entry["tag"] = target["tag"]
        spec_traffic.append(entry)
    statuses = []
    for target in shapes.status_traffic(fn, base_url):
        entry = {"type": LATEST if target.get("latestRevision") else REVISION}
        if not target.get("latestRevision"):
            entry["revision"] = target["revisionName"]
        if target.get("percent"):
            entry["percent"] = target["percent"]
        if target.get("tag"):
            entry["tag"], entry["uri"] = target["tag"], target["url"]
        statuses.append(entry)
    body = {
        "name": name,
        "uid": fn["uid"],
        "generation": str(fn["generation"]),
        "labels": shapes._labels(fn),
        "annotations": {"cloudfunctions.googleapis.com/function-id": fn["functionId"]},
        "createTime": fn["createTime"],
        "updateTime": fn["updateTime"],
        "creator": "localcloud",
        "lastModifier": "localcloud",
        "ingress": INGRESS.get(shapes.ingress_setting(fn), "INGRESS_TRAFFIC_ALL"),
        "launchStage": "GA",
        "template": {
            "scaling": {"maxInstanceCount": int(config.get("maxInstanceCount", 100))},
            "timeout": f"{int(config.get('timeoutSeconds', 60))}s",
            "serviceAccount": _account(fn),
            "containers": [_container(fn, config.get("environmentVariables") or {})],
            "maxInstanceRequestConcurrency": int(config.get("maxInstanceRequestConcurrency", 1)),
        },
        "traffic": spec_traffic,
        "observedGeneration": str(fn["generation"]),
        "terminalCondition": terminal,
        "conditions": [
            {"type": "RoutesReady", "state": state, "lastTransitionTime": fn["updateTime"]},
            {"type": "ConfigurationsReady", "state": state, "lastTransitionTime": fn["updateTime"]},
        ],
        "trafficStatuses": statuses,
        "uri": url,
        "urls": [url],
        "reconciling": bool(fn.get("activeOperation")),
        "etag": shapes.resource_version(fn),
    }
    if fn.get("latestReady"):
        body["latestReadyRevision"] = f"{name}/revisions/{fn['latestReady']}"
    if fn.get("latestCreated"):
        body["latestCreatedRevision"] = f"{name}/revisions/{fn['latestCreated']}"
    return body


def revision(rev: dict, fn: dict, base_url: str) -> dict:
    name = f"{service_name(fn)}/revisions/{rev['name']}"
    state = _STATE.get(rev["status"], "CONDITION_FAILED")
    when = rev.get("readyTime") or rev["createTime"]
    ready = {"type": "Ready", "state": state, "lastTransitionTime": when}
    if rev["status"] == "FAILED" and rev.get("message"):
        ready.update(message=rev["message"], reason="REVISION_FAILED")
    active = rev["name"] in shapes.serving_revisions(fn)
    return {
        "name": name,
        "uid": rev["uid"],
        "generation": "1",
        "labels": {
            **shapes._labels(fn),
            "serving.knative.dev/service": fn["service"],
            "serving.knative.dev/configuration": fn["service"],
        },
        "createTime": rev["createTime"],
        "updateTime": when,
        "launchStage": "GA",
        "service": service_name(fn),
        "scaling": {
            "maxInstanceCount": int(fn["resource"].get("serviceConfig", {}).get("maxInstanceCount", 100))
        },
        "maxInstanceRequestConcurrency": int(rev.get("concurrency", 1)),
        "timeout": f"{int(rev.get('timeoutSeconds', 60))}s",
        "serviceAccount": _account(fn),
        "containers": [_container(fn, rev.get("env", {}), rev)],
        "executionEnvironment": "EXECUTION_ENVIRONMENT_GEN2",
        "conditions": [
            ready,
            {
                "type": "Active",
                "state": "CONDITION_SUCCEEDED" if active else "CONDITION_FAILED",
                "lastTransitionTime": when,
                "severity": "INFO",
            },
        ],
        "observedGeneration": "1",
        "logUri": f"{base_url}/logs/{rev['name']}",
        "reconciling": rev["status"] == "PENDING",
        "etag": rev["uid"][:8],
    }


def operation(name: str, response_type: str, response: dict) -> dict:
    """A finished google.longrunning.Operation whose metadata and response are the resource."""
    return {
        "name": name,
        "metadata": {"@type": response_type, **response},
        "done": True,
        "response": {"@type": response_type, **response},
    }
