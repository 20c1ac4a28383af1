"""Named storage errors; the only exceptions the storage layer lets escape."""

from __future__ import annotations

__all__ = [
    "BucketMisconfigured",
    "ObjectExists",
    "ObjectNotFound",
    "PermissionDenied",
    "RetentionViolation",
    "StorageError",
    "StorageUnavailable",
    "StoreInUse",
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


class PermissionDenied(StorageError):
    """The server refused this identity the operation (``AccessDenied``) where no Object Lock
    is involved: e.g. the service identity, which may not change the bucket, asked to create
    or configure it. Not transient; another identity (the admin one) may be allowed. A HEAD
    request's 403 carries no body, so there a wrong secret looks the same."""


class BucketMisconfigured(StorageError):
    """The bucket lacks Object Lock or versioning, or its default retention is too weak."""


class StoreInUse(StorageError):
    """The embedded store's data dir is held by a server that is not ours to stop.

    Its owner (the process that started it, e.g. a running ``azx serve``) is alive, or the
    lock holder cannot be identified as this data dir's SeaweedFS. Nothing was stopped.
    """

    def __init__(self, message: str, *, root: str, owner_pid: int | None,
                 weed_pid: int | None) -> None:
        super().__init__(message)
        self.root = root
        """The store's directory (``<data_dir>/seaweedfs``)."""
        self.owner_pid = owner_pid
        """The live process that started the server, when known."""
        self.weed_pid = weed_pid
        """The process recorded as holding the lock, when known."""
