"""Object storage for the archive: S3 with Object Lock, embedded SeaweedFS by default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.embedded_s3 import EmbeddedS3
from storage.errors import (
    BucketMisconfigured,
    ObjectExists,
    ObjectNotFound,
    RetentionViolation,
    StorageError,
    StorageUnavailable,
)
from storage.objectstore import (
    IntegrityError,
    MinioObjectStore,
    ObjectInfo,
    ObjectStore,
    ObjectVersion,
)

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "BucketMisconfigured",
    "EmbeddedS3",
    "IntegrityError",
    "MinioObjectStore",
    "ObjectExists",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectVersion",
    "RetentionViolation",
    "StorageError",
    "StorageUnavailable",
    "open_object_store",
]


def open_object_store(settings: Settings) -> tuple[ObjectStore, EmbeddedS3 | None]:
    """A ready store (bucket verified); starts the embedded server if no endpoint is set.

    The caller owns the result: `store.close()`, then `server.stop()` if a server was returned.
    """
    server: EmbeddedS3 | None = None
    if settings.s3_endpoint:
        endpoint, secret = settings.s3_endpoint, settings.s3_secret_key.get_secret_value()
        secure = settings.s3_secure
    else:
        server = EmbeddedS3.from_settings(settings).start()
        endpoint, secret, secure = server.endpoint, server.secret_key, False
    store = MinioObjectStore(
        endpoint,
        settings.s3_access_key,
        secret,
        settings.s3_bucket,
        secure=secure,
        region=settings.s3_region,
    )
    try:
        store.ensure_bucket(default_retention_years=settings.retention_years)
    except BaseException:
        store.close()
        if server is not None:
            server.stop()
        raise
    return store, server
