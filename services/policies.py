"""Policies as first-class records of a tenant: registered once, read with their documents.

A policy's terms (``domain.policies.PolicyTerms``) decide its obligations. Archived documents
link to a policy by its number within the tenant (records carry ``policy_no``): a document may be
archived before its policy is registered, and links as soon as it is.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, and_, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from domain.access import Action, Caller, require
from domain.errors import Conflict, NotFound
from domain.policies import PolicyTerms
from domain.validation import parse_model
from services.audit import AuditLog
from services.records import iso_utc
from storage.tables import policies, records

__all__ = ["PolicyService", "describe_policy", "policy_links", "policy_terms"]

_RECENT = 20


def policy_terms(row: Any) -> PolicyTerms:
    return PolicyTerms.model_validate(row["terms"])


def policy_links(policy_no: str) -> dict[str, str]:
    """A policy's links, its number percent-encoded (a Location header is ASCII)."""
    no = quote(policy_no, safe="")
    return {"self": f"/v1/policies/{no}", "obligations": f"/v1/policies/{no}/obligations",
            "documents": f"/v1/documents?policy_no={no}"}


def describe_policy(row: Any, *, documents: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row["id"], **row["terms"], "created_at": iso_utc(row["created_at"]),
        "links": policy_links(row["policy_no"]),
    }
    if row["terms"].get("profile") == "national":
        out["standard"] = policy_terms(row).national_standard
    if documents is not None:
        out["documents"] = documents
    return out


class PolicyService:
    """Register and read a tenant's policies (roles: create = Action.CREATE, read = READ)."""

    def __init__(self, engine: Engine, audit: AuditLog,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.audit = audit
        self.clock = clock

    def create(self, caller: Caller, body: Any) -> tuple[dict[str, Any], bool]:
        """(the policy, created). The same terms again give the registered policy (not created);
        other terms under a registered number are a 409."""
        require(caller, Action.CREATE)
        terms = parse_model(PolicyTerms, body, ())
        stored = terms.model_dump(mode="json")
        row = {"id": f"pol_{secrets.token_hex(8)}", "tenant": caller.tenant,
               "policy_no": terms.policy_no, "profile": terms.profile, "insured": terms.insured,
               "period_start": terms.period_start, "period_end": terms.period_end,
               "terms": stored, "created_by": caller.key_id, "created_at": self.clock()}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(policies).values(**row))
        except IntegrityError:
            with self.engine.connect() as conn:
                existing = self._row(conn, caller.tenant, terms.policy_no)
            # terms stored before a field was added read with its default
            if policy_terms(existing).model_dump(mode="json") != stored:
                raise Conflict(f"保单「{terms.policy_no}」已登记，内容不同",
                               f"policy {terms.policy_no!r} is already registered with other "
                               "terms") from None
            return self._describe(existing), False
        self.audit.append("policy.create", tenant=caller.tenant, actor=caller.key_id,
                          detail={"policy_no": terms.policy_no, "profile": terms.profile})
        return self._describe(row), True

    def get(self, caller: Caller, policy_no: str) -> dict[str, Any]:
        require(caller, Action.READ)
        with self.engine.connect() as conn:
            return self._describe(self._row(conn, caller.tenant, policy_no), conn)

    def list(self, caller: Caller, *, profile: str | None = None, limit: int = 50,
             offset: int = 0) -> dict[str, Any]:
        require(caller, Action.READ)
        cond = [policies.c.tenant == caller.tenant]
        if profile:
            cond.append(policies.c.profile == profile)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(policies)
                                 .where(*cond)).scalar_one()
            rows = conn.execute(select(policies).where(*cond)
                                .order_by(policies.c.policy_no).limit(limit)
                                .offset(offset)).mappings().all()
        return {"total": total, "limit": limit, "offset": offset,
                "items": [describe_policy(r) for r in rows]}

    def _describe(self, row: Any, conn: Connection | None = None) -> dict[str, Any]:
        if conn is None:
            with self.engine.connect() as c:
                return describe_policy(row, documents=_documents(c, row))
        return describe_policy(row, documents=_documents(conn, row))

    @staticmethod
    def row_in(conn: Connection, tenant: str, policy_no: str) -> dict[str, Any]:
        """The tenant's policy by number (404 when it has none)."""
        return PolicyService._row(conn, tenant, policy_no)

    @staticmethod
    def _row(conn: Connection, tenant: str, policy_no: str) -> dict[str, Any]:
        r = conn.execute(select(policies).where(and_(
            policies.c.tenant == tenant, policies.c.policy_no == policy_no))).mappings().first()
        if r is None:
            raise NotFound("保单", policy_no)
        return dict(r)


def _documents(conn: Connection, row: Any) -> dict[str, Any]:
    """The documents of the tenant that name the policy (the link is the policy number)."""
    cond = and_(records.c.tenant == row["tenant"], records.c.policy_no == row["policy_no"])
    total = conn.execute(select(func.count()).select_from(records).where(cond)).scalar_one()
    recent = conn.execute(select(records.c.id, records.c.doc_type, records.c.profile,
                                 records.c.status, records.c.created_at)
                          .where(cond).order_by(records.c.created_at.desc(), records.c.id)
                          .limit(_RECENT)).mappings().all()
    return {"total": total, "recent": [
        {"id": r["id"], "type": r["doc_type"], "profile": r["profile"], "status": r["status"],
         "created_at": iso_utc(r["created_at"]), "link": f"/v1/documents/{r['id']}"}
        for r in recent]}
