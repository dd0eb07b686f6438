"""Whatever arrives, the function answers 2xx or a specific 4xx: never a 500 (a real process)."""

from __future__ import annotations

import json

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/pdf",
        "application/octet-stream",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
        "application/json; charset=latin-1",
    ]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
document_like = st.fixed_dictionaries(
    {"text": st.one_of(st.text(max_size=40), st.integers())},
    optional={"pages": json_values, "entities": json_values, "file_url": st.text(max_size=30)},
)
bodies = st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=200).map(lambda b: b"%PDF-1.4\n" + b),
    json_values.map(lambda v: json.dumps(v).encode()),
    document_like.map(lambda v: json.dumps(v).encode()),
    st.text(max_size=100).map(lambda t: ("file_url=" + t).encode()),
)
ACCEPTED = {200, 400, 401, 405, 413, 415, 422}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, content_type=CONTENT_TYPES, dry=st.booleans())
def test_fuzzed_bodies_never_get_a_500(local_function, body, content_type, dry):
    headers = {"Content-Type": content_type} if content_type else {}
    if dry:
        headers["X-Invoice-Dry-Run"] = "1"
    response = requests.post(local_function.url, data=body, headers=headers, timeout=30)
    assert response.status_code in ACCEPTED, (response.status_code, response.text[:300])
    if response.status_code != 200:
        assert response.json()["error"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(min_size=1, max_size=20),
    payload=st.binary(max_size=500),
    field=st.sampled_from(["invoice_file", "file", "file_url"]),
)
def test_fuzzed_multipart_never_gets_a_500(local_function, name, payload, field):
    response = requests.post(
        local_function.url, files={field: (name, payload)}, headers={"X-Invoice-Dry-Run": "1"}, timeout=30
    )
    assert response.status_code in ACCEPTED, (response.status_code, response.text[:300])
