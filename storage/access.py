"""Who may do what on the archive bucket: the two S3 identities and their policy documents.

The **service** identity is what the running service holds: it puts, reads and lists objects
(every version), sets retention and legal hold on them, and reads the bucket's configuration
(so that fixity can audit it); it can change nothing at bucket level and delete nothing. The
**admin** identity creates the bucket with Object Lock, versioning and the default COMPLIANCE
rule, once, at start-up (``ensure_bucket``), and is not kept by the running store.

The same documents are the MinIO policies printed in README.md ("Pointing the service at a MinIO
cluster") and, for the service, the policy the embedded SeaweedFS attaches to its service
identity, so the tests that exercise the embedded server exercise this very policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SERVICE_BUCKET_ACTIONS",
    "SERVICE_FORBIDDEN_ACTIONS",
    "SERVICE_OBJECT_ACTIONS",
    "S3Credentials",
    "admin_policy",
    "service_policy",
]

# Read-only calls on the bucket itself: HEAD (readiness), listings, and the configuration that
# ensure_bucket verifies and services/bucket_audit.py checks.
SERVICE_BUCKET_ACTIONS = (
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetBucketLocation",
    "s3:GetBucketVersioning",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketPolicy",
    "s3:GetLifecycleConfiguration",
)
# MinIO shows an object's retention and legal hold only to holders of the Get… actions.
SERVICE_OBJECT_ACTIONS = (
    "s3:PutObject",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObjectRetention",
    "s3:GetObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:GetObjectLegalHold",
)
# Denied outright, so that another policy attached to the same user by mistake cannot grant
# them (an explicit Deny wins on MinIO, AWS and SeaweedFS). Only names MinIO accepts: it
# rejects a policy naming an action it does not know (it has no ACL actions at all).
SERVICE_FORBIDDEN_ACTIONS = (
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:ForceDeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketCors",
    "s3:DeleteBucketCors",
    "s3:PutBucketTagging",
    "s3:PutBucketNotification",
    "s3:PutEncryptionConfiguration",
    "s3:PutReplicationConfiguration",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:BypassGovernanceRetention",
)
_ADMIN_ACTIONS = (
    "s3:CreateBucket",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
    "s3:GetBucketObjectLockConfiguration",
    "s3:PutBucketObjectLockConfiguration",
)


@dataclass(frozen=True)
class S3Credentials:
    """One S3 identity's key pair."""

    access_key: str
    secret_key: str = field(repr=False)


def service_policy(bucket: str) -> dict[str, Any]:
    """The service identity's IAM policy for `bucket` (``"*"``: every bucket of the server)."""
    bucket_arn, objects_arn = _arns(bucket)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadTheBucket", "Effect": "Allow",
             "Action": list(SERVICE_BUCKET_ACTIONS), "Resource": [bucket_arn]},
            {"Sid": "WriteLockedObjects", "Effect": "Allow",
             "Action": list(SERVICE_OBJECT_ACTIONS), "Resource": [objects_arn]},
            {"Sid": "NeverChangeTheBucketOrDelete", "Effect": "Deny",
             "Action": list(SERVICE_FORBIDDEN_ACTIONS), "Resource": [bucket_arn, objects_arn]},
        ],
    }


def admin_policy(bucket: str) -> dict[str, Any]:
    """The admin identity's IAM policy: create `bucket` with Object Lock and versioning and set
    its default retention rule; nothing else (no bucket policy, no lifecycle, no objects)."""
    bucket_arn, _ = _arns(bucket)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "SetUpTheBucket", "Effect": "Allow",
             "Action": list(_ADMIN_ACTIONS), "Resource": [bucket_arn]},
        ],
    }


def _arns(bucket: str) -> tuple[str, str]:
    return f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"
