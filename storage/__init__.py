"""Object storage for the archive: S3 with Object Lock, embedded SeaweedFS by default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.access import S3Credentials
from storage.embedded_s3 import EmbeddedS3
from storage.errors import (
    BucketMisconfigured,
    ObjectExists,
    ObjectNotFound,
    PermissionDenied,
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
    "PermissionDenied",
    "RetentionViolation",
    "StorageError",
    "StorageUnavailable",
    "StoreInUse",
    "open_object_store",
    "prepare_bucket",
]


def open_object_store(
    settings: Settings, *, attach: bool = False
) -> tuple[ObjectStore, EmbeddedS3 | None]:
    """A ready store (bucket verified); starts the embedded server if no endpoint is set.

    The bucket is created or verified with the **admin** identity (:func:`prepare_bucket`);
    the store returned holds the **service** identity only, which may put, read and list
    objects and set their retention and legal hold, and change nothing at bucket level
    (`storage.access`).

    With `attach`, the embedded server of the data dir that a live process (a running
    ``azx serve``) owns is used as it is, and no server is returned; without one, one is started.
    Without `attach`, such a server makes the start fail with :class:`StoreInUse`.

    The caller owns the result: `store.close()`, then `server.stop()` if a server was returned.
    """
    server: EmbeddedS3 | None = None
    if settings.s3_endpoint:
        target = _outside_endpoint(settings)
    else:
        embedded = EmbeddedS3.from_settings(settings)
        address, server = _embedded_endpoint(embedded, attach)
        target = _Endpoint(address, False, embedded.service_credentials,
                           embedded.admin_credentials)
    try:
        _set_up_bucket(target, settings)
    except BaseException:
        if server is not None:
            server.stop()
        raise
    return _store(target, target.service, settings), server


def prepare_bucket(settings: Settings) -> None:
    """Create or verify the bucket of the outside S3 (``AZX_S3_ENDPOINT``) with the admin
    identity, or with the service identity when no admin identity is configured (it can then
    only verify a bucket set up beforehand). For a service that started while its store was
    away; :func:`open_object_store` does this itself."""
    if not settings.s3_endpoint:
        raise ValueError("prepare_bucket is for an outside S3; the embedded store is set up "
                         "when it starts (open_object_store)")
    _set_up_bucket(_outside_endpoint(settings), settings)


@dataclass(frozen=True)
class _Endpoint:
    """Where the store is and the two identities that reach it (the same one twice when an
    outside S3 is reached with one key only)."""

    address: str
    secure: bool
    service: S3Credentials
    admin: S3Credentials


def _outside_endpoint(settings: Settings) -> _Endpoint:
    assert settings.s3_endpoint is not None
    service = S3Credentials(settings.s3_access_key, settings.s3_secret_key.get_secret_value())
    admin = service
    if settings.s3_admin_access_key:
        secret = settings.s3_admin_secret_key.get_secret_value()
        if not secret:
            raise StorageError("AZX_S3_ADMIN_ACCESS_KEY is set without AZX_S3_ADMIN_SECRET_KEY")
        admin = S3Credentials(settings.s3_admin_access_key, secret)
    return _Endpoint(settings.s3_endpoint, settings.s3_secure, service, admin)


def _set_up_bucket(target: _Endpoint, settings: Settings) -> None:
    """ensure_bucket as the admin; the admin's client is closed before the service starts."""
    with _store(target, target.admin, settings) as admin:
        try:
            admin.ensure_bucket(default_retention_years=settings.retention_years)
        except PermissionDenied as exc:
            if target.admin != target.service:
                raise
            raise PermissionDenied(
                f"{exc}; the service identity may not create or configure bucket "
                f"{settings.s3_bucket}: set AZX_S3_ADMIN_ACCESS_KEY and AZX_S3_ADMIN_SECRET_KEY "
                f"(README: the admin policy), or create it with Object Lock, versioning and a "
                f"default COMPLIANCE rule of {settings.retention_years} years beforehand"
            ) from exc


def _store(target: _Endpoint, who: S3Credentials, settings: Settings) -> MinioObjectStore:
    return MinioObjectStore(target.address, who.access_key, who.secret_key, settings.s3_bucket,
                            secure=target.secure, region=settings.s3_region)


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
