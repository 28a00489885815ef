"""Requests generated from the OpenAPI schema, valid and invalid: the service never fails.

Schemathesis' pytest plugin does not run under pytest 9, so its Hypothesis strategies are
used directly, with a bounded number of examples per operation and mode.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = 25


def test_generated_requests_never_get_a_server_error(server):
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/score", "/v1/model", "/healthz", "/metrics"}
    for operation in operations:
        for mode in GenerationMode:
            if mode is GenerationMode.NEGATIVE and operation.method.upper() != "POST":
                continue  # nothing to get wrong in a GET without parameters

            @given(case=operation.as_strategy(mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case) -> None:
                # Every check: no 5xx, status codes, content types and bodies as declared.
                case.call_and_validate()

            check()
