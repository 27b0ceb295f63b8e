"""A property-based test of the OpenAPI document (schemathesis) against both kinds of server.

Schemathesis reads ``python/ffibench/web/openapi.json`` and, for every operation, generates
requests that fit it and requests that do not, sends them to a real server, and checks each
answer: never a server error, a status the document lists for the operation, the document's
content type, a body its schema accepts. It runs against Flask (gunicorn, the multi-process
server the benchmark measures) and axum (the Rust binary), each started once for the module,
with a bounded number of examples and no deadline (a real server's time is not a property).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from http_client import Server, running

OPENAPI = Path(__file__).resolve().parent.parent / "python" / "ffibench" / "web" / "openapi.json"
#: Examples per operation and server: enough to reach every error class of the document,
#: few enough that a server's share of this file takes seconds.
EXAMPLES = 50

schema = schemathesis.openapi.from_path(OPENAPI)
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", params=["flask:gunicorn", "axum"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with running(request.param) as started:
        yield started


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_conforms_to_the_document(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(base_url=server.url, checks=CHECKS, timeout=30)
