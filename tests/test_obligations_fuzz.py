"""Property-based fuzzing of the calendar, policy and obligation endpoints, on SQLite and on
PostgreSQL: whatever an authenticated client sends, the answer is never a 5xx."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.conftest import TestClient
from tests.service_app import fuzzed_service, key_headers, statuses_of_fuzzing

pytestmark = pytest.mark.s3

MAX_EXAMPLES = 25
OPERATIONS = [
    ("GET", "/v1/calendar/add-working-days"),
    ("GET", "/v1/calendar/working-days"),
    ("POST", "/v1/policies"),
    ("GET", "/v1/policies"),
    ("GET", "/v1/policies/{policy_no}"),
    ("GET", "/v1/policies/{policy_no}/obligations"),
    ("GET", "/v1/obligations"),
]
TERMS = {"policy_no": "FZ-1", "profile": "wenzhou", "insured": "温州某化工有限公司",
         "premium": "65000", "period_start": "2026-01-01", "period_end": "2026-12-31",
         "high_risk_industry": "危险化学品", "last_year": {"claims": 6}}


def _one_policy(client: TestClient, ctx: Any) -> dict[str, str]:
    headers = key_headers(ctx, "fuzz")
    assert client.post("/v1/policies", json=TERMS, headers=headers).status_code == 201
    return headers


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    with fuzzed_service(request, tmp_path_factory, "fuzz",
                        r"^/v1/(calendar|policies|obligations)", _one_policy) as fuzzed:
        yield fuzzed


def test_the_fuzzed_operations_are_the_obligations_api(fuzzed: tuple[Any, Any]) -> None:
    schema, _ = fuzzed
    found = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "mode"), [
    *((m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS),
    # a policy number is any string: nothing to make invalid there
    *((m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if p != "/v1/policies/{policy_no}"),
])
def test_no_input_makes_a_server_error(fuzzed: tuple[Any, dict[str, str]], method: str, path: str,
                                       mode: GenerationMode) -> None:
    schema, headers = fuzzed
    calls = statuses_of_fuzzing(schema[path][method], headers, mode, MAX_EXAMPLES)
    assert calls and 401 not in calls


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8)


def test_a_policy_with_any_one_value_replaced_is_never_a_server_error(
        fuzzed: tuple[Any, dict[str, str]]) -> None:
    schema, headers = fuzzed
    operation = schema["/v1/policies"]["POST"]
    keys = [*TERMS, "standard", "pooled", "above_scale", "large_or_medium", "industry"]
    calls = []

    @given(key=st.sampled_from(keys), value=_JSON, number=st.integers(0, 10**6))
    @hypothesis_settings(max_examples=60, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    def fuzz(key: str, value: Any, number: int) -> None:
        body = copy.deepcopy(TERMS) | {"policy_no": f"FZ-{number}", key: value}
        case = operation.Case(body=body, headers=headers, media_type="application/json")
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        calls.append(response.status_code)

    fuzz()
    assert 422 in calls
