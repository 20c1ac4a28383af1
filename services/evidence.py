"""A record's time stamp renewals as stored: the sealed statement beside each renewed PDF.

A renewal (``services.timestamps``) writes two new locked objects under ``records/<id>/``
(``domain.timestamps``): ``timestamps/<n>.pdf``, the previous evidence with one incremental
update (validation data and a new document time stamp), and ``timestamps/<n>.json``, a
:class:`RenewalStatement` sealed by the service's key ring (the manifest's key family, domain
``azx-timestamp-renewal/1``). The statement names the record, ``n``, the SHA-256 and storage
version of the new PDF, the evidence it extends (key, SHA-256, version) and its own time, so
that ``services.integrity`` accepts exactly these objects and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from services.records import ManifestSignature, canonical_json
from signing.keys import QrKeyRing
from signing.manifest_seal import RENEWAL_DOMAIN, ManifestSeal, seal_manifest, seal_verifies

__all__ = ["EvidenceRef", "RenewalCheck", "RenewalStatement", "check_statement"]


class EvidenceRef(BaseModel):
    """One locked PDF that carries a record's evidence (the archived one or a renewal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    sha256: str
    version_id: str | None


class RenewalStatement(BaseModel):
    """``records/<id>/timestamps/<n>.json``: the service's word that ``pdf`` is renewal ``n``
    of the record, extending ``previous``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statement: Literal["azx-timestamp-renewal/1"] = "azx-timestamp-renewal/1"
    record_id: str
    n: int
    pdf: EvidenceRef
    size: int
    previous: EvidenceRef
    previous_evidence_until: datetime
    evidence_until: datetime  # the new document time stamp's certificate end
    renewed_at: datetime
    retain_until: datetime
    signature: ManifestSignature | None = None

    def payload(self) -> bytes:
        return canonical_json(self.model_dump(mode="json", exclude={"signature"}))

    def sealed(self, ring: QrKeyRing) -> RenewalStatement:
        seal = seal_manifest(self.payload(), ring, domain=RENEWAL_DOMAIN)
        return self.model_copy(update={"signature": ManifestSignature(
            alg=seal.alg, kid=seal.kid, value=seal.value)})

    def content(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))


@dataclass(frozen=True)
class RenewalCheck:
    """A stored statement read back: ``valid`` (sealed by one of the keys) or why not."""

    statement: RenewalStatement | None
    problem: str | None = None

    @property
    def valid(self) -> bool:
        return self.statement is not None and self.problem is None


def check_statement(raw: bytes, keys: Mapping[str, Any]) -> RenewalCheck:
    """Parse a stored statement and verify its seal over the stored bytes as they are (minus
    the signature), as ``services.records.check_manifest`` does for manifests."""
    try:
        data = json.loads(raw)
    except ValueError:
        return RenewalCheck(None, "not JSON")
    if not isinstance(data, dict):
        return RenewalCheck(None, "not a JSON object")
    try:
        statement = RenewalStatement.model_validate(data)
    except ValidationError as exc:
        return RenewalCheck(None, f"not a renewal statement ({exc.error_count()} problems)")
    data.pop("signature", None)
    sig = statement.signature
    if sig is None:
        return RenewalCheck(statement, "not sealed by the service")
    if not seal_verifies(canonical_json(data), ManifestSeal(sig.kid, sig.value, sig.alg), keys,
                         domain=RENEWAL_DOMAIN):
        return RenewalCheck(statement, f"the seal (key {sig.kid}) does not verify")
    return RenewalCheck(statement)
