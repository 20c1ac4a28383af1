"""One real SeaweedFS (embedded, loopback only) per test session; a fresh bucket per module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from storage.embedded_s3 import EmbeddedS3
from storage.objectstore import MinioObjectStore


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedS3]:
    server = EmbeddedS3(tmp_path_factory.mktemp("s3"), "azx-test", stop_timeout=1.0)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def object_store(s3_server: EmbeddedS3) -> Iterator[MinioObjectStore]:
    store = MinioObjectStore(
        s3_server.endpoint,
        s3_server.access_key,
        s3_server.secret_key,
        f"azx-test-{uuid.uuid4().hex[:12]}",
    )
    try:
        store.ensure_bucket()
        yield store
    finally:
        store.close()


@pytest.fixture
def key() -> str:
    return f"reports/{uuid.uuid4().hex}.pdf"
