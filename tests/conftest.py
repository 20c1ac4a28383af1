"""Shared fixtures: the example request bodies, one in-process app per session, API keys.

The app runs its lifespan (SQLite registry under a temporary data directory); the embedded
object store only starts if a test touches the archive, which none of these fixtures does.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from core.settings import Settings

# A loaded 2-core CI machine makes per-example timing meaningless: no deadlines.
hypothesis_settings.register_profile(
    "azx", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("azx")

with warnings.catch_warnings():
    # Starlette >= 1.0 asks for httpx2 and warns (a UserWarning, an error under
    # filterwarnings=error) once, at import, when only httpx is installed.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def load_examples() -> dict[str, dict[str, Any]]:
    """``{"report-shandong": {"type", "profile", "data"}, ...}`` from examples/*.json."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(EXAMPLES_DIR.glob("*.json"))}


@pytest.fixture(scope="session")
def examples() -> dict[str, dict[str, Any]]:
    return load_examples()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("azx-data"))


@pytest.fixture(scope="session")
def app_client(settings: Settings) -> Iterator[TestClient]:
    from api.main import create_app

    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def api_key(app_client: TestClient) -> Callable[..., str]:
    """``api_key(tenant="t1", role="insurer")`` → a fresh key ``azx_<id>_<secret>``."""
    from services.keys import create_key

    def make(tenant: str = "t1", role: str = "insurer") -> str:
        return create_key(app_client.app.state.ctx.engine, tenant, role)  # type: ignore[attr-defined]

    return make


def bearer(key: str) -> dict[str, str]:
    """The request header that presents ``key``."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def auth() -> Callable[[str], dict[str, str]]:
    """``auth(key)`` → ``{"Authorization": "Bearer <key>"}``."""
    return bearer


@pytest.fixture(scope="session")
def insurer_headers(api_key: Callable[..., str]) -> dict[str, str]:
    """Headers of one insurer key shared by the session's requests."""
    return bearer(api_key())


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the machine's server (127.0.0.1:5432), dropped after."""
    import secrets

    import psycopg

    name = f"azx_t_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                                autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    """The whole service of ``tests/service_app.py`` for one module, on SQLite and PostgreSQL;
    the module's ``SERVICE_ENV`` (a mapping) is set while it runs."""
    from tests.service_app import running_service

    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    with running_service(request, tmp_path_factory, name,
                         getattr(request.module, "SERVICE_ENV", {})) as running:
        yield running
