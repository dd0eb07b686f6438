"""localcloud's HTTP surface without gcloud: errors, proxy handling, uploads, traffic validation."""

from __future__ import annotations

import io
import socket
import time
import zipfile

import pytest

from deploy_scripts.localcloud.client import identity_headers

from .conftest import PROJECT, REGION
from .helpers import get, request

pytestmark = pytest.mark.timeout(60)

FUNCTIONS = f"/_cloudfunctions/v2/projects/{PROJECT}/locations/{REGION}"


def raw_request(port: int, lines: list[str]) -> str:
    """Send a request exactly as written (absolute form, CONNECT) and return the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def test_connect_is_refused_with_501_and_a_hint(endpoint):
    answer = raw_request(
        endpoint.port,
        ["CONNECT cloudfunctions.googleapis.com:443 HTTP/1.1", "Host: cloudfunctions.googleapis.com:443"],
    )
    assert answer.startswith("HTTP/1.1 501")
    assert "localcloud does not tunnel https" in answer
    assert "api_endpoint_overrides" in answer


def test_absolute_form_request_is_routed_by_host(endpoint):
    answer = raw_request(
        endpoint.port,
        [
            f"GET http://cloudresourcemanager.localcloud/v1/projects/{PROJECT}?alt=json HTTP/1.1",
            "Host: cloudresourcemanager.localcloud",
            "Connection: close",
        ],
    )
    assert answer.startswith("HTTP/1.1 200")
    assert f'"projectId":"{PROJECT}"' in answer.replace(" ", "")


def test_unknown_api_gets_a_google_shaped_404(endpoint):
    response = get(f"{endpoint.url}/_cloudfunctions/v2/projects/{PROJECT}/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
    assert "localcloud does not implement GET" in response.json()["error"]["message"]


def test_get_missing_function_is_404_in_production_shape(endpoint):
    response = get(f"{endpoint.url}{FUNCTIONS}/functions/never_deployed")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": 404,
            "message": f"Resource 'projects/{PROJECT}/locations/{REGION}/functions/never_deployed' was not found",
            "status": "NOT_FOUND",
        }
    }


def test_create_without_uploaded_source_is_refused(endpoint):
    body = {
        "buildConfig": {
            "runtime": "python312",
            "entryPoint": "hello",
            "source": {"storageSource": {"object": "nope.zip"}},
        }
    }
    response = request("POST", f"{endpoint.url}{FUNCTIONS}/functions?functionId=no_source", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "source object [nope.zip] was never uploaded to localcloud"


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
    return buffer.getvalue()


def _upload(endpoint, payload: bytes) -> dict:
    generated = request("POST", f"{endpoint.url}{FUNCTIONS}/functions:generateUploadUrl", json={}).json()
    assert generated["storageSource"]["object"].endswith(".zip")
    assert (
        request(
            "PUT", generated["uploadUrl"], data=payload, headers={"Content-Type": "application/zip"}
        ).status_code
        == 200
    )
    return generated["storageSource"]


def wait_done(endpoint, op: dict, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while not op["done"] and time.monotonic() < deadline:
        time.sleep(0.1)
        op = get(f"{endpoint.url}/_cloudfunctions/v2/{op['name']}").json()
    assert op["done"], f"operation still running after {timeout} s"
    return op


def test_zip_slip_member_fails_the_build(endpoint, localcloud_dir):
    storage = _upload(
        endpoint, _zip({"main.py": "def hello(r):\n    return 'x'\n", "../../escape.py": "boom"})
    )
    body = {
        "buildConfig": {"runtime": "python312", "entryPoint": "hello", "source": {"storageSource": storage}}
    }
    op = request("POST", f"{endpoint.url}{FUNCTIONS}/functions?functionId=slippery", json=body).json()
    assert op["done"] is False and op["metadata"]["verb"] == "create"
    op = wait_done(endpoint, op)
    assert op["error"]["code"] == 3
    assert "escapes the source directory" in op["error"]["message"]
    assert not (localcloud_dir / "escape.py").exists()


def test_second_create_is_409_and_traffic_must_sum_to_100(endpoint):
    archive = _zip({"main.py": "import os\ndef hello(r):\n    return os.environ['K_REVISION']\n"})
    storage = _upload(endpoint, archive)
    body = {
        "buildConfig": {"runtime": "python312", "entryPoint": "hello", "source": {"storageSource": storage}}
    }
    first = request("POST", f"{endpoint.url}{FUNCTIONS}/functions?functionId=twice", json=body)
    assert first.status_code == 200
    again = request("POST", f"{endpoint.url}{FUNCTIONS}/functions?functionId=twice", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["status"] == "ALREADY_EXISTS"
    op = wait_done(endpoint, first.json())
    assert op["response"]["state"] == "ACTIVE"
    listed = get(f"{endpoint.url}{FUNCTIONS}/operations").json()["operations"]
    assert op["name"] in [entry["name"] for entry in listed]
    revision = op["response"]["serviceConfig"]["revision"]
    url = op["response"]["url"]
    assert get(url).status_code == 403  # created without an allUsers binding: private
    assert get(url, headers=identity_headers(url)).text == revision
    download = request(
        "POST", f"{endpoint.url}{FUNCTIONS}/functions/twice:generateDownloadUrl", json={}
    ).json()
    assert get(download["downloadUrl"]).content == archive

    service_url = f"{endpoint.url}/_run/apis/serving.knative.dev/v1/namespaces/{PROJECT}/services/twice"
    service = get(service_url).json()
    assert service["status"]["latestReadyRevisionName"] == revision
    service["spec"]["traffic"] = [{"revisionName": revision, "percent": 60}]
    bad = request("PUT", service_url, json=service)
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "Traffic percentages must add up to 100, got 60."
    service["spec"]["traffic"] = [{"revisionName": "twice-00042-abc", "percent": 100}]
    unknown = request("PUT", service_url, json=service)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "Revision 'twice-00042-abc' does not exist for this service."


@pytest.mark.slow
def test_old_revisions_are_stopped_and_start_again_when_traffic_returns(endpoint):
    body = {"buildConfig": {"runtime": "python312", "entryPoint": "hello", "source": {}}}
    main = "import os\ndef hello(r):\n    return os.environ['K_REVISION']\n"
    names = []
    for attempt in range(5):
        body["buildConfig"]["source"] = {"storageSource": _upload(endpoint, _zip({"main.py": main}))}
        if attempt == 0:
            op = request("POST", f"{endpoint.url}{FUNCTIONS}/functions?functionId=many", json=body).json()
        else:
            op = request(
                "PATCH", f"{endpoint.url}{FUNCTIONS}/functions/many?updateMask=build_config.source", json=body
            ).json()
        names.append(wait_done(endpoint, op)["response"]["serviceConfig"]["revision"])
    running = get(f"{endpoint.url}/_localcloud/status").json()["running"]
    mine = sorted(name for name in running if name.startswith("many-"))
    assert mine == sorted(names[-3:])  # the newest three stay warm; the latest has the traffic

    service_url = f"{endpoint.url}/_run/apis/serving.knative.dev/v1/namespaces/{PROJECT}/services/many"
    service = get(service_url).json()
    service["spec"]["traffic"] = [{"revisionName": names[0], "percent": 100}]
    moved = request("PUT", service_url, json=service)
    assert moved.status_code == 200
    assert moved.json()["status"]["traffic"] == [{"revisionName": names[0], "percent": 100}]
    url = moved.json()["status"]["url"]
    assert get(url, headers=identity_headers(url)).text == names[0]
    assert names[0] in get(f"{endpoint.url}/_localcloud/status").json()["running"]
