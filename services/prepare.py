"""Check everything about a document request before anything is written.

:func:`prepare` reports every problem of a request at once: the envelope and the ``data``
(``domain.envelope.check_request``), each party's PKCS#12 (decoded and opened here, so a wrong
password is a 422 naming ``signatures[i].p12_password`` instead of a failure halfway through
archiving), and the ``supersedes`` target. Only a request that passes is rendered and written.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from domain.access import Caller
from domain.envelope import CheckedRequest, check_request
from domain.errors import Conflict, DomainValidationError, Problem
from domain.signatures import PartySignature
from services.records import Record, canonical_json, sha256_hex
from signing.errors import PdfSigningError
from signing.pdf_signer import PartySigner

__all__ = ["PreparedDocument", "prepare", "request_sha256"]


@dataclass(frozen=True)
class PreparedDocument:
    """A request that may be archived: checked, with its parties' certificates opened."""

    checked: CheckedRequest
    #: per party, in signing order: the opened certificate, or None for click-to-sign
    party_signers: tuple[PartySigner | None, ...]
    request_sha256: str

    @property
    def supersedes(self) -> str | None:
        return self.checked.request.supersedes


def request_sha256(raw: Any) -> str:
    """The hash that tells a retry (same body) from a reuse of its Idempotency-Key."""
    return sha256_hex(canonical_json(raw))


def prepare(raw: Any, caller: Caller, *,
            find_record: Callable[[str], Record | None]) -> PreparedDocument:
    """The prepared request, or DomainValidationError with every problem (Conflict when the
    record to correct already has its correction)."""
    checked, problems = check_request(raw)
    signers, p12_problems = _open_certificates(raw)
    problems += p12_problems
    target = _supersedes_target(raw, caller, find_record, problems)
    if problems or checked is None:
        raise DomainValidationError(problems)
    if target is not None and target.superseded_by:
        raise Conflict(f"记录「{target.id}」已被「{target.superseded_by}」更正，一条记录只能更正一次",
                       f"record {target.id!r} is already superseded by {target.superseded_by!r}; "
                       "a record is corrected once")
    return PreparedDocument(checked, tuple(signers), request_sha256(raw))


def _open_certificates(raw: Any) -> tuple[list[PartySigner | None], list[Problem]]:
    """Each party's PKCS#12 decoded and opened (certificate signatures), in order."""
    items = raw.get("signatures") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        return [], []
    signers: list[PartySigner | None] = []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        try:
            party = PartySignature.model_validate(item)
        except ValidationError:  # reported with its path by check_request
            signers.append(None)
            continue
        if party.method != "certificate" or party.p12 is None:
            signers.append(None)
            continue
        try:
            blob = base64.b64decode(party.p12, validate=True)
        except (binascii.Error, ValueError):
            problems.append(Problem(("signatures", i, "p12"), "p12_base64",
                                    "PKCS#12 证书不是有效的 base64", "p12 is not valid base64"))
            signers.append(None)
            continue
        try:
            signers.append(PartySigner.from_pkcs12(blob, party.p12_password))
        except PdfSigningError:
            problems.append(Problem(
                ("signatures", i, "p12_password"), "p12_unreadable",
                "PKCS#12 证书无法打开：口令错误，或不是含一个私钥和证书的 PKCS#12",
                "the PKCS#12 cannot be opened: wrong password, or not a PKCS#12 holding one "
                "private key and its certificate"))
            signers.append(None)
    return signers, problems


def _supersedes_target(raw: Any, caller: Caller, find_record: Callable[[str], Record | None],
                       problems: list[Problem]) -> Record | None:
    rid = raw.get("supersedes") if isinstance(raw, dict) else None
    if not isinstance(rid, str) or not rid or len(rid) > 40:
        return None  # absent, or reported by check_request
    target = find_record(rid)
    if target is None or target.tenant != caller.tenant or target.status != "archived":
        problems.append(Problem(("supersedes",), "unknown_record",
                                f"要更正的记录「{rid}」不存在或尚未归档",
                                f"record {rid!r} to be superseded does not exist or is not "
                                "archived"))
        return None
    return target
