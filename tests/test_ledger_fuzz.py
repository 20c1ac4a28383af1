"""Property-based fuzzing of the fee ledger, sampling, coverage and evaluation endpoints (issue
15), on SQLite and PostgreSQL: whatever an authenticated insurer sends, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis import GenerationMode

from tests.conftest import TestClient
from tests.service_app import fuzzed_service, key_headers, statuses_of_fuzzing

pytestmark = pytest.mark.s3

MAX_EXAMPLES = 20
OPERATIONS = [
    ("POST", "/v1/fees"),
    ("GET", "/v1/fees/summary"),
    ("POST", "/v1/samplings"),
    ("GET", "/v1/metrics/coverage"),
    ("POST", "/v1/evaluations"),
]


def _one_policy(client: TestClient, ctx: Any) -> dict[str, str]:
    headers = key_headers(ctx, "fuzz")
    assert client.post("/v1/policies", headers=headers, json={
        "policy_no": "FZ-1", "profile": "shandong", "insured": "某运输公司",
        "premium": "65000", "period_start": "2025-07-01", "period_end": "2026-06-30",
        "branch": "济南"}).status_code == 201
    return headers


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    with fuzzed_service(request, tmp_path_factory, "lfuzz",
                        r"^/v1/(fees|samplings|metrics|evaluations)", _one_policy) as fuzzed:
        yield fuzzed


def test_the_fuzzed_operations_are_the_ledger_api(fuzzed: tuple[Any, Any]) -> None:
    schema, _ = fuzzed
    found = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "mode"), [
    *((m, p, mode) for m, p in OPERATIONS
      for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)),
])
def test_no_input_makes_a_server_error(fuzzed: tuple[Any, dict[str, str]], method: str, path: str,
                                       mode: GenerationMode) -> None:
    schema, headers = fuzzed
    calls = statuses_of_fuzzing(schema[path][method], headers, mode, MAX_EXAMPLES)
    assert calls and 401 not in calls
