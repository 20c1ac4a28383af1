"""The shapes of an archived record: its registry row, its manifest and what callers are shown.

One owner each:

* :class:`Record` — a registry row, typed (``records`` table); :meth:`Record.from_row` is the only
  place a row becomes a record;
* :class:`Manifest` — the record's ``manifest.json`` under lock, made by :func:`build_manifest`
  only, read back by :meth:`Manifest.parse` (verify, fixity, rebuild);
* :func:`describe` — the JSON a caller is shown for a record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from signing.keys import QrKeyRing
from signing.manifest_seal import ManifestSeal, seal_manifest, seal_verifies

__all__ = [
    "ARCHIVED",
    "FAILED",
    "MANIFEST",
    "PARTS",
    "PENDING",
    "KeyScope",
    "Manifest",
    "ManifestCheck",
    "ManifestSignature",
    "PartRef",
    "Record",
    "RecordPending",
    "SignerEntry",
    "Status",
    "build_manifest",
    "canonical_json",
    "check_manifest",
    "describe",
    "iso_utc",
    "record_prefix",
    "sha256_hex",
]

Status = Literal["pending", "archived", "failed"]
PENDING: Status = "pending"
ARCHIVED: Status = "archived"
FAILED: Status = "failed"

#: Who made an Idempotency-Key: the client (header) or the service for itself.
KeyScope = Literal["client", "job", "hazard", "ledger"]

MANIFEST = "manifest.json"
#: part name → (file name under records/<id>/, media type)
PARTS: dict[str, tuple[str, str]] = {
    "pdf": ("document.pdf", "application/pdf"),
    "docx": ("document.docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "json": ("source.json", "application/json"),
}


class RecordPending(Exception):
    """The record is accepted but not yet under lock (another writer holds it, or the store is
    away); it completes on its own — ask again shortly."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"record {record_id} is still being archived")
        self.record_id = record_id


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_prefix(record_id: str) -> str:
    return f"records/{record_id}/"


def iso_utc(v: datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    return v.isoformat()


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PartRef(_Shape):
    """One locked object of a record."""

    key: str
    sha256: str
    size: int
    version_id: str | None = None
    media_type: str


class SignerEntry(_Shape):
    """Who signed the archived PDF, in signing order (the service's seal last)."""

    role: str
    name: str
    method: Literal["click", "certificate"]
    label: str | None = None
    certificate: str | None = None  # the signing certificate's subject (method certificate)
    confirmed_at: str | None = None  # click-to-sign: when, how and the confirmation's reference
    channel: str | None = None
    reference: str | None = None


class ManifestSignature(_Shape):
    """The service's detached Ed25519 signature over the manifest (``signing.manifest_seal``)."""

    alg: str = "EdDSA"
    kid: str
    value: str


class Manifest(_Shape):
    """``records/<id>/manifest.json``: what the record is, and the version ID and SHA-256 of
    every locked part, sealed by the service (``signature``; absent on manifests written before
    manifests were sealed)."""

    manifest_version: int = 1
    id: str
    type: str
    profile: str
    title: str
    tenant: str
    policy_no: str | None = None
    insured: str | None = None
    template_version: str
    content_sha256: str
    parts: dict[str, PartRef]
    created_at: datetime
    archived_at: datetime | None = None
    retention_years: int | None = None
    retain_until: datetime
    supersedes: str | None = None
    links_to: str | None = None
    created_by: str | None = None
    idempotency_key: str | None = None
    key_scope: KeyScope = "client"
    request_sha256: str | None = None
    archive_items: list[dict[str, Any]] = Field(default_factory=list)
    signers: list[SignerEntry] = Field(default_factory=list)
    original_filename: str | None = None  # paper scans
    note: str | None = None
    signature: ManifestSignature | None = None

    @model_validator(mode="before")
    @classmethod
    def _scope_of_older_manifests(cls, data: Any) -> Any:
        """Manifests written before key scopes existed: the service's own keys by their form."""
        if isinstance(data, dict) and "key_scope" not in data:
            key = data.get("idempotency_key") or ""
            scope = ("hazard" if key.startswith("hazard-ledger:")
                     else "job" if key.startswith("job_") else "client")
            data = data | {"key_scope": scope}
        return data

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        """A stored manifest; ValueError if it is not one."""
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            raise ValueError(f"not a record manifest: {exc.error_count()} problems") from None

    def payload(self) -> bytes:
        """What the seal signs: the canonical JSON of everything but the signature."""
        return canonical_json(self.model_dump(mode="json", exclude={"signature"}))

    def sealed(self, ring: QrKeyRing) -> Manifest:
        seal = seal_manifest(self.payload(), ring)
        return self.model_copy(update={"signature": ManifestSignature(
            alg=seal.alg, kid=seal.kid, value=seal.value)})

    def content(self) -> bytes:
        return canonical_json(self.model_dump(mode="json", exclude_none=False))


@dataclass(frozen=True)
class ManifestCheck:
    """A stored manifest read back: ``valid`` (sealed by one of the keys), ``unsigned`` (written
    before manifests were sealed), ``invalid`` (a seal that does not verify) or ``unreadable``."""

    state: Literal["valid", "unsigned", "invalid", "unreadable"]
    manifest: Manifest | None = None
    detail: str | None = None

    @property
    def trusted(self) -> bool:
        return self.state == "valid"


def check_manifest(raw: bytes, keys: Mapping[str, Any]) -> ManifestCheck:
    """Parse a stored manifest and verify its seal against ``keys`` (a JWKS or {kid: key}).

    The seal is checked over the stored bytes as they are (minus the signature), not over a
    re-serialisation, so a field the model does not know cannot slip past it."""
    try:
        data = json.loads(raw)
    except ValueError:
        return ManifestCheck("unreadable", detail="not JSON")
    if not isinstance(data, dict):
        return ManifestCheck("unreadable", detail="not a JSON object")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        return ManifestCheck("unreadable", detail=f"not a record manifest ({exc.error_count()} "
                                                  "problems)")
    signature = data.pop("signature", None)
    if signature is None:
        return ManifestCheck("unsigned", manifest, "the manifest carries no seal")
    if manifest.signature is None:
        return ManifestCheck("invalid", manifest, "malformed seal")
    sig = manifest.signature
    if not seal_verifies(canonical_json(data), ManifestSeal(sig.kid, sig.value, sig.alg), keys):
        return ManifestCheck("invalid", manifest, f"the seal (key {sig.kid}) does not verify")
    return ManifestCheck("valid", manifest)


@dataclass(frozen=True)
class Record:
    """A registry row (table ``records``), typed."""

    id: str
    tenant: str
    doc_type: str
    profile: str
    title: str
    template_version: str
    content_sha256: str
    manifest_key: str
    created_at: datetime
    status: Status
    retain_until: datetime
    policy_no: str | None = None
    insured_name: str | None = None
    parts: dict[str, PartRef] = field(default_factory=dict)
    archived_at: datetime | None = None
    legal_hold: bool = False
    supersedes: str | None = None
    superseded_by: str | None = None
    links_to: str | None = None
    created_by: str | None = None
    idempotency_key: str | None = None
    key_scope: KeyScope = "client"
    request_sha256: str | None = None
    signers: list[SignerEntry] = field(default_factory=list)
    archive_items: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    lease_until: datetime | None = None
    manifest_version_id: str | None = None  # the one version of manifest.json this record is

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Record:
        values = dict(row)
        values["parts"] = {k: PartRef.model_validate(v) for k, v in (row["parts"] or {}).items()}
        values["signers"] = [SignerEntry.model_validate(s) for s in row["signers"] or []]
        values["archive_items"] = list(row["archive_items"] or [])
        values["legal_hold"] = bool(row["legal_hold"])
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in names})

    def row(self) -> dict[str, Any]:
        """The values of its registry row."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["parts"] = {k: v.model_dump() for k, v in self.parts.items()}
        out["signers"] = [s.model_dump(exclude_none=True) for s in self.signers]
        return out

    @classmethod
    def from_manifest(cls, m: Manifest, *, retain_until: datetime | None = None,
                      legal_hold: bool = False, manifest_version_id: str | None = None) -> Record:
        """The registry row a manifest stands for (``azx registry rebuild``)."""
        return cls(
            id=m.id, tenant=m.tenant, doc_type=m.type, profile=m.profile, title=m.title,
            template_version=m.template_version, content_sha256=m.content_sha256,
            manifest_key=record_prefix(m.id) + MANIFEST, created_at=m.created_at,
            status=ARCHIVED, retain_until=retain_until or m.retain_until,
            policy_no=m.policy_no, insured_name=m.insured, parts=dict(m.parts),
            archived_at=m.archived_at, legal_hold=legal_hold, supersedes=m.supersedes,
            links_to=m.links_to, created_by=m.created_by, idempotency_key=m.idempotency_key,
            key_scope=m.key_scope, request_sha256=m.request_sha256, signers=list(m.signers),
            archive_items=list(m.archive_items), manifest_version_id=manifest_version_id)


def build_manifest(record: Record, parts: Mapping[str, PartRef], *, archived_at: datetime,
                   retention_years: int, signers: list[SignerEntry],
                   original_filename: str | None = None, note: str | None = None) -> Manifest:
    """The one place a manifest is made."""
    return Manifest(
        id=record.id, type=record.doc_type, profile=record.profile, title=record.title,
        tenant=record.tenant, policy_no=record.policy_no, insured=record.insured_name,
        template_version=record.template_version, content_sha256=record.content_sha256,
        parts=dict(parts), created_at=record.created_at, archived_at=archived_at,
        retention_years=retention_years, retain_until=record.retain_until,
        supersedes=record.supersedes, links_to=record.links_to, created_by=record.created_by,
        idempotency_key=record.idempotency_key, key_scope=record.key_scope,
        request_sha256=record.request_sha256, archive_items=record.archive_items,
        signers=signers, original_filename=original_filename, note=note)


def describe(record: Record) -> dict[str, Any]:
    """What a caller of the API is shown for a record of its tenant."""
    rid = record.id
    base = f"/v1/documents/{rid}"
    out: dict[str, Any] = {
        "id": rid, "type": record.doc_type, "profile": record.profile, "title": record.title,
        "tenant": record.tenant, "policy_no": record.policy_no, "insured": record.insured_name,
        "template_version": record.template_version, "status": record.status,
        "content_sha256": record.content_sha256,
        "parts": {k: {"sha256": v.sha256, "size": v.size} for k, v in record.parts.items()},
        "created_at": iso_utc(record.created_at), "archived_at": iso_utc(record.archived_at),
        "retain_until": iso_utc(record.retain_until), "legal_hold": record.legal_hold,
        "supersedes": record.supersedes, "superseded_by": record.superseded_by,
        "archive_items": record.archive_items, "links_to": record.links_to,
        "links": {"self": base, "verify": f"/verify/{rid}",
                  **{name: f"{base}.{name}" for name in record.parts}},
    }
    if record.failure is not None:
        out["failure"] = record.failure
    return out
