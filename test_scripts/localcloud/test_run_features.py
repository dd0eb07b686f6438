"""The real gcloud and google-cloud-run v2 against localcloud: tags, IAM, ingress, revisions, v2 API."""

from __future__ import annotations

import json
import os

import pytest
from google.api_core import exceptions as google_exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials

from deploy_scripts.localcloud.client import identity_headers, identity_token
from deploy_scripts.pipeline.verify import check_health

from .conftest import PROJECT, REGION
from .helpers import get, request, served_revisions

pytestmark = [pytest.mark.gcloud, pytest.mark.slow, pytest.mark.timeout(240)]

CALLER_MAIN = """
import os, requests

def hello(request):
    target = request.args.get("target")
    if target:  # call another function from inside localcloud (internal traffic)
        session = requests.Session()
        session.trust_env = False
        answer = session.get(os.environ["LOCALCLOUD_URL"] + target, timeout=30)
        return {"status": answer.status_code, "body": answer.text[:200]}
    return {"revision": os.environ.get("K_REVISION"), "greeting": os.environ.get("GREETING")}
"""
CALLER_REQUIREMENTS = "functions-framework\nrequests\n"  # the build installs only what is named


def describe_service(gcloud, service: str) -> dict:
    """The Knative service as gcloud reads it (plain HTTP: a gcloud process costs seconds here)."""
    base = f"{gcloud.endpoint.url}/_run/apis/serving.knative.dev/v1/namespaces/{PROJECT}/services/{service}"
    return get(base).json()


def function_revision(gcloud, name: str) -> str:
    """The function's latest ready revision, from the Cloud Functions v2 API."""
    url = f"{gcloud.endpoint.url}/_cloudfunctions/v2/projects/{PROJECT}/locations/{REGION}/functions/{name}"
    return get(url).json()["serviceConfig"]["revision"]


def run_v2_clients(endpoint):
    """google-cloud-run's REST clients through localcloud as their HTTP proxy, as gcloud-env sets up."""
    from google.cloud import run_v2

    os.environ["HTTP_PROXY"] = os.environ["http_proxy"] = endpoint.url
    options = ClientOptions(api_endpoint="http://run.localcloud")
    credentials = AnonymousCredentials()
    return (
        run_v2,
        run_v2.ServicesClient(transport="rest", client_options=options, credentials=credentials),
        run_v2.RevisionsClient(transport="rest", client_options=options, credentials=credentials),
    )


@pytest.fixture
def no_proxy_env():
    saved = {key: os.environ.get(key) for key in ("HTTP_PROXY", "http_proxy")}
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_tag_url_reaches_its_revision_while_the_main_url_stays_pinned(gcloud, source_factory, endpoint):
    source = source_factory(CALLER_MAIN, CALLER_REQUIREMENTS)
    assert gcloud.deploy("tagged_fn", source, "--set-env-vars", "GREETING=one").returncode == 0
    rev1 = function_revision(gcloud, "tagged_fn")
    assert gcloud.deploy("tagged_fn", source, "--set-env-vars", "GREETING=two").returncode == 0
    rev2 = function_revision(gcloud, "tagged_fn")
    pinned = gcloud(
        "run", "services", "update-traffic", "tagged-fn", "--region", REGION, "--to-revisions", f"{rev1}=100"
    )
    assert pinned.returncode == 0, pinned.stderr
    tagged = gcloud(
        "run", "services", "update-traffic", "tagged-fn", "--region", REGION, "--set-tags", f"cand={rev2}"
    )
    assert tagged.returncode == 0, tagged.stderr
    tag_url = f"{endpoint.url}/functions/{PROJECT}/{REGION}/cand---tagged_fn"
    assert "(Adding)" not in tagged.stdout + tagged.stderr
    assert f"cand: {tag_url}" in tagged.stdout + tagged.stderr

    service = describe_service(gcloud, "tagged-fn")
    assert {"revisionName": rev2, "tag": "cand", "url": tag_url} in service["status"]["traffic"]
    main_url = service["status"]["url"]
    assert served_revisions(tag_url) == {rev2}
    assert served_revisions(main_url) == {rev1}
    assert get(tag_url).json()["greeting"] == "two"
    shown = gcloud("run", "services", "describe", "tagged-fn", "--region", REGION)
    assert f"cand: {tag_url}" in shown.stdout and "(Adding)" not in shown.stdout

    removed = gcloud(
        "run", "services", "update-traffic", "tagged-fn", "--region", REGION, "--remove-tags", "cand"
    )
    assert removed.returncode == 0, removed.stderr
    assert all("tag" not in t for t in describe_service(gcloud, "tagged-fn")["status"]["traffic"])
    gone = get(tag_url)
    assert gone.status_code == 404
    assert gone.json()["error"]["message"] == "Function tagged_fn has no revision tagged 'cand'."

    bad = gcloud(
        "run", "services", "update-traffic", "tagged-fn", "--region", REGION, "--set-tags", f"Bad_Tag={rev2}"
    )
    assert bad.returncode != 0 and "Invalid tag 'Bad_Tag'" in bad.stderr


def test_private_function_needs_an_identity_token(gcloud, source_factory, endpoint):
    deployed = gcloud.deploy("private_fn", source_factory(), "--no-allow-unauthenticated")
    assert deployed.returncode == 0, deployed.stderr
    url = f"{endpoint.url}/functions/{PROJECT}/{REGION}/private_fn"
    anonymous = get(url)
    assert anonymous.status_code == 403
    assert "Your client does not have permission to get URL" in anonymous.text
    assert (
        "(it needs an identity token; get a token with `localcloud token --audience URL`)" in anonymous.text
    )
    assert get(url, headers=identity_headers(url)).status_code == 200  # what verification sends
    health, seen = check_health(url, None, max_seconds=30, attempts=1)
    assert health.passed and seen["status"] == 200
    cli_token = identity_token(endpoint.state_dir, url)
    assert get(url, headers={"Authorization": f"Bearer {cli_token}"}).status_code == 200
    forged = cli_token[:-4] + ("AAAA" if not cli_token.endswith("AAAA") else "BBBB")
    assert get(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    other_audience = identity_token(endpoint.state_dir, url + "_other")
    assert get(url, headers={"Authorization": f"Bearer {other_audience}"}).status_code == 403
    assert get(url, headers={"Authorization": "Bearer ya29.an-access-token"}).status_code == 403
    stranger = identity_token(endpoint.state_dir, url, email="stranger@example.com")
    assert get(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 403

    granted = gcloud(
        "run", "services", "add-iam-policy-binding", "private-fn", "--region", REGION,
        "--member", "user:stranger@example.com", "--role", "roles/run.invoker",
    )  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    assert get(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 200
    assert get(url).status_code == 403

    policy_url = (
        f"{endpoint.url}/_run/v1/projects/{PROJECT}/locations/{REGION}/services/private-fn:setIamPolicy"
    )
    for binding, message in [
        ({"role": "roles/run.invoker", "members": ["everyone"]}, "Invalid principal: 'everyone'"),
        (
            {"role": "roles/run.superuser", "members": ["allUsers"]},
            "Role roles/run.superuser is not supported",
        ),
    ]:
        refused = request("POST", policy_url, json={"policy": {"bindings": [binding]}})
        assert refused.status_code == 400
        assert refused.json()["error"]["message"].startswith(message)
    assert get(url).status_code == 403  # the refused policies changed nothing


def test_internal_only_ingress_admits_only_localclouds_own_revisions(gcloud, source_factory, endpoint):
    caller = gcloud.deploy("caller_fn", source_factory(CALLER_MAIN, CALLER_REQUIREMENTS))
    assert caller.returncode == 0, caller.stderr
    inner = gcloud.deploy(
        "inner_fn", source_factory(CALLER_MAIN, CALLER_REQUIREMENTS), "--ingress-settings", "internal-only"
    )
    assert inner.returncode == 0, inner.stderr
    inner_url = f"{endpoint.url}/functions/{PROJECT}/{REGION}/inner_fn"
    assert get(inner_url).status_code == 404  # Google answers 404 to traffic its ingress refuses
    via_caller = get(
        f"{endpoint.url}/functions/{PROJECT}/{REGION}/caller_fn",
        params={"target": f"/functions/{PROJECT}/{REGION}/inner_fn"},
    )
    assert via_caller.json()["status"] == 200, via_caller.text
    assert json.loads(via_caller.json()["body"])["revision"].startswith("inner-fn-00001-")


def test_revisions_delete_and_services_list_without_region(gcloud, source_factory):
    source = source_factory()
    assert gcloud.deploy("pruned_fn", source).returncode == 0
    rev1 = function_revision(gcloud, "pruned_fn")
    assert gcloud.deploy("pruned_fn", source).returncode == 0
    rev2 = function_revision(gcloud, "pruned_fn")
    serving = gcloud("run", "revisions", "delete", rev2, "--region", REGION, "--quiet")
    assert serving.returncode != 0
    assert f"Revision '{rev2}' is referenced by a traffic target" in serving.stderr
    deleted = gcloud("run", "revisions", "delete", rev1, "--region", REGION, "--quiet")
    assert deleted.returncode == 0, deleted.stderr
    listed = gcloud.value(
        "run",
        "revisions",
        "list",
        "--service",
        "pruned-fn",
        "--region",
        REGION,
        "--format",
        "value(metadata.name)",
    )
    assert listed.split() == [rev2]

    env = {k: v for k, v in gcloud.env.items() if k != "CLOUDSDK_RUN_REGION"}
    import subprocess

    everywhere = subprocess.run(
        ["gcloud", "run", "services", "list", "--format", "value(metadata.name,region)"],
        env=env, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert everywhere.returncode == 0, everywhere.stderr
    assert "pruned-fn\tus-central1" in everywhere.stdout.splitlines()


def test_knative_replace_builds_a_revision_and_revisions_keep_their_limits(gcloud, source_factory, endpoint):
    assert (
        gcloud.deploy(
            "knative_fn", source_factory(CALLER_MAIN, CALLER_REQUIREMENTS), "--memory", "256Mi"
        ).returncode
        == 0
    )
    rev1 = function_revision(gcloud, "knative_fn")
    updated = gcloud(
        "run", "services", "update", "knative-fn", "--region", REGION,
        "--update-env-vars", "GREETING=knative", "--memory", "512Mi",
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    service = describe_service(gcloud, "knative-fn")
    rev2 = service["status"]["latestReadyRevisionName"]
    assert rev2 != rev1 and rev2.startswith("knative-fn-00002-")
    assert get(service["status"]["url"]).json() == {"revision": rev2, "greeting": "knative"}
    limits = {}
    for name in (rev1, rev2):
        rev = json.loads(
            gcloud.value("run", "revisions", "describe", name, "--region", REGION, "--format", "json")
        )
        limits[name] = rev["spec"]["containers"][0]["resources"]["limits"]["memory"]
    assert limits == {rev1: "256Mi", rev2: "512Mi"}

    service_url = f"{endpoint.url}/_run/apis/serving.knative.dev/v1/namespaces/{PROJECT}/services/knative-fn"
    stale = dict(service, metadata=dict(service["metadata"], resourceVersion="not-the-current-one"))
    refused = request("PUT", service_url, json=stale)
    assert refused.status_code == 409
    assert refused.json()["error"]["message"].startswith("the object has been modified")


def test_serve_all_traffic_latest_revision_moves_pinned_traffic(gcloud, source_factory):
    source = source_factory()
    assert gcloud.deploy("latest_fn", source).returncode == 0
    rev1 = function_revision(gcloud, "latest_fn")
    assert (
        gcloud(
            "run",
            "services",
            "update-traffic",
            "latest-fn",
            "--region",
            REGION,
            "--to-revisions",
            f"{rev1}=100",
        ).returncode
        == 0
    )
    assert gcloud.deploy("latest_fn", source).returncode == 0
    url = describe_service(gcloud, "latest-fn")["status"]["url"]
    assert served_revisions(url) == {rev1}  # pinned: the new revision gets no traffic
    moved = gcloud.deploy("latest_fn", source, "--serve-all-traffic-latest-revision")
    assert moved.returncode == 0, moved.stderr
    rev3 = function_revision(gcloud, "latest_fn")
    assert served_revisions(url) == {rev3}


def test_google_cloud_run_v2_client(gcloud, source_factory, endpoint, no_proxy_env):
    source = source_factory()
    assert gcloud.deploy("v2_fn", source).returncode == 0
    assert gcloud.deploy("v2_fn", source).returncode == 0
    run_v2, services, revisions = run_v2_clients(endpoint)
    name = f"projects/{PROJECT}/locations/{REGION}/services/v2-fn"
    service = services.get_service(name=name)
    assert service.uri == f"{endpoint.url}/functions/{PROJECT}/{REGION}/v2_fn"
    listed = [rev.name.rsplit("/", 1)[1] for rev in revisions.list_revisions(parent=name)]
    assert len(listed) == 2 and service.latest_ready_revision == f"{name}/revisions/{listed[0]}"
    assert name in [s.name for s in services.list_services(parent=f"projects/{PROJECT}/locations/-")]

    kinds = run_v2.TrafficTargetAllocationType
    service.traffic = [
        run_v2.TrafficTarget(
            type_=kinds.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION, revision=listed[1], percent=100
        ),
        run_v2.TrafficTarget(
            type_=kinds.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION, revision=listed[0], tag="next"
        ),
    ]
    updated = services.update_service(service=service).result(timeout=60)
    statuses = {status.tag: status.uri for status in updated.traffic_statuses if status.tag}
    assert statuses == {"next": f"{endpoint.url}/functions/{PROJECT}/{REGION}/next---v2_fn"}
    assert served_revisions(updated.uri) == {listed[1]}
    assert served_revisions(statuses["next"]) == {listed[0]}

    with pytest.raises(google_exceptions.BadRequest, match="referenced by a traffic target"):
        revisions.delete_revision(name=f"{name}/revisions/{listed[0]}")
    stale = services.get_service(name=name)
    stale.etag = "stale"
    with pytest.raises(google_exceptions.Conflict):
        services.update_service(service=stale)
    with pytest.raises(google_exceptions.NotFound):
        services.get_service(name=f"projects/{PROJECT}/locations/{REGION}/services/never-deployed")

    # or without a proxy: the API's path prefix on localcloud's own address
    direct = run_v2.ServicesClient(
        transport="rest",
        client_options=ClientOptions(api_endpoint=f"{endpoint.url}/_run"),
        credentials=AnonymousCredentials(),
    )
    assert direct.get_service(name=name).etag == services.get_service(name=name).etag
