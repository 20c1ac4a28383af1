"""The whole service in-process for API tests: an app on SQLite or PostgreSQL with the embedded
object store, keys for any tenant and role, example bodies, and archiving "as if on" a day.

A test module gets the app from the ``service`` fixture in ``tests/conftest.py`` (once per module
and database); a module that needs settings of its own names them in ``SERVICE_ENV``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core.settings import Settings
from services.keys import create_key

__all__ = ["CHINA", "EXAMPLES", "archive_on", "example", "fuzzed_service", "key_headers",
           "running_service", "statuses_of_fuzzing"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHINA = dt.timezone(dt.timedelta(hours=8))


def example(name: str) -> dict[str, Any]:
    """The example request body ``examples/<name>.json`` (a fresh copy)."""
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def key_headers(ctx: Any, tenant: str, role: str = "insurer",
                regions: list[str] | None = None) -> dict[str, str]:
    """A new API key of ``tenant`` and ``role`` as an Authorization header."""
    return {"Authorization": f"Bearer {create_key(ctx.engine, tenant, role, regions=regions)}"}


def archive_on(client: TestClient, ctx: Any, headers: dict[str, str], body: dict[str, Any],
               day: str) -> dict[str, Any]:
    """Archive ``body`` as if on ``day`` (09:00 in China); the record as the API returns it."""
    when = dt.datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=CHINA)
    saved = ctx.archive.clock
    ctx.archive.clock = lambda: when.astimezone(dt.UTC)
    try:
        r = client.post("/v1/documents", json=body, headers=headers)
    finally:
        ctx.archive.clock = saved
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


@contextmanager
def running_service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    name: str, env: Mapping[str, str] = {}) -> Iterator[tuple[TestClient, Any]]:
    """The app on ``request.param`` ("sqlite" or "postgresql"), in-process Celery, no scans of
    its own (a test scans when it wants to), with ``env`` set while it runs."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AZX_BROKER_URL", raising=False)
        for k, v in env.items():
            mp.setenv(k, v)
        settings = Settings(data_dir=tmp_path_factory.mktemp(f"{name}-{request.param}"),
                            database_url=url, broker_url=None, obligation_scan_interval=1e9)
        app = create_app(settings)
        with TestClient(app) as client:
            yield client, app.state.ctx


@contextmanager
def fuzzed_service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   name: str, paths: str,
                   prepare: Callable[[TestClient, Any], dict[str, str]]
                   ) -> Iterator[tuple[Any, dict[str, str]]]:
    """The schemathesis schema of the operations matching ``paths`` on a running service, and the
    headers ``prepare`` returns after it has put in place what the fuzzing needs."""
    import schemathesis
    from schemathesis.python.asgi import shutdown_lifespans

    from tests.test_schemathesis import _started

    with running_service(request, tmp_path_factory, name) as (client, ctx):
        headers = prepare(client, ctx)
        schema = schemathesis.openapi.from_asgi("/openapi.json", _started(client.app))
        try:
            yield schema.include(path_regex=paths), headers
        finally:
            shutdown_lifespans()


def statuses_of_fuzzing(operation: Any, headers: dict[str, str], mode: Any,
                        max_examples: int) -> list[int]:
    """Call ``operation`` with ``max_examples`` generated requests of ``mode`` (positive or
    negative), failing on any 5xx; the status codes it answered."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis.checks import not_a_server_error

    calls: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @hypothesis_settings(max_examples=max_examples, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        calls.append(response.status_code)

    fuzz()
    return calls
