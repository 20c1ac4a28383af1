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
    StoreInUse,
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
    "StoreInUse",
    "open_object_store",
]


def open_object_store(
    settings: Settings, *, attach: bool = False
) -> tuple[ObjectStore, EmbeddedS3 | None]:
    """A ready store (bucket verified); starts the embedded server if no endpoint is set.

    With `attach`, the embedded server of the data dir that a live process (a running
    ``azx serve``) owns is used as it is, and no server is returned; without one, one is started.
    Without `attach`, such a server makes the start fail with :class:`StoreInUse`.

    The caller owns the result: `store.close()`, then `server.stop()` if a server was returned.
    """
    server: EmbeddedS3 | None = None
    if settings.s3_endpoint:
        endpoint, secret = settings.s3_endpoint, settings.s3_secret_key.get_secret_value()
        secure = settings.s3_secure
    else:
        embedded = EmbeddedS3.from_settings(settings)
        endpoint, server = _embedded_endpoint(embedded, attach)
        secret, secure = embedded.secret_key, False
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


def _embedded_endpoint(embedded: EmbeddedS3, attach: bool) -> tuple[str, EmbeddedS3 | None]:
    """(endpoint, the server to stop or None): attached to a live owner's server, or started."""
    if attach and (endpoint := embedded.attach()) is not None:
        return endpoint, None
    try:
        return embedded.start().endpoint, embedded
    except StoreInUse:
        # its owner may have started it between our look and our start
        endpoint = embedded.attach() if attach else None
        if endpoint is None:
            raise
        return endpoint, None
