"""Named storage errors; the only exceptions the storage layer lets escape."""

from __future__ import annotations

__all__ = [
    "BucketMisconfigured",
    "ObjectExists",
    "ObjectNotFound",
    "RetentionViolation",
    "StorageError",
    "StorageUnavailable",
]


class StorageError(Exception):
    """Base class; also raised for unexpected server answers (e.g. bad credentials)."""


class StorageUnavailable(StorageError):
    """Transient: connection refused, timeout or a 5xx answer. Retrying may help."""


class ObjectNotFound(StorageError):
    """The key (or the given version of it) does not exist."""


class ObjectExists(StorageError):
    """Refused to write: the key already exists and archives are never overwritten."""


class RetentionViolation(StorageError):
    """Refused by Object Lock: delete, shorten retention or change a locked version."""


class BucketMisconfigured(StorageError):
    """The bucket lacks Object Lock or versioning, or its default retention is too weak."""
