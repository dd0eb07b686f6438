from __future__ import annotations

import pytest
from flask import Flask

from invoice_processing.service.handler import correlation_id

app = Flask(__name__)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Function-Execution-Id": "abc123"}, "abc123"),
        (
            {"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=1"},
            "105445aa7843bc8bf206b12000100000",
        ),
        (
            {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
            "4bf92f3577b34da6a3ce929d0e0e4736",
        ),
        ({"Function-Execution-Id": "x1", "X-Cloud-Trace-Context": "t2/3"}, "x1"),
        ({"Function-Execution-Id": 'id"} {"severity":"CRITICAL'}, "idseverity:CRITICAL"),
    ],
)
def test_correlation_id_sources(headers, expected):
    with app.test_request_context("/", headers=headers):
        from flask import request

        assert correlation_id(request) == expected


def test_correlation_id_is_generated_when_absent():
    with app.test_request_context("/"):
        from flask import request

        first, second = correlation_id(request), correlation_id(request)
    assert len(first) == 32 and first != second
