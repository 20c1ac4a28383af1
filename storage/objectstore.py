"""The archive's object store: write-once objects under S3 Object Lock (COMPLIANCE mode).

`ObjectStore` is the narrow interface the rest of the code uses; `MinioObjectStore` implements
it with the minio SDK. Every minio / urllib3 error is turned into a `storage.errors` exception
in one place (`_translated`).

Never-overwrite guarantee of `put_locked`: we HEAD the key, list its versions (a key whose
latest version is a delete marker still counts as present), then PUT with
``If-None-Match: *``. SeaweedFS ≥ 4 and AWS S3 honour that header atomically, so two
concurrent writers cannot both succeed. A server that ignores the header leaves a window
between the checks and the PUT; the bucket is versioned and every version is locked, so a
racing writer adds a second version but never destroys the first. Callers keep the returned
`version_id` and read by it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.lifecycleconfig import Rule
from minio.objectlockconfig import DAYS, YEARS, ObjectLockConfig
from minio.retention import Retention
from minio.versioningconfig import SUSPENDED, VersioningConfig

from storage.errors import (
    BucketMisconfigured,
    ObjectExists,
    ObjectNotFound,
    PermissionDenied,
    RetentionViolation,
    StorageError,
    StorageUnavailable,
)

__all__ = [
    "BucketConfig",
    "IntegrityError",
    "LifecycleRule",
    "MinioObjectStore",
    "ObjectInfo",
    "ObjectStore",
    "ObjectVersion",
    "StoredVersion",
    "make_http_client",
]

_META_PREFIX = "x-amz-meta-"
_META_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
_NOT_FOUND = {"NoSuchKey", "NoSuchVersion", "NoSuchObject", "ResourceNotFound"}
_EXISTS = {"PreconditionFailed", "ConditionalRequestConflict"}
_TRANSIENT = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"}
_LOCK_REFUSALS = {"AccessDenied", "ObjectLocked", "InvalidRequest", "InvalidBucketState"}
_T = TypeVar("_T")


class IntegrityError(StorageError):
    """Bytes read back do not match the SHA-256 recorded when they were written."""


@dataclass(frozen=True)
class LifecycleRule:
    """One lifecycle rule of the bucket as the server holds it (None = not set)."""

    rule_id: str | None
    enabled: bool
    prefix: str | None
    """The key prefix it applies to (None: the whole bucket or a tag filter)."""
    expiration_days: int | None
    expiration_date: datetime | None
    expired_object_delete_marker: bool
    noncurrent_expiration_days: int | None
    abort_incomplete_upload_days: int | None
    transition_storage_class: str | None
    """Current versions are moved to this storage class (None: no transition)."""
    noncurrent_transition_storage_class: str | None


@dataclass(frozen=True)
class BucketConfig:
    """The bucket-level settings on which the archive's safety depends."""

    object_lock: bool
    """Object Lock is enabled on the bucket (it can only be enabled at creation)."""
    lock_mode: str | None
    """The default retention rule's mode (None: no default rule)."""
    lock_duration: int | None
    lock_unit: str | None
    """``Days`` or ``Years``."""
    versioning: str | None
    """``Enabled``, ``Suspended``, or None when never enabled."""
    policy: str | None
    """The bucket policy's JSON text, or None when the bucket has none."""
    lifecycle: tuple[LifecycleRule, ...]

    @property
    def lock_days(self) -> int | None:
        """The default rule's length in days (a year counted as 365, as S3 does)."""
        if self.lock_duration is None:
            return None
        return self.lock_duration * (365 if self.lock_unit == YEARS else 1)


@dataclass(frozen=True)
class ObjectVersion:
    """What a successful write created."""

    key: str
    version_id: str
    etag: str
    sha256: str


@dataclass(frozen=True)
class ObjectInfo:
    """One object version as the server describes it (None = the server did not say)."""

    key: str
    version_id: str | None
    size: int
    etag: str
    sha256: str | None
    content_type: str | None
    retention_mode: str | None
    retain_until: datetime | None
    legal_hold: bool | None
    last_modified: datetime | None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredVersion:
    """One version of a key as a version listing shows it (delete markers included)."""

    key: str
    version_id: str | None
    is_delete_marker: bool
    is_latest: bool
    last_modified: datetime | None
    size: int


@runtime_checkable
class ObjectStore(Protocol):
    """Write-once archive storage. Implementations never overwrite or delete."""

    bucket: str

    def ensure_bucket(self, default_retention_years: int | None = None) -> None: ...

    def bucket_config(self) -> BucketConfig: ...

    def put_locked(
        self,
        key: str,
        data: bytes,
        content_type: str,
        retain_until: datetime,
        legal_hold: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> ObjectVersion: ...

    def get(self, key: str, version_id: str | None = None) -> bytes: ...

    def stat(self, key: str, version_id: str | None = None) -> ObjectInfo: ...

    def exists(self, key: str) -> bool: ...

    def extend_retention(self, key: str, version_id: str | None, until: datetime) -> None: ...

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None: ...

    def close(self) -> None: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def versions(self, prefix: str) -> Iterator[StoredVersion]: ...

    def ping(self) -> bool: ...


def make_http_client(
    connect_timeout: float = 3.0, read_timeout: float = 60.0
) -> urllib3.PoolManager:
    """Pool with a short connect timeout and few retries, so a dead server fails in seconds.

    Only connection failures are retried for writes (the request never reached the server);
    GET/HEAD are also retried on 500/502/503/504 — a SeaweedFS that has just started answers
    reads with 500 InternalError until its volumes are registered (as AWS SDKs retry 500s).
    """
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(
            total=3,
            connect=2,
            read=0,
            status=3,
            other=0,
            redirect=0,
            backoff_factor=0.25,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            raise_on_status=False,
        ),
    )


class MinioObjectStore:
    """`ObjectStore` on any S3 server with Object Lock, through the minio SDK."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 60.0,
    ) -> None:
        if "://" in endpoint:
            parts = urlsplit(endpoint)
            if (parts.scheme == "https") != secure or parts.path not in ("", "/"):
                raise ValueError(f"endpoint {endpoint!r}: give host:port and set secure")
            endpoint = parts.netloc
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self._http = make_http_client(connect_timeout, read_timeout)
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=self._http,
        )
        # readiness probes: answer within ~3 s even from a server that accepts and never replies
        self._probe_http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=1.0, read=2.0), maxsize=1,
            cert_reqs="CERT_REQUIRED", ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=False)
        self._probe = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region, http_client=self._probe_http)

    @property
    def client(self) -> Minio:
        """The raw minio client (tests use it to bypass this layer's own checks)."""
        return self._client

    def close(self) -> None:
        self._http.clear()
        self._probe_http.clear()

    def ping(self) -> bool:
        """Does the server answer for the bucket with these credentials, within ~3 s?"""
        try:
            return bool(self._probe.bucket_exists(self.bucket))
        except Exception:  # any failure means: not ready
            return False

    def __enter__(self) -> MinioObjectStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- bucket -------------------------------------------------------------------------

    def ensure_bucket(self, default_retention_years: int | None = None) -> None:
        """Create the bucket with Object Lock + versioning, or verify an existing one.

        With `default_retention_years`, a default COMPLIANCE rule of that length is set if
        the bucket has none (a safety net for writes without retention headers); an existing
        weaker rule raises `BucketMisconfigured`.

        Creating or changing anything needs the admin identity; the service identity can only
        verify a bucket that is already right (else `PermissionDenied`).
        """
        b = self.bucket
        with _translated(f"bucket {b}"):
            created = False
            if not self._client.bucket_exists(b):
                try:
                    self._client.make_bucket(b, location=self.region, object_lock=True)
                    created = True
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            lock = self._lock_config()
            status = self._client.get_bucket_versioning(b).status
            if status != ENABLED:
                if not created:
                    raise BucketMisconfigured(f"bucket {b}: versioning is {status or 'off'}")
                self._client.set_bucket_versioning(b, VersioningConfig(ENABLED))
            if default_retention_years:
                self._ensure_default_retention(lock, default_retention_years)

    def _lock_config(self) -> ObjectLockConfig:
        try:
            return self._client.get_object_lock_config(self.bucket)
        except S3Error as exc:
            if exc.code and exc.code.startswith("ObjectLockConfigurationNotFound"):
                raise BucketMisconfigured(
                    f"bucket {self.bucket} exists without Object Lock; it cannot be added "
                    "later — use a new bucket"
                ) from exc
            raise

    def bucket_config(self) -> BucketConfig:
        """The bucket's Object Lock rule, versioning, policy and lifecycle rules, as they are
        now (read-only: the service identity may read them, not change them)."""
        b = self.bucket
        with _translated(f"configuration of bucket {b}"):
            lock = _absent_as_none(lambda: self._client.get_object_lock_config(b),
                                   "ObjectLockConfigurationNotFound")
            versioning = self._client.get_bucket_versioning(b).status
            policy = _absent_as_none(lambda: self._client.get_bucket_policy(b),
                                     "NoSuchBucketPolicy")
            lifecycle = self._client.get_bucket_lifecycle(b)
        return BucketConfig(
            object_lock=lock is not None,
            lock_mode=lock.mode if lock else None,
            lock_duration=lock.duration if lock else None,
            lock_unit=lock.duration_unit if lock else None,
            versioning=versioning if versioning in (ENABLED, SUSPENDED) else None,
            policy=policy or None,
            lifecycle=tuple(_lifecycle_rule(r) for r in (lifecycle.rules if lifecycle else [])),
        )

    def _ensure_default_retention(self, lock: ObjectLockConfig, years: int) -> None:
        if lock.mode is None:
            self._client.set_object_lock_config(
                self.bucket, ObjectLockConfig(COMPLIANCE, years, YEARS)
            )
            return
        days = (lock.duration or 0) * (365 if lock.duration_unit == YEARS else 1)
        if lock.mode != COMPLIANCE or days < years * 365:
            unit = lock.duration_unit or DAYS
            raise BucketMisconfigured(
                f"bucket {self.bucket}: default retention {lock.mode} {lock.duration} {unit} "
                f"is weaker than COMPLIANCE {years} years"
            )

    # -- writes -------------------------------------------------------------------------

    def put_locked(
        self,
        key: str,
        data: bytes,
        content_type: str,
        retain_until: datetime,
        legal_hold: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> ObjectVersion:
        """Write a new key under COMPLIANCE retention; raise `ObjectExists` if it is present."""
        if not key or key.startswith("/"):
            raise ValueError(f"invalid object key {key!r}")
        until = _ceil_second(retain_until)
        if until <= datetime.now(UTC):
            raise ValueError(f"retain_until {retain_until} is not in the future")
        digest = hashlib.sha256(data).hexdigest()
        meta = _clean_metadata(metadata or {})
        if meta.setdefault("sha256", digest) != digest:
            raise ValueError("metadata sha256 does not match the data")

        self._refuse_if_present(key)
        headers: dict[str, str | list[str] | tuple[str]] = {
            "Content-Type": content_type or "application/octet-stream",
            "Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode(),
            "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(digest)).decode(),
            "x-amz-object-lock-mode": COMPLIANCE,
            "x-amz-object-lock-retain-until-date": until.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "If-None-Match": "*",
        }
        if legal_hold:
            headers["x-amz-object-lock-legal-hold"] = "ON"
        headers.update({_META_PREFIX + k: v for k, v in meta.items()})
        with _translated(f"put {key}"):
            # Public put_object() cannot send If-None-Match; _put_object is one plain PUT.
            result = self._client._put_object(self.bucket, key, data, headers=headers)
        if not result.version_id:
            raise BucketMisconfigured(f"put {key}: no version id returned; versioning off?")
        return ObjectVersion(key, result.version_id, result.etag or "", digest)

    def _refuse_if_present(self, key: str) -> None:
        if self.exists(key):
            raise ObjectExists(f"{key} already exists; archived objects are never overwritten")
        with _translated(f"list versions of {key}"):
            for obj in self._client.list_objects(self.bucket, prefix=key, include_version=True):
                if obj.object_name == key:
                    raise ObjectExists(f"{key} has earlier versions (latest is a delete marker)")

    def extend_retention(self, key: str, version_id: str | None, until: datetime) -> None:
        """Move the COMPLIANCE retain-until date later; never earlier."""
        target = _ceil_second(until)
        with _translated(f"retention of {key}", refused=RetentionViolation):
            current = self._client.get_object_retention(self.bucket, key, version_id)
            if current is not None and current.retain_until_date is not None:
                if target < current.retain_until_date:
                    raise RetentionViolation(
                        f"{key}: retention may only be extended "
                        f"({current.retain_until_date.isoformat()} → {target.isoformat()})"
                    )
                if target == current.retain_until_date and current.mode == COMPLIANCE:
                    return
            self._client.set_object_retention(
                self.bucket, key, Retention(COMPLIANCE, target), version_id
            )

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None:
        with _translated(f"legal hold of {key}", refused=RetentionViolation):
            if on:
                self._client.enable_object_legal_hold(self.bucket, key, version_id)
            else:
                self._client.disable_object_legal_hold(self.bucket, key, version_id)

    def delete_version(self, key: str, version_id: str) -> None:
        """Only for tests proving the server refuses it; raises `RetentionViolation` then."""
        with _translated(f"delete {key}@{version_id}", refused=RetentionViolation):
            self._client.remove_object(self.bucket, key, version_id=version_id)

    # -- reads --------------------------------------------------------------------------

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """The object's bytes, checked against the SHA-256 recorded at write time."""
        with _translated(f"get {key}"):
            resp = self._client.get_object(self.bucket, key, version_id=version_id)
            try:
                data = resp.read()
                expected = resp.headers.get(_META_PREFIX + "sha256")
            finally:
                resp.close()
                resp.release_conn()
        if expected and hashlib.sha256(data).hexdigest() != expected.lower():
            raise IntegrityError(f"{key}@{version_id or 'latest'}: SHA-256 mismatch")
        return data

    def stat(self, key: str, version_id: str | None = None) -> ObjectInfo:
        with _translated(f"stat {key}"):
            obj = self._client.stat_object(self.bucket, key, version_id=version_id)
        headers = {k.lower(): v for k, v in (obj.metadata or {}).items()}
        meta = {k[len(_META_PREFIX) :]: v for k, v in headers.items() if k.startswith(_META_PREFIX)}
        until = headers.get("x-amz-object-lock-retain-until-date")
        hold = headers.get("x-amz-object-lock-legal-hold")
        return ObjectInfo(
            key=key,
            version_id=obj.version_id,
            size=obj.size or 0,
            etag=obj.etag or "",
            sha256=meta.get("sha256"),
            content_type=obj.content_type,
            retention_mode=headers.get("x-amz-object-lock-mode"),
            retain_until=_parse_time(until) if until else None,
            legal_hold=None if hold is None else hold.upper() == "ON",
            last_modified=obj.last_modified,
            metadata=meta,
        )

    def exists(self, key: str) -> bool:
        """True if the latest version of `key` is a live object (not a delete marker)."""
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys (latest live versions) under `prefix`."""
        with _translated(f"list {prefix!r}"):
            for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if obj.object_name and not obj.is_dir:
                    yield obj.object_name


    def versions(self, prefix: str) -> Iterator[StoredVersion]:
        """Every version and delete marker of every key under ``prefix`` (oldest first per key
        is not promised: sort by ``last_modified`` when the order matters)."""
        with _translated(f"list versions {prefix!r}"):
            for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True,
                                                 include_version=True):
                if obj.object_name and not obj.is_dir:
                    yield StoredVersion(
                        key=obj.object_name, version_id=obj.version_id,
                        is_delete_marker=bool(obj.is_delete_marker),
                        is_latest=str(obj.is_latest).lower() == "true",
                        last_modified=obj.last_modified, size=obj.size or 0)


# -- helpers ------------------------------------------------------------------------------


@contextmanager
def _translated(what: str, *, refused: type[StorageError] = StorageError) -> Iterator[None]:
    """Map minio/urllib3 errors to `storage.errors`; `refused` is used for lock refusals."""
    try:
        yield
    except StorageError:
        raise
    except S3Error as exc:
        raise _from_s3_error(exc, what, refused) from exc
    except ServerError as exc:
        raise StorageUnavailable(f"{what}: server error {exc.status_code}") from exc
    except InvalidResponseError as exc:
        status: Any = getattr(exc, "_code", 0)
        cls = StorageUnavailable if isinstance(status, int) and status >= 500 else StorageError
        raise cls(f"{what}: {exc}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise StorageUnavailable(f"{what}: S3 server unreachable: {exc}") from exc


def _from_s3_error(exc: S3Error, what: str, refused: type[StorageError]) -> StorageError:
    code = exc.code or ""
    status = getattr(exc.response, "status", 0) or 0
    text = f"{what}: {code} {exc.message or ''}".strip()
    if code in _NOT_FOUND:
        return ObjectNotFound(text)
    if code == "NoSuchBucket":
        return BucketMisconfigured(f"{text} (call ensure_bucket())")
    if code in _EXISTS:
        return ObjectExists(text)
    if code in _TRANSIENT or status >= 500:
        return StorageUnavailable(text)
    if refused is not StorageError and code in _LOCK_REFUSALS:
        return refused(f"{text} (refused by Object Lock)")
    if code == "AccessDenied":
        return PermissionDenied(f"{text} (this identity may not do that)")
    return StorageError(text)


def _absent_as_none(read: Callable[[], _T], absent_code: str) -> _T | None:
    """`read()`, or None when the server says the thing was never set (`absent_code`…)."""
    try:
        return read()
    except S3Error as exc:
        if (exc.code or "").startswith(absent_code):
            return None
        raise


def _lifecycle_rule(rule: Rule) -> LifecycleRule:
    """minio's rule as our own type, so that no caller depends on the SDK's classes."""
    expiration, noncurrent = rule.expiration, rule.noncurrent_version_expiration
    scope = rule.rule_filter
    prefix = scope.prefix if scope is not None else None
    if scope is not None and scope.and_operator is not None:
        prefix = scope.and_operator.prefix
    abort = rule.abort_incomplete_multipart_upload
    return LifecycleRule(
        rule_id=rule.rule_id,
        enabled=rule.status == ENABLED,
        prefix=prefix or None,
        expiration_days=expiration.days if expiration else None,
        expiration_date=expiration.date if expiration else None,
        expired_object_delete_marker=bool(expiration and expiration.expired_object_delete_marker),
        noncurrent_expiration_days=noncurrent.noncurrent_days if noncurrent else None,
        abort_incomplete_upload_days=abort.days_after_initiation if abort else None,
        transition_storage_class=_storage_class(rule.transition),
        noncurrent_transition_storage_class=_storage_class(rule.noncurrent_version_transition),
    )


def _storage_class(transition: Any) -> str | None:
    """A transition's target class ("?" when the server named none), or None: no transition."""
    if transition is None:
        return None
    return str(getattr(transition, "storage_class", None) or "?")


def _ceil_second(value: datetime) -> datetime:
    """UTC, rounded up to a whole second (S3 stores seconds; never round retention down)."""
    if value.tzinfo is None:
        raise ValueError("retention dates must be timezone-aware")
    value = value.astimezone(UTC)
    if value.microsecond:
        value = value.replace(microsecond=0) + timedelta(seconds=1)
    return value


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _clean_metadata(metadata: dict[str, str]) -> dict[str, str]:
    """Lower-case keys, HTTP-safe values (S3 user metadata travels as headers)."""
    clean: dict[str, str] = {}
    for raw_key, value in metadata.items():
        key = raw_key.lower()
        if not _META_KEY.match(key):
            raise ValueError(f"metadata key {raw_key!r}: use [a-z0-9-]")
        if not value.isascii() or not value.isprintable():
            raise ValueError(f"metadata {raw_key!r}: value must be printable ASCII")
        clean[key] = value
    return clean
