"""The hazard ledger as a living record (Chengdu 表 9; AQ 9010.1-2025 9.2 a; Chengdu 6.3.2.3).

Each hazard is a row of ``hazards`` holding the domain :class:`~domain.hazards.Hazard` as JSON.
State changes go through the PURE transitions of :mod:`domain.hazards` (a refused one raises the
domain's bilingual :class:`~domain.errors.InvalidTransitionError` → 422). After every change the
whole ledger of the policy is archived again as a ``chengdu_table_9`` record, under lock, with
the service's own Idempotency-Key ``hazard-ledger:{tenant}:{policy}:{version}`` (in the
``hazard`` key scope, which no client can write into), so each state is kept.

The ledger version of a policy is the sum of its hazards' versions: every creation or change adds
exactly one, so it grows by one per change. The snapshot archived is read in the same transaction
as the change, so two concurrent changes archive two distinct versions.

*overdue* and *must_report* are derived as of a day (China time by default), never stored.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import Any, Final

from pydantic import Field
from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from domain.access import Action, Caller, require
from domain.budget import check_photo_budget
from domain.common import Model, Money, Photos, ShortText, Text
from domain.documents.chengdu_tables import Table9Row
from domain.errors import Conflict, DomainValidationError, NotFound
from domain.hazards import (
    Hazard,
    HazardState,
    HazardStatus,
    accept,
    must_report_to_authority,
    plan_rectification,
    rectify,
    state_on,
)
from domain.validation import parse_model
from services.archive import ArchiveService, IdempotencyKey
from services.records import iso_utc
from storage.tables import hazards

__all__ = [
    "LEDGER_TYPE",
    "AcceptHazard",
    "CreateHazard",
    "HazardService",
    "PlanHazard",
    "RectifyHazard",
    "ledger_key",
]

LEDGER_TYPE: Final = "chengdu_table_9"
LEDGER_PROFILE: Final = "chengdu"
CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")
_SPLIT: Final = re.compile(r"[、，,；;/\s]+")
_SHORT: Final = 200


def ledger_key(tenant: str, policy_no: str, version: int) -> str:
    """The Idempotency-Key of a ledger version (a retry archives nothing twice)."""
    return f"hazard-ledger:{tenant}:{policy_no}:{version}"


# --- Requests -----------------------------------------------------------------------------------


class CreateHazard(Model):
    """POST /v1/hazards: a 表 9 row found on an inspection, for a policy and its insured."""

    policy_no: ShortText = Field(min_length=1, title="保单号")
    insured_name: ShortText = Field(min_length=1, title="投保单位")
    hazard: Table9Row = Field(title="表 9 隐患排查行")


class PlanHazard(Model):
    measures: Text = Field(title="治理措施")
    deadline: dt.date = Field(title="治理时限")
    responsible: ShortText = Field(title="责任人")
    funds: Money | None = Field(None, title="经费（元）")


class RectifyHazard(Model):
    note: Text | None = Field(None, title="治理情况描述")
    on: dt.date | None = Field(None, title="治理完成日期")
    photos: Photos = Field(default_factory=list, title="治理照片")


class AcceptHazard(Model):
    on: dt.date | None = Field(None, title="验收时间")
    acceptors: list[ShortText] | ShortText = Field(title="验收人员")
    remarks: Text | None = Field(None, title="备注")


# --- Mapping between 表 9 rows and domain hazards -------------------------------------------------


def _names(text: str | None) -> list[str]:
    return [n for n in _SPLIT.split(text or "") if n]


def _cut(text: str, n: int = _SHORT) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def hazard_from_row(row: Table9Row) -> Hazard:
    """A newly found hazard (open) from a posted 表 9 row; later columns come by transitions."""
    later = [f for f in ("rectification", "accepted_on", "acceptors") if getattr(row, f)]
    if later or row.rectification_photos:
        field = later[0] if later else "rectification_photos"
        raise DomainValidationError.single(
            ("hazard", field), "hazard.create.not_open",
            "新登记的隐患为未治理状态：治理情况与验收请通过 rectify / accept 登记",
            "a new hazard is open: record rectification and acceptance with rectify / accept")
    data = {
        "found_on": row.found_on, "inspectors": _names(row.inspectors),
        "category": row.category, "subcategory": row.subcategory,
        "description": row.description, "photos": row.photos, "grade": row.grade,
        "measures": row.measures, "deadline": row.deadline, "responsible": row.responsible,
        "funds": row.funds, "remarks": row.remark, "status": HazardStatus.OPEN,
    }
    return parse_model(Hazard, {k: v for k, v in data.items() if v is not None}, ("hazard",))


def ledger_row(h: Hazard) -> dict[str, Any]:
    """The hazard as a 表 9 row (JSON values), its stored state noted in 备注."""
    remark = "；".join(x for x in (h.status.zh, h.remarks) if x)
    row: dict[str, Any] = {
        "found_on": h.found_on.isoformat(), "inspectors": _cut("、".join(h.inspectors)),
        "category": h.category, "subcategory": h.subcategory, "description": h.description,
        "photos": [p.model_dump(mode="json", exclude_none=True) for p in h.photos],
        "grade": h.grade.value, "measures": h.measures,
        "deadline": h.deadline.isoformat() if h.deadline else None,
        "responsible": h.responsible, "funds": str(h.funds) if h.funds is not None else None,
        "rectification": h.rectification_note,
        "rectification_photos": [p.model_dump(mode="json", exclude_none=True)
                                 for p in h.rectification_photos],
        "accepted_on": h.accepted_on.isoformat() if h.accepted_on else None,
        "acceptors": _cut("、".join(h.acceptors)) if h.acceptors else None,
        "remark": _cut(remark),
    }
    return {k: v for k, v in row.items() if v not in (None, [])}


# --- Service ------------------------------------------------------------------------------------


class HazardService:
    """Hazards of a tenant: create, plan, rectify, accept, list; each change archived."""

    def __init__(self, engine: Engine, archive: ArchiveService,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine = engine
        self.archive = archive
        self.clock = clock

    def today(self) -> dt.date:
        return self.clock().astimezone(CHINA).date()

    # -- reading ---------------------------------------------------------------------------
    def get(self, caller: Caller, hid: str, as_of: dt.date | None = None) -> dict[str, Any]:
        require(caller, Action.READ)
        with self.engine.connect() as conn:
            row = self._row(conn, caller, hid)
        return self.describe(row, as_of or self.today())

    def list(self, caller: Caller, *, state: HazardState | None = None,
             policy_no: str | None = None, as_of: dt.date | None = None, limit: int = 100,
             offset: int = 0) -> dict[str, Any]:
        require(caller, Action.READ)
        today = as_of or self.today()
        cond: list[Any] = [hazards.c.tenant == caller.tenant]
        if policy_no:
            cond.append(hazards.c.policy_no == policy_no)
        open_ = hazards.c.state == HazardStatus.OPEN.value
        late = and_(hazards.c.deadline.is_not(None), hazards.c.deadline < today)
        if state is HazardState.OVERDUE:
            cond += [open_, late]
        elif state is HazardState.OPEN:
            cond += [open_, or_(hazards.c.deadline.is_(None), hazards.c.deadline >= today)]
        elif state is not None:
            cond.append(hazards.c.state == state.value)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(hazards).where(*cond)).scalar_one()
            rows = conn.execute(select(hazards).where(*cond)
                                .order_by(hazards.c.created_at, hazards.c.id)
                                .limit(limit).offset(offset)).mappings().all()
        return {"as_of": today.isoformat(), "total": total, "limit": limit, "offset": offset,
                "items": [self.describe(dict(r), today) for r in rows]}

    def describe(self, row: dict[str, Any], today: dt.date) -> dict[str, Any]:
        h = Hazard.model_validate(row["ledger"])
        st = state_on(h, today)
        base = f"/v1/hazards/{row['id']}"
        rid = row["last_record_id"]
        return {
            "id": row["id"], "policy_no": row["policy_no"], "insured_name": row["insured"],
            "status": h.status.value, "state": st.value, "state_zh": st.zh,
            "grade": h.grade.value, "deadline": h.deadline.isoformat() if h.deadline else None,
            "overdue": st is HazardState.OVERDUE,
            "must_report": must_report_to_authority(h, today),
            "version": row["version"], "last_record_id": rid, "as_of": today.isoformat(),
            "hazard": row["ledger"],
            "created_at": iso_utc(row["created_at"]), "updated_at": iso_utc(row["updated_at"]),
            "links": {"self": base, "plan": f"{base}/plan", "rectify": f"{base}/rectify",
                      "accept": f"{base}/accept",
                      "ledger_record": f"/v1/documents/{rid}" if rid else None},
        }

    # -- changes -----------------------------------------------------------------------------
    def create(self, caller: Caller, body: Any) -> dict[str, Any]:
        require(caller, Action.CREATE)
        check_photo_budget(CreateHazard, body)  # before parsing decodes the photos
        req = parse_model(CreateHazard, body, ())
        h = hazard_from_row(req.hazard)
        now = self.clock()
        hid = f"hz_{secrets.token_hex(8)}"
        row = {"id": hid, "tenant": caller.tenant, "policy_no": req.policy_no,
               "insured": req.insured_name, "ledger": h.model_dump(mode="json"),
               "state": h.status.value, "grade": h.grade.value, "deadline": h.deadline,
               "version": 1, "last_record_id": None, "created_at": now, "updated_at": now}
        with self.engine.begin() as conn:
            conn.execute(insert(hazards).values(**row))
            snapshot = self._snapshot(conn, caller.tenant, req.policy_no, req.insured_name)
        return self._archived(caller, hid, snapshot)

    def plan(self, caller: Caller, hid: str, body: Any) -> dict[str, Any]:
        req = parse_model(PlanHazard, body, ())
        return self._change(caller, hid, lambda h: plan_rectification(
            h, measures=req.measures, deadline=req.deadline, responsible=req.responsible,
            funds=req.funds))

    def rectify(self, caller: Caller, hid: str, body: Any) -> dict[str, Any]:
        check_photo_budget(RectifyHazard, body)  # before parsing decodes the photos
        req = parse_model(RectifyHazard, body, ())
        return self._change(caller, hid, lambda h: rectify(
            h, note=req.note, photos=req.photos, on=req.on))

    def accept(self, caller: Caller, hid: str, body: Any) -> dict[str, Any]:
        req = parse_model(AcceptHazard, body, ())
        names = _names(req.acceptors) if isinstance(req.acceptors, str) else req.acceptors
        return self._change(caller, hid, lambda h: accept(
            h, on=req.on, acceptors=names, remarks=req.remarks))

    def _change(self, caller: Caller, hid: str,
                transition: Callable[[Hazard], Hazard]) -> dict[str, Any]:
        require(caller, Action.CREATE)
        with self.engine.begin() as conn:
            row = self._row(conn, caller, hid)
            new = transition(Hazard.model_validate(row["ledger"]))  # pure; raises 422 on refusal
            done = conn.execute(update(hazards).where(and_(
                hazards.c.id == hid, hazards.c.version == row["version"])).values(
                ledger=new.model_dump(mode="json"), state=new.status.value,
                grade=new.grade.value, deadline=new.deadline, version=row["version"] + 1,
                updated_at=self.clock()))
            if done.rowcount != 1:
                raise Conflict("该隐患已被同时修改，请重新读取后再试",
                               "the hazard was changed concurrently; read it again and retry")
            snapshot = self._snapshot(conn, caller.tenant, row["policy_no"], row["insured"])
        return self._archived(caller, hid, snapshot)

    # -- the archived ledger --------------------------------------------------------------------
    def _snapshot(self, conn: Connection, tenant: str, policy_no: str,
                  insured: str) -> tuple[str, int, dict[str, Any]]:
        """(policy, ledger version, 表 9 data) as of this transaction."""
        rows = conn.execute(select(hazards.c.ledger, hazards.c.version).where(and_(
            hazards.c.tenant == tenant, hazards.c.policy_no == policy_no))
            .order_by(hazards.c.created_at, hazards.c.id)).all()
        version = sum(r.version for r in rows)
        data = {"insured_name": insured, "policy_no": policy_no,
                "rows": [ledger_row(Hazard.model_validate(r.ledger)) for r in rows]}
        return policy_no, version, data

    def _archived(self, caller: Caller, hid: str,
                  snapshot: tuple[str, int, dict[str, Any]]) -> dict[str, Any]:
        policy_no, version, data = snapshot
        request = {"type": LEDGER_TYPE, "profile": LEDGER_PROFILE, "data": data}
        record = self.archive.create(caller, request, key=IdempotencyKey(
            ledger_key(caller.tenant, policy_no, version), "hazard"))
        with self.engine.begin() as conn:
            conn.execute(update(hazards).where(hazards.c.id == hid).values(
                last_record_id=record["id"]))
            row = self._row(conn, caller, hid)
        out = self.describe(row, self.today())
        out["ledger_version"] = version
        out["ledger_record"] = {"id": record["id"], "status": record["status"],
                                "links": record["links"]}
        return out

    def _row(self, conn: Connection, caller: Caller, hid: str) -> dict[str, Any]:
        r = conn.execute(select(hazards).where(and_(
            hazards.c.id == hid, hazards.c.tenant == caller.tenant))).mappings().first()
        if r is None:
            raise NotFound("隐患", hid)
        return dict(r)

