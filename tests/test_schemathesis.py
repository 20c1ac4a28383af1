"""Property-based API fuzzing: whatever an authenticated client sends to the forms and schema
endpoints, the answer is never a 5xx.

Runs in-process through schemathesis' ASGI transport against a second app on the session's
registry (schemathesis starts and stops that app's lifespan itself).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from core.settings import Settings
from domain.catalog import CATALOG
from tests.conftest import TestClient, load_examples

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def api_schema(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from schemathesis.python.asgi import shutdown_lifespans

    from api.main import create_app

    # the session's registry (its API keys), an object store of its own (one per data dir)
    own = Settings(data_dir=tmp_path_factory.mktemp("fuzz"), database_url=settings.sqlalchemy_url)
    app = create_app(own)
    with TestClient(app):  # the lifespan runs once here, not once per fuzzed test
        schema = schemathesis.openapi.from_asgi("/openapi.json", _started(app))
        try:
            yield schema.include(path_regex=r"^/v1/(forms|schemas)")
        finally:
            shutdown_lifespans()


def _started(app: Any) -> Any:
    """``app`` whose lifespan has already run: lifespan messages are answered, not passed on."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return asgi


@pytest.fixture(scope="module")
def fuzz_headers(api_key: Callable[..., str], auth: Callable[[str], dict[str, str]]) -> Any:
    return auth(api_key("fuzz", "technician"))


OPERATIONS = [
    ("GET", "/v1/forms"),
    ("GET", "/v1/forms/{name}"),
    ("POST", "/v1/forms/{name}"),
    ("GET", "/v1/schemas/{doc_type}"),
]


def test_the_fuzzed_operations_are_the_forms_api(api_schema: Any) -> None:
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# schemathesis' own pytest integration (``@schema.parametrize()``) does not run under pytest 9
# (it reads ``request.node._nodeid``), so each operation's strategy is driven by Hypothesis here.
@pytest.mark.parametrize(("method", "path", "mode"), [
    *((m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS),
    # GET /v1/forms takes no input: there is nothing to make invalid.
    *((m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if "{" in p),
])
def test_no_input_makes_a_server_error(
    api_schema: Any, fuzz_headers: dict[str, str], method: str, path: str, mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode, headers=fuzz_headers))
    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        response = case.call_and_validate(headers=fuzz_headers, checks=[not_a_server_error])
        calls.append(response.status_code)

    fuzz()
    assert calls, "no request was made"
    assert 401 not in calls, "the key was not sent"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
def test_no_body_posted_to_a_real_form_makes_a_server_error(
    api_schema: Any, fuzz_headers: dict[str, str], mode: GenerationMode,
) -> None:
    """As above, with the path and profile of a form that exists, so the body reaches validation."""
    operation = api_schema["/v1/forms/{name}"]["POST"]
    calls = []

    @given(data=st.data())
    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    def fuzz(data: st.DataObject) -> None:
        doc_type, profile = data.draw(st.sampled_from(sorted(CATALOG)))
        fmt = data.draw(st.sampled_from(["pdf", "docx"]))
        case = data.draw(operation.as_strategy(
            generation_mode=mode, headers=fuzz_headers,
            path_parameters={"name": f"{doc_type}.{fmt}"}, query={"profile": profile}))
        response = case.call_and_validate(headers=fuzz_headers, checks=[not_a_server_error])
        calls.append(response.status_code)

    fuzz()
    assert calls and 401 not in calls


def _mutations(example: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The example's data with one value (at any depth) replaced by arbitrary JSON."""
    paths: list[tuple[str | int, ...]] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        paths.append(path)
        items = value.items() if isinstance(value, dict) else (
            enumerate(value) if isinstance(value, list) else ())
        for k, v in items:
            walk(v, (*path, k))

    walk(example, ())
    junk = st.recursive(
        st.none() | st.booleans() | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                    max_size=3),
        max_leaves=6)

    def put(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
        out = copy.deepcopy(example)
        target: Any = out
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return out

    return st.builds(put, st.sampled_from(paths[1:]), junk)  # paths[0] is the whole object


def test_no_mutated_example_makes_a_server_error(
    app_client: TestClient, fuzz_headers: dict[str, str],
) -> None:
    """An example with one value swapped for arbitrary JSON is rendered (200) or refused (422)."""
    examples = load_examples()
    statuses: list[int] = []

    @given(data=st.data())
    @hypothesis_settings(max_examples=3 * MAX_EXAMPLES // 2, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    def fuzz(data: st.DataObject) -> None:
        body = examples[data.draw(st.sampled_from(sorted(examples)))]
        mutated = data.draw(_mutations(body["data"]))
        r = app_client.post(f"/v1/forms/{body['type']}.pdf", params={"profile": body["profile"]},
                            json=mutated, headers=fuzz_headers)
        assert r.status_code in (200, 422), r.text
        statuses.append(r.status_code)

    fuzz()
    assert 422 in statuses
