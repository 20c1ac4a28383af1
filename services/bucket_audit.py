"""Is the archive bucket itself still safe? Its Object Lock default rule, versioning, bucket
policy and lifecycle rules, checked against what a five-year COMPLIANCE archive needs.

Part of fixity (``services.fixity``): reports findings by severity and changes nothing. A healthy
bucket gives no finding at all, so a clean fixity report stays clean.

Read with whatever identity the caller's store holds: the service identity may read all four
(``storage.access.SERVICE_BUCKET_ACTIONS``), so the running service audits its bucket without the
admin credentials, which it uses only to set the bucket up. A store that may not read them gives
one ``error`` finding saying so.

Severities: ``critical`` — archived data can be exposed, hidden or destroyed (no Object Lock, no
or bypassable default rule, versioning off, anyone granted access, rules that expire versions);
``error`` — protection weaker than configured (a default rule shorter than the retention);
``warning`` — something the archive does not need that someone should review (any bucket policy,
transitions to another storage class); ``info`` — harmless housekeeping rules (removing expired
delete markers, aborting incomplete uploads) and disabled rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from core.settings import Settings
from storage.errors import StorageError, StorageUnavailable
from storage.objectstore import BucketConfig, LifecycleRule, ObjectStore

__all__ = ["BucketFinding", "Severity", "audit_bucket", "check_bucket"]

Severity = Literal["critical", "error", "warning", "info"]
_COMPLIANCE = "COMPLIANCE"
_DAYS_PER_YEAR = 365  # as S3 counts a default rule given in years


@dataclass(frozen=True)
class BucketFinding:
    """One problem (or remark) about the bucket's own configuration."""

    severity: Severity
    what: str


def audit_bucket(store: ObjectStore, settings: Settings) -> list[BucketFinding]:
    """Read the bucket's configuration through `store` and check it (:func:`check_bucket`).

    Raises :class:`~storage.errors.StorageUnavailable` when the store does not answer (as
    fixity does: nothing can be said then); any other storage error is one ``error`` finding.
    """
    try:
        config = store.bucket_config()
    except StorageUnavailable:
        raise
    except StorageError as exc:
        return [BucketFinding("error", f"bucket {store.bucket}: its configuration could not "
                                       f"be read, so it was not checked: {exc}")]
    return check_bucket(config, settings.retention_years)


def check_bucket(config: BucketConfig, retention_years: int) -> list[BucketFinding]:
    """Every finding about `config` for an archive kept `retention_years` (pure)."""
    return [
        *_lock_findings(config, retention_years),
        *_versioning_findings(config.versioning),
        *_policy_findings(config.policy),
        *(f for rule in config.lifecycle for f in _lifecycle_findings(rule)),
    ]


def _lock_findings(config: BucketConfig, years: int) -> Iterator[BucketFinding]:
    if not config.object_lock:
        yield BucketFinding("critical", "Object Lock is not enabled on the bucket (it can only be "
                                        "enabled when a bucket is created): use a new bucket")
        return
    if config.lock_mode is None:
        yield BucketFinding("critical", "the bucket has no default retention rule: a version "
                                        "written without lock headers is not locked (the "
                                        "service sets the rule again at its next start)")
        return
    rule = f"{config.lock_mode} {config.lock_duration} {config.lock_unit}"
    if config.lock_mode != _COMPLIANCE:
        yield BucketFinding("critical", f"the default retention rule is {rule}: versions written "
                                        f"without lock headers can be deleted by whoever may "
                                        f"bypass governance retention; it must be COMPLIANCE")
    days = config.lock_days or 0
    if days < years * _DAYS_PER_YEAR:
        yield BucketFinding("error", f"the default retention rule ({rule}) is shorter than the "
                                     f"archive's {years} years")


def _versioning_findings(status: str | None) -> Iterator[BucketFinding]:
    if status == "Enabled":
        return
    state = "suspended" if status == "Suspended" else "not enabled"
    yield BucketFinding("critical", f"versioning is {state}: a write to an existing key "
                                    f"replaces its bytes instead of adding a version")


def _policy_findings(policy: str | None) -> Iterator[BucketFinding]:
    if policy is None:
        return
    try:
        statements = _statements(json.loads(policy))
    except (ValueError, TypeError) as exc:
        yield BucketFinding("error", f"the bucket has a policy that cannot be read ({exc}); "
                                     f"the archive needs none: review it")
        return
    public = [s for s in statements if _grants_anyone(s)]
    for statement in public:
        yield BucketFinding("critical", f"the bucket policy grants {_actions(statement)} to "
                                        f"anyone, anonymous requests included "
                                        f"({_name(statement, statements)})")
    if not public:
        yield BucketFinding("warning", f"the bucket has a policy ({len(statements)} "
                                       f"statement(s)); the archive needs none: review it")


def _statements(document: Any) -> list[dict[str, Any]]:
    found = document["Statement"]
    found = found if isinstance(found, list) else [found]
    if not all(isinstance(s, dict) for s in found):
        raise ValueError("a statement is not an object")
    return found


def _grants_anyone(statement: dict[str, Any]) -> bool:
    """An Allow whose principal is anyone: "*", {"AWS": "*"}, any wildcard, or NotPrincipal
    (everyone but the ones named). Conditions do not make it private: they are often
    source-address or referer tests that a stranger can meet."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        return True
    return any("*" in p for p in _flatten(statement.get("Principal")))


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v)
    elif isinstance(value, list):
        for v in value:
            yield from _flatten(v)


def _actions(statement: dict[str, Any]) -> str:
    if "NotAction" in statement:
        return "every action except " + ", ".join(sorted(_flatten(statement["NotAction"])))
    return ", ".join(sorted(_flatten(statement.get("Action")))) or "(no action named)"


def _name(statement: dict[str, Any], statements: list[dict[str, Any]]) -> str:
    sid = statement.get("Sid")
    return f"statement {sid!r}" if sid else f"statement {statements.index(statement) + 1}"


def _lifecycle_findings(rule: LifecycleRule) -> Iterator[BucketFinding]:
    name = f"lifecycle rule {rule.rule_id or '(unnamed)'} on {_scope(rule)}"
    destructive = [*_expirations(rule)]
    if not rule.enabled:
        if destructive:
            yield BucketFinding("info", f"{name} is disabled; enabled, it "
                                        f"{' and '.join(destructive)}")
        return
    for what in destructive:
        yield BucketFinding("critical", f"{name} {what}")
    for storage_class, versions in ((rule.transition_storage_class, "current"),
                                    (rule.noncurrent_transition_storage_class, "noncurrent")):
        if storage_class is not None:
            yield BucketFinding("warning", f"{name} moves {versions} versions to storage class "
                                           f"{storage_class}: check that the lock follows them")
    if rule.expired_object_delete_marker:
        yield BucketFinding("info", f"{name} removes delete markers that hide no version")
    if rule.abort_incomplete_upload_days is not None:
        yield BucketFinding("info", f"{name} aborts uploads left incomplete after "
                                    f"{rule.abort_incomplete_upload_days} days")


def _expirations(rule: LifecycleRule) -> Iterator[str]:
    """What the rule would expire: current versions (hidden behind delete markers while locked,
    deleted once the lock ends) or noncurrent versions (deleted as soon as unlocked)."""
    if rule.expiration_days is not None:
        yield f"expires current versions {rule.expiration_days} days after they are written"
    if rule.expiration_date is not None:
        yield f"expires current versions on {rule.expiration_date:%Y-%m-%d}"
    if rule.noncurrent_expiration_days is not None:
        yield (f"deletes noncurrent versions {rule.noncurrent_expiration_days} days after "
               f"they are replaced")


def _scope(rule: LifecycleRule) -> str:
    return f"keys under {rule.prefix!r}" if rule.prefix else "the whole bucket"
