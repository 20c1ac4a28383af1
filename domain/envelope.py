"""The one request shape for archiving a document: the synchronous route, an async job and every
batch item are a :class:`DocumentRequest`.

    {"type": "report", "profile": "shandong", "data": {…}, "supersedes": "AZX-…",
     "signatures": [{"role": "insured", "name": "…", "method": "click", …}]}

:func:`check_request` finds every problem of a request at once — its own fields, the document
type and profile, the ``data`` against that type's model, the parties' signature order — without
touching anything outside the domain. What needs the archive or the signing keys (the
``supersedes`` target, opening each PKCS#12) is checked by ``services.prepare``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from domain.budget import check_photo_budget
from domain.catalog import FormKind, get_kind, parse_data
from domain.common import Model
from domain.errors import DomainValidationError, Problem
from domain.signatures import PartySignature, check_signature_order
from domain.validation import problems_from_pydantic

__all__ = ["CheckedRequest", "DocumentRequest", "check_request", "idempotency_key_problem"]


class DocumentRequest(Model):
    """A document to archive."""

    # field names double as titles in problems ("field 'data' is required")
    type: str = Field(min_length=1, max_length=40,
                      description="文书类型 agreement | plan | report | callback | "
                                  "annual_evaluation | chengdu_table_1 … 13")
    profile: str | None = Field(None, min_length=1, max_length=40,
                                description="版本 shandong | national | chengdu")
    # the shape of ``data`` depends on ``type``: checked against that type's model
    data: dict[str, Any] = Field(description="文书内容（见 GET /v1/schemas/{type}）")
    supersedes: str | None = Field(None, min_length=1, max_length=40,
                                   description="更正的原记录编号")
    signatures: list[PartySignature] | None = Field(None, max_length=3, description="各方签署")

    def stored(self) -> dict[str, Any]:
        """The request as it may be kept (a job row, a pending record): never a party's
        certificate or password."""
        out = self.model_dump(mode="json", exclude={"signatures"})
        if self.signatures is not None:
            out["signatures"] = [p.model_dump(mode="json", exclude={"p12", "p12_password"},
                                              exclude_none=True) for p in self.signatures]
        return out


@dataclass(frozen=True)
class CheckedRequest:
    """A request whose fields, type, data and signature order are valid."""

    request: DocumentRequest
    kind: FormKind
    model: BaseModel

    @property
    def parties(self) -> list[PartySignature]:
        return list(self.request.signatures or [])



def check_request(raw: Any) -> tuple[CheckedRequest | None, list[Problem]]:
    """The checked request, or every problem found in it (not stage by stage)."""
    if not isinstance(raw, dict):
        return None, [Problem((), "object_type", "请求须为 JSON 对象 {type, profile, data}",
                              "the request must be a JSON object {type, profile, data}")]
    problems: list[Problem] = []
    request: DocumentRequest | None = None
    try:
        request = DocumentRequest.model_validate(raw)
    except ValidationError as exc:
        problems += problems_from_pydantic(exc, DocumentRequest, ())
    kind: FormKind | None = None
    doc_type, profile = raw.get("type"), raw.get("profile")
    if isinstance(doc_type, str) and doc_type and (profile is None or isinstance(profile, str)):
        try:
            kind = get_kind(doc_type, profile)
        except DomainValidationError as exc:
            problems += exc.problems
    model: BaseModel | None = None
    if kind is not None and isinstance(raw.get("data"), dict):
        try:
            check_photo_budget(kind.model, raw["data"], ("data",))  # before parsing decodes them
            model = parse_data(kind, raw["data"])
        except DomainValidationError as exc:
            problems += exc.problems
    if kind is not None and request is not None and request.signatures:
        problems += check_signature_order(kind.type, request.signatures)
    if problems or request is None or kind is None or model is None:
        return None, problems
    return CheckedRequest(request, kind, model), []


def idempotency_key_problem(value: str) -> Problem | None:
    """An Idempotency-Key is 1–200 visible ASCII characters (inner spaces allowed): an empty or
    blank key would make every request "the same" one."""
    if not value.strip():
        return Problem(("Idempotency-Key",), "blank_key", "Idempotency-Key 不能为空或只含空白",
                       "Idempotency-Key must not be empty or blank")
    if len(value) > 200 or not all(" " <= c <= "~" for c in value) or value != value.strip():
        return Problem(("Idempotency-Key",), "key_format",
                       "Idempotency-Key 须为 1–200 个可见 ASCII 字符（首尾不能是空格）",
                       "Idempotency-Key must be 1–200 visible ASCII characters (no leading or "
                       "trailing space)")
    return None
