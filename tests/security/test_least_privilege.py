"""The service's S3 identity archives and locks, and can change nothing at bucket level; fixity
sees a bucket someone else weakened (issue 12, finding 2: least privilege).

Tried as the issue's tester did, against a real SeaweedFS, with the very credentials the store
keeps: every bucket-level change is sent straight to the server with the raw minio client (so
our own code cannot be what refuses), and must come back ``AccessDenied`` — not
``InvalidBucketState`` or ``BucketNotEmpty``, which refuse even an all-powerful identity — with
the bucket's configuration unchanged.

Two servers: ``product``, started exactly as ``azx serve`` starts it (``open_object_store``: the
admin identity sets the bucket up, the store handed back holds the service identity, whose policy
names that one bucket); and ``lab``, the same two identities with the same service policy for any
bucket (plus the README's MinIO admin policy on a third identity), where each audit test gets a
bucket of its own to break with the admin identity and then audits it with the service identity.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED, GOVERNANCE, Filter, Tags
from minio.error import S3Error
from minio.lifecycleconfig import (
    AbortIncompleteMultipartUpload,
    Expiration,
    LifecycleConfig,
    NoncurrentVersionExpiration,
    Rule,
)
from minio.objectlockconfig import DAYS, YEARS, ObjectLockConfig
from minio.sseconfig import Rule as SseRule
from minio.sseconfig import SSEConfig
from minio.versioningconfig import SUSPENDED, VersioningConfig

from core.settings import Settings
from services.bucket_audit import BucketFinding, audit_bucket, check_bucket
from storage import (
    EmbeddedS3,
    MinioObjectStore,
    PermissionDenied,
    StorageUnavailable,
    open_object_store,
)
from storage.access import S3Credentials, admin_policy, service_policy
from storage.objectstore import BucketConfig, LifecycleRule

pytestmark = pytest.mark.s3

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.7\n% azx least-privilege test\n"
XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def _until(days: int = 5 * 366) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


@dataclass
class Server:
    """A running SeaweedFS with a store per identity on one bucket."""

    s3: EmbeddedS3
    service: MinioObjectStore
    admin: MinioObjectStore
    settings: Settings

    def as_(self, who: S3Credentials, bucket: str) -> MinioObjectStore:
        return MinioObjectStore(self.s3.endpoint, who.access_key, who.secret_key, bucket)


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("least-privilege"),
                        s3_bucket=f"azx-lp-{uuid.uuid4().hex[:10]}")
    store, s3 = open_object_store(settings)
    assert s3 is not None and isinstance(store, MinioObjectStore)
    s3.stop_timeout = 1.0
    admin = MinioObjectStore(s3.endpoint, s3.admin_credentials.access_key,
                             s3.admin_credentials.secret_key, settings.s3_bucket)
    try:
        yield Server(s3, store, admin, settings)
    finally:
        store.close()
        admin.close()
        s3.stop()


MINIO_ADMIN = S3Credentials("minio-admin", "minio-admin-secret-" + uuid.uuid4().hex)
LAB_BUCKET = "azx-lab-minio-admin"  # the only bucket the README's admin policy names here


class _Lab(EmbeddedS3):
    """The product's two identities, the service policy for any bucket, and a third identity
    holding the README's MinIO admin policy (SeaweedFS evaluates IAM policies too)."""

    def s3_config(self) -> dict[str, Any]:
        config = super().s3_config()
        config["identities"].append({
            "name": "minio-admin", "policyNames": ["minio-admin"],
            "credentials": [{"accessKey": MINIO_ADMIN.access_key,
                             "secretKey": MINIO_ADMIN.secret_key}]})
        config["policies"].append({"name": "minio-admin",
                                   "content": json.dumps(admin_policy(LAB_BUCKET))})
        return config


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Lab]:
    with _Lab(tmp_path_factory.mktemp("lab"), "azx-lab", admin_access_key="azx-lab-admin",
              stop_timeout=1.0) as server:
        yield server


@pytest.fixture
def lab_bucket(lab: _Lab) -> Iterator[Server]:
    """A bucket of its own, set up as ensure_bucket does, with a store per identity."""
    bucket = f"azx-audit-{uuid.uuid4().hex[:10]}"
    admin = MinioObjectStore(lab.endpoint, lab.admin_credentials.access_key,
                             lab.admin_credentials.secret_key, bucket)
    service = MinioObjectStore(lab.endpoint, lab.access_key, lab.secret_key, bucket)
    admin.ensure_bucket(default_retention_years=5)
    try:
        yield Server(lab, service, admin, Settings(s3_bucket=bucket))
    finally:
        admin.close()
        service.close()


def _put(client: Minio, bucket: str, query: str, body: bytes = b"", key: str | None = None,
         headers: dict[str, str] | None = None) -> None:
    """A raw PUT ?`query` (what minio's client has no method for), with its Content-MD5."""
    sent: dict[str, str | list[str] | tuple[str]] = {
        "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
    sent.update(headers or {})
    client._execute("PUT", bucket, key, body=body, headers=sent, query_params={query: ""})


def _delete(client: Minio, bucket: str, query: str) -> None:
    client._execute("DELETE", bucket, query_params={query: ""})


def _public_read(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/*"]}]})


def _lifecycle(*rules: Rule) -> LifecycleConfig:
    return LifecycleConfig(list(rules))


def _expire_after_one_day() -> Rule:
    return Rule(ENABLED, rule_filter=Filter(prefix=""), rule_id="expire-1d",
                expiration=Expiration(days=1))


def _no_default_rule() -> bytes:
    return (f"<ObjectLockConfiguration {XMLNS}><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
            f"</ObjectLockConfiguration>").encode()


def _tags() -> Tags:
    tags = Tags.new_bucket_tags()
    tags["owner"] = "someone-else"
    return tags


# Every bucket-level change SeaweedFS supports, and the two ways to hide or replace an archived
# object's latest version that need more than s3:PutObject. Each takes (raw client, bucket, key).
BUCKET_CHANGES: dict[str, Callable[[Minio, str, str], object]] = {
    "put a public-read bucket policy": lambda c, b, k: c.set_bucket_policy(b, _public_read(b)),
    "delete the bucket policy": lambda c, b, k: c.delete_bucket_policy(b),
    "put a 1-day expiry lifecycle rule": lambda c, b, k: c.set_bucket_lifecycle(
        b, _lifecycle(_expire_after_one_day())),
    "delete the lifecycle configuration": lambda c, b, k: c.delete_bucket_lifecycle(b),
    "weaken the default lock rule to 1 day": lambda c, b, k: c.set_object_lock_config(
        b, ObjectLockConfig(COMPLIANCE, 1, DAYS)),
    "turn the default lock rule to GOVERNANCE": lambda c, b, k: c.set_object_lock_config(
        b, ObjectLockConfig(GOVERNANCE, 5, YEARS)),
    "delete the default lock rule": lambda c, b, k: _put(c, b, "object-lock", _no_default_rule()),
    "suspend versioning": lambda c, b, k: c.set_bucket_versioning(b, VersioningConfig(SUSPENDED)),
    "delete the bucket": lambda c, b, k: c.remove_bucket(b),
    "create another bucket": lambda c, b, k: c.make_bucket(b + "-other", object_lock=True),
    "grant public-read by bucket ACL": lambda c, b, k: _put(
        c, b, "acl", headers={"x-amz-acl": "public-read"}),
    "grant public-read by object ACL": lambda c, b, k: _put(
        c, b, "acl", key=k, headers={"x-amz-acl": "public-read"}),
    "put a CORS rule for any origin": lambda c, b, k: _put(c, b, "cors", (
        b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET"
        b"</AllowedMethod></CORSRule></CORSConfiguration>")),
    "delete the CORS configuration": lambda c, b, k: _delete(c, b, "cors"),
    "put bucket tags": lambda c, b, k: c.set_bucket_tags(b, _tags()),
    "put a bucket encryption rule": lambda c, b, k: c.set_bucket_encryption(
        b, SSEConfig(SseRule.new_sse_s3_rule())),
    "put a public access block": lambda c, b, k: _put(c, b, "publicAccessBlock", (
        f"<PublicAccessBlockConfiguration {XMLNS}><BlockPublicPolicy>false</BlockPublicPolicy>"
        f"</PublicAccessBlockConfiguration>").encode()),
    "put ownership controls": lambda c, b, k: _put(c, b, "ownershipControls", (
        f"<OwnershipControls {XMLNS}><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership>"
        f"</Rule></OwnershipControls>").encode()),
    "hide an archived PDF behind a delete marker": lambda c, b, k: c.remove_object(b, k),
}


@pytest.fixture(scope="module")
def archived(product: Server) -> str:
    """A PDF archived through the service's store, as every record part is."""
    key = f"records/{uuid.uuid4().hex}/document.pdf"
    product.service.put_locked(key, PDF, "application/pdf", _until())
    return key


@pytest.mark.parametrize("change", list(BUCKET_CHANGES))
def test_the_service_identity_is_refused_every_bucket_level_change(
        product: Server, archived: str, change: str) -> None:
    before = product.admin.bucket_config()
    with pytest.raises(S3Error) as refused:
        BUCKET_CHANGES[change](product.service.client, product.service.bucket, archived)
    assert refused.value.code == "AccessDenied", refused.value
    assert product.admin.bucket_config() == before
    assert product.admin.get(archived) == PDF  # still the latest version, readable
    assert product.admin.client.bucket_exists(product.service.bucket + "-other") is False


def test_a_refused_public_policy_leaves_anonymous_readers_out(
        product: Server, archived: str) -> None:
    with pytest.raises(S3Error):
        product.service.client.set_bucket_policy(product.service.bucket,
                                                 _public_read(product.service.bucket))
    anonymous = urllib3.PoolManager().request(
        "GET", f"http://{product.s3.endpoint}/{product.service.bucket}/{archived}")
    assert anonymous.status == 403 and PDF not in anonymous.data


def test_the_service_identity_archives_reads_lists_extends_and_holds(product: Server) -> None:
    store, key = product.service, f"records/{uuid.uuid4().hex}/document.pdf"
    v = store.put_locked(key, PDF, "application/pdf", _until(), legal_hold=True)
    assert store.get(key) == store.get(key, v.version_id) == PDF
    assert key in set(store.list("records/"))
    listed = store.client.list_objects(store.bucket, prefix=key, include_version=True)
    assert [o.version_id for o in listed] == [v.version_id]
    info = store.stat(key, v.version_id)
    assert (info.retention_mode, info.legal_hold) == (COMPLIANCE, True)
    later = _until(11 * 366)
    store.extend_retention(key, v.version_id, later)
    assert store.stat(key, v.version_id).retain_until == later
    store.set_legal_hold(key, v.version_id, False)
    assert store.stat(key, v.version_id).legal_hold is False
    store.set_legal_hold(key, v.version_id, True)
    assert store.stat(key, v.version_id).legal_hold is True
    assert store.ping()


def test_only_the_admin_identity_sets_a_bucket_up(product: Server) -> None:
    fresh = product.service.bucket + "-fresh"
    with product.as_(product.s3.service_credentials, fresh) as service, pytest.raises(PermissionDenied):
        service.ensure_bucket(default_retention_years=5)
    assert product.admin.client.bucket_exists(fresh) is False
    with product.as_(product.s3.admin_credentials, fresh) as admin:
        admin.ensure_bucket(default_retention_years=5)
        config = admin.bucket_config()
    assert (config.object_lock, config.versioning) == (True, "Enabled")
    assert (config.lock_mode, config.lock_duration, config.lock_unit) == (COMPLIANCE, 5, YEARS)
    # the product's own bucket was set up the same way, by the admin, at start-up
    assert product.service.bucket_config() == BucketConfig(
        object_lock=True, lock_mode=COMPLIANCE, lock_duration=product.settings.retention_years,
        lock_unit=YEARS, versioning="Enabled", policy=None, lifecycle=())


def test_the_service_identity_may_use_no_other_bucket(product: Server) -> None:
    other = product.service.bucket + "-neighbour"
    with product.as_(product.s3.admin_credentials, other) as admin:
        admin.ensure_bucket(default_retention_years=5)
        admin.put_locked("r/a.pdf", PDF, "application/pdf", _until())
    with product.as_(product.s3.service_credentials, other) as service:
        for attempt in (lambda: service.get("r/a.pdf"),
                        lambda: service.put_locked("r/b.pdf", PDF, "application/pdf", _until()),
                        lambda: list(service.list("r/"))):
            with pytest.raises(PermissionDenied):
                attempt()


@pytest.mark.xfail(strict=True, reason=(
    "s3:PutObject cannot be granted for new keys only (neither SeaweedFS nor MinIO evaluates "
    "an If-None-Match condition in IAM policies): the service identity can add a version over "
    "an archived key. The first version stays locked and readable by its version id, the new "
    "one is itself locked by the default rule, and fixity reports a record with a second "
    "version (services/integrity.py)."))
def test_the_service_identity_cannot_put_a_new_version_over_an_archived_pdf(
        product: Server) -> None:
    key = f"records/{uuid.uuid4().hex}/document.pdf"  # its own: the forgery would stay
    product.service.put_locked(key, PDF, "application/pdf", _until())
    with pytest.raises(S3Error):
        product.service.client.put_object(product.service.bucket, key,
                                          io.BytesIO(b"forged"), 6)


# -- the README's MinIO policies --------------------------------------------------------------


def _readme_policies() -> dict[str, Any]:
    """The JSON documents of README.md's MinIO section, by the heading line above each."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Pointing the service at a MinIO cluster", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"`(azx-(?:service|admin)\.json)` —[^`]*```json\n(.*?)```", section,
                        re.S)
    return {name: json.loads(body) for name, body in blocks}


def test_the_readme_policies_are_the_ones_the_code_and_these_tests_use() -> None:
    bucket = Settings.model_fields["s3_bucket"].default
    assert _readme_policies() == {"azx-service.json": service_policy(bucket),
                                  "azx-admin.json": admin_policy(bucket)}


def test_the_readme_admin_policy_sets_a_bucket_up_and_does_nothing_else(lab: _Lab) -> None:
    with MinioObjectStore(lab.endpoint, MINIO_ADMIN.access_key, MINIO_ADMIN.secret_key,
                          LAB_BUCKET) as minio_admin:
        minio_admin.ensure_bucket(default_retention_years=5)
        minio_admin.ensure_bucket(default_retention_years=5)  # an existing bucket: verified
        raw = minio_admin.client
        for attempt in (lambda: raw.set_bucket_policy(LAB_BUCKET, _public_read(LAB_BUCKET)),
                        lambda: raw.set_bucket_lifecycle(LAB_BUCKET,
                                                         _lifecycle(_expire_after_one_day())),
                        lambda: raw.put_object(LAB_BUCKET, "x.pdf", io.BytesIO(PDF), len(PDF)),
                        lambda: raw.make_bucket(LAB_BUCKET + "-other")):
            with pytest.raises(S3Error) as refused:
                attempt()
            assert refused.value.code == "AccessDenied"
    with MinioObjectStore(lab.endpoint, lab.access_key, lab.secret_key, LAB_BUCKET) as service:
        assert audit_bucket(service, Settings()) == []


# -- fixity checks the bucket --------------------------------------------------------------------


def _severities(findings: list[BucketFinding], word: str) -> list[str]:
    return [f.severity for f in findings if word in f.what]


def test_a_bucket_set_up_by_the_service_audits_clean_with_the_service_identity(
        product: Server) -> None:
    assert audit_bucket(product.service, product.settings) == []


def test_a_public_read_policy_is_critical(lab_bucket: Server) -> None:
    bucket = lab_bucket.service.bucket
    lab_bucket.service.put_locked("r/a.pdf", PDF, "application/pdf", _until())
    lab_bucket.admin.client.set_bucket_policy(bucket, _public_read(bucket))
    anonymous = urllib3.PoolManager().request(
        "GET", f"http://{lab_bucket.s3.endpoint}/{bucket}/r/a.pdf")
    assert (anonymous.status, anonymous.data) == (200, PDF)  # why it is critical

    findings = audit_bucket(lab_bucket.service, lab_bucket.settings)
    assert [(f.severity, "s3:GetObject" in f.what, "anyone" in f.what) for f in findings] == [
        ("critical", True, True)]


def test_an_expiry_lifecycle_rule_is_critical_and_housekeeping_rules_are_info(
        lab_bucket: Server) -> None:
    lab_bucket.admin.client.set_bucket_lifecycle(lab_bucket.service.bucket, _lifecycle(
        _expire_after_one_day(),
        Rule(ENABLED, rule_filter=Filter(prefix="records/"), rule_id="drop-old-versions",
             noncurrent_version_expiration=NoncurrentVersionExpiration(noncurrent_days=3)),
        Rule(ENABLED, rule_filter=Filter(prefix=""), rule_id="uploads",
             abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(
                 days_after_initiation=2)),
        Rule(ENABLED, rule_filter=Filter(prefix=""), rule_id="markers",
             expiration=Expiration(expired_object_delete_marker=True))))

    findings = audit_bucket(lab_bucket.service, lab_bucket.settings)
    assert _severities(findings, "expire-1d") == ["critical"]
    assert _severities(findings, "drop-old-versions") == ["critical"]
    assert "keys under 'records/'" in next(f.what for f in findings
                                            if "drop-old-versions" in f.what)
    assert _severities(findings, "uploads") == ["info"]
    assert _severities(findings, "markers") == ["info"]


@pytest.mark.parametrize(("rule", "expected"), [
    (None, ["critical"]),
    (ObjectLockConfig(COMPLIANCE, 1, DAYS), ["error"]),
    (ObjectLockConfig(GOVERNANCE, 5, YEARS), ["critical"]),
    (ObjectLockConfig(COMPLIANCE, 6, YEARS), []),
])
def test_a_missing_or_weakened_default_lock_rule_is_reported(
        lab_bucket: Server, rule: ObjectLockConfig | None, expected: list[str]) -> None:
    raw, bucket = lab_bucket.admin.client, lab_bucket.service.bucket
    if rule is None:
        _put(raw, bucket, "object-lock", _no_default_rule())
    else:
        raw.set_object_lock_config(bucket, rule)
    findings = audit_bucket(lab_bucket.service, lab_bucket.settings)
    assert [f.severity for f in findings] == expected, findings


def test_suspended_versioning_is_critical(lab: _Lab) -> None:
    # S3 refuses to suspend versioning where Object Lock is on, so this bucket has none: the
    # audit says both
    bucket = f"azx-plain-{uuid.uuid4().hex[:10]}"
    with MinioObjectStore(lab.endpoint, lab.admin_credentials.access_key,
                          lab.admin_credentials.secret_key, bucket) as admin:
        admin.client.make_bucket(bucket)
        admin.client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
        admin.client.set_bucket_versioning(bucket, VersioningConfig(SUSPENDED))
    with MinioObjectStore(lab.endpoint, lab.access_key, lab.secret_key, bucket) as service:
        findings = audit_bucket(service, Settings(s3_bucket=bucket))
    assert _severities(findings, "versioning is suspended") == ["critical"]
    assert _severities(findings, "Object Lock is not enabled") == ["critical"]
    assert len(findings) == 2


def test_a_bucket_the_identity_may_not_read_is_an_error_not_a_clean_report(
        product: Server) -> None:
    with product.as_(product.s3.service_credentials, "azx-someone-elses") as stranger:
        findings = audit_bucket(stranger, product.settings)
    assert [f.severity for f in findings] == ["error"]
    assert "could not be read" in findings[0].what


def test_an_unreachable_store_is_no_finding_but_unavailable() -> None:
    with MinioObjectStore("127.0.0.1:9", "ak", "sk", "azx-nowhere") as nowhere, \
            pytest.raises(StorageUnavailable):
        audit_bucket(nowhere, Settings())


# -- policies the audit reads (pure) -----------------------------------------------------------


def _with_policy(policy: str) -> BucketConfig:
    return BucketConfig(object_lock=True, lock_mode=COMPLIANCE, lock_duration=5, lock_unit=YEARS,
                        versioning="Enabled", policy=policy, lifecycle=())


def _statement(**fields: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"} | fields]})


@pytest.mark.parametrize(("policy", "expected"), [
    (_statement(Principal="*"), "critical"),
    (_statement(Principal={"AWS": ["*"]}), "critical"),
    (_statement(Principal={"AWS": "arn:aws:iam::*:root"}), "critical"),
    (_statement(NotPrincipal={"AWS": "arn:aws:iam::1:user/azx"}), "critical"),
    (_statement(Principal="*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
     "critical"),
    (_statement(Principal={"AWS": "arn:aws:iam::1:user/auditor"}), "warning"),
    (_statement(Principal="*", Effect="Deny"), "warning"),
    ("{not json", "error"),
])
def test_any_bucket_policy_is_reported_and_one_for_anyone_is_critical(
        policy: str, expected: str) -> None:
    assert [f.severity for f in check_bucket(_with_policy(policy), 5)] == [expected]


def test_a_disabled_expiry_rule_is_only_info() -> None:
    rule = LifecycleRule(rule_id="off", enabled=False, prefix=None, expiration_days=1,
                         expiration_date=None, expired_object_delete_marker=False,
                         noncurrent_expiration_days=None, abort_incomplete_upload_days=None,
                         transition_storage_class=None, noncurrent_transition_storage_class=None)
    config = BucketConfig(object_lock=True, lock_mode=COMPLIANCE, lock_duration=5,
                          lock_unit=YEARS, versioning="Enabled", policy=None, lifecycle=(rule,))
    assert [f.severity for f in check_bucket(config, 5)] == ["info"]
