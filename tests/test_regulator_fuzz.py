"""Property-based fuzzing of the regulator's summary (issue 15 point 5), on SQLite and PostgreSQL:
whatever a regulator asks, never a 5xx; and the evaluations of the three profiles the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis import GenerationMode

from tests.conftest import TestClient
from tests.service_app import fuzzed_service, key_headers, statuses_of_fuzzing

pytestmark = pytest.mark.s3

MAX_EXAMPLES = 25


def _two_policies(client: TestClient, ctx: Any) -> dict[str, str]:
    insurer = key_headers(ctx, "fuzz")
    for no, region in (("FZ-1", "济南市"), ("FZ-2", "成都市武侯区")):
        assert client.post("/v1/policies", headers=insurer, json={
            "policy_no": no, "profile": "shandong", "insured": "某运输公司",
            "premium": "65000", "period_start": "2026-01-01", "period_end": "2026-12-31",
            "region": region, "industry": "道路运输"}).status_code == 201
    return key_headers(ctx, "监管", "regulator", ["济南市", "成都市"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    with fuzzed_service(request, tmp_path_factory, "rfuzz", r"^/v1/regulator/",
                        _two_policies) as fuzzed:
        yield fuzzed


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_question_makes_a_server_error(fuzzed: tuple[Any, dict[str, str]],
                                          mode: GenerationMode) -> None:
    schema, headers = fuzzed
    calls = statuses_of_fuzzing(schema["/v1/regulator/summary"]["GET"], headers, mode, MAX_EXAMPLES)
    assert calls and 401 not in calls
