"""One real SeaweedFS (embedded, loopback only) per test session; a fresh bucket per module.

The server has the product's two identities (``storage.access``): `object_store` holds the
admin one, so that the Object Lock tests show what even the strongest identity cannot do;
`service_store` holds the service one, on the same bucket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from storage.access import S3Credentials
from storage.embedded_s3 import EmbeddedS3
from storage.objectstore import MinioObjectStore


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedS3]:
    server = EmbeddedS3(tmp_path_factory.mktemp("s3"), "azx-test",
                        admin_access_key="azx-test-admin", stop_timeout=1.0)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def store_as(server: EmbeddedS3, who: S3Credentials, bucket: str) -> MinioObjectStore:
    """A store on `server`'s `bucket` holding the identity `who`."""
    return MinioObjectStore(server.endpoint, who.access_key, who.secret_key, bucket)


@pytest.fixture(scope="module")
def object_store(s3_server: EmbeddedS3) -> Iterator[MinioObjectStore]:
    store = store_as(s3_server, s3_server.admin_credentials, f"azx-test-{uuid.uuid4().hex[:12]}")
    try:
        store.ensure_bucket()
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def service_store(s3_server: EmbeddedS3,
                  object_store: MinioObjectStore) -> Iterator[MinioObjectStore]:
    with store_as(s3_server, s3_server.service_credentials, object_store.bucket) as store:
        yield store


@pytest.fixture
def key() -> str:
    return f"reports/{uuid.uuid4().hex}.pdf"
