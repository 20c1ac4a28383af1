"""The prevention-fee ledger (山东 7.2 专门台账；温州 第六条): entries archived as records, summed.

Every entry is a ``fee_entry`` record archived like any other (locked, sealed, verifiable); a
correction is a new entry naming the one it corrects. The ledger is the archive itself: what the
sums read of each entry (kind, year, insurer, branch, amounts) is taken from its source.json once
and kept in ``record_facts`` — so an entry archived through ``POST /v1/documents`` counts as well.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, Literal

from pydantic import Field
from sqlalchemy import Engine, and_, insert, select
from sqlalchemy.exc import IntegrityError

from domain.access import Action, Caller, require
from domain.documents.fee_entry import FeeEntryData, SignedMoney, fee_entry_checks
from domain.errors import DomainValidationError, Problem
from domain.fees import DEFAULT_SHARE, FeeFigures, accrual_amount, floors, totals
from domain.validation import parse_model
from services.archive import ArchiveService, IdempotencyKey
from services.record_source import read_source
from storage.objectstore import ObjectStore
from storage.tables import record_facts, records

__all__ = ["FEE_PROFILES", "FEE_TYPE", "FeeRequest", "FeeService", "figures_dict"]

FEE_TYPE: Final = "fee_entry"
FEE_PROFILES: Final = ("shandong", "wenzhou")


class FeeRequest(FeeEntryData):
    """POST /v1/fees: an entry and the profile whose ledger it belongs to. An accrual's amount
    may be left out (computed: premium × share; 温州 share 35 % by default)."""

    profile: Literal["shandong", "wenzhou"] = Field(title="适用标准（版本）")
    amount: SignedMoney | None = Field(None, title="金额（元）")  # type: ignore[assignment]


def _money(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.01')):f}"


def figures_dict(profile: str, f: FeeFigures) -> dict[str, Any]:
    return {"premium": _money(f.premium), "accrued": _money(f.accrued), "spent": _money(f.spent),
            "pooled": _money(f.pooled), "balance": _money(f.balance), "entries": f.entries,
            "floors": [{"clause": x.clause, "title_zh": x.title_zh, "title_en": x.title_en,
                        "required": _money(x.required), "actual": _money(x.actual),
                        "met": x.met} for x in floors(profile, f)]}


class FeeService:
    def __init__(self, *, engine: Engine, store: ObjectStore, archive: ArchiveService,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine = engine
        self.store = store
        self.archive = archive
        self.clock = clock

    # -- writing --------------------------------------------------------------------------
    def create(self, caller: Caller, body: Any, key: str | None = None) -> dict[str, Any]:
        """Archive one entry; 422 with every problem at once."""
        require(caller, Action.LEDGER)
        req = parse_model(FeeRequest, body, ())
        data = req.model_dump(mode="json", exclude={"profile"}, exclude_none=True)
        problems: list[Problem] = []
        if req.kind == "accrual" and req.corrects is None:
            share = req.share_percent if req.share_percent is not None \
                else DEFAULT_SHARE.get(req.profile)
            if share is not None:
                data["share_percent"] = f"{share:f}"
                if req.premium is not None and req.amount is None:
                    data["amount"] = f"{accrual_amount(req.premium, share):f}"
        if "amount" not in data:
            data["amount"] = "0.01"  # an accrual computes it: report why it could not
            checked = fee_entry_checks(FeeEntryData.model_validate(data))
            problems += [p for p in checked if p.rule in ("accrual_premium", "accrual_share")] \
                or [Problem(("amount",), "missing", "必须填写金额", "amount is required")]
        else:
            try:  # the form's own rules, reported with the links below
                parse_model(FeeEntryData, data, (), (fee_entry_checks,))
            except DomainValidationError as exc:
                problems += exc.problems
        problems += self._links(caller.tenant, req)
        if problems:
            raise DomainValidationError(problems)
        request = {"type": FEE_TYPE, "profile": req.profile, "data": data}
        record = self.archive.create(caller, request, key=IdempotencyKey(key) if key else None)
        self._index(caller.tenant, record["id"], req.profile, data)
        return {"entry": {"profile": req.profile, **data}, "record": record}

    def _links(self, tenant: str, req: FeeRequest) -> list[Problem]:
        """Expenditures pay for records of the tenant; a correction names a ledger entry."""
        wanted = {*req.records, *([req.corrects] if req.corrects else [])}
        if not wanted:
            return []
        with self.engine.connect() as conn:
            found = {r.id: r.doc_type for r in conn.execute(
                select(records.c.id, records.c.doc_type).where(and_(
                    records.c.tenant == tenant, records.c.id.in_(wanted))))}
        out = [Problem(("records", i), "unknown_record", f"本单位没有记录「{rid}」",
                       f"no record {rid!r} in this tenant")
               for i, rid in enumerate(req.records) if rid not in found]
        if req.corrects and found.get(req.corrects) != FEE_TYPE:
            out.append(Problem(("corrects",), "unknown_fee_entry",
                               f"本单位没有费用台账记录「{req.corrects}」",
                               f"no fee ledger entry {req.corrects!r} in this tenant"))
        return out

    def _index(self, tenant: str, rid: str, profile: str, data: dict[str, Any]) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(record_facts).values(
                    record_id=rid, tenant=tenant, policy_no=data.get("policy_no"),
                    doc_type=FEE_TYPE, facts={"profile": profile, **data},
                    extracted_at=self.clock()))
        except IntegrityError:
            pass  # indexed already (a retry, or a summary read it first)

    # -- reading --------------------------------------------------------------------------
    def entries(self, tenant: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
        """(record id, entry facts) of every fee entry of the tenant; and those unreadable now."""
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(
                select(records.c.id, records.c.status, records.c.parts).where(and_(
                    records.c.tenant == tenant, records.c.doc_type == FEE_TYPE,
                    records.c.status != "failed"))).mappings()]
            known = {r.record_id: r.facts for r in conn.execute(
                select(record_facts.c.record_id, record_facts.c.facts).where(and_(
                    record_facts.c.tenant == tenant, record_facts.c.doc_type == FEE_TYPE)))}
        out: list[tuple[str, dict[str, Any]]] = []
        unread: list[str] = []
        for r in rows:
            facts = known.get(r["id"])
            if facts is None:
                source = read_source(self.engine, self.store, r)
                if source is None or not isinstance(source.get("data"), dict):
                    unread.append(r["id"])
                    continue
                facts = {"profile": source.get("profile"), **source["data"]}
                self._index(tenant, r["id"], str(facts["profile"]), source["data"])
            out.append((r["id"], facts))
        return out, unread

    def summary(self, caller: Caller, *, year: int, branch: str | None = None,
                insurer: str | None = None, profile: str | None = None) -> dict[str, Any]:
        """GET /v1/fees/summary: per profile, insurer and branch, and per profile and insurer
        (the floors bind the insurer: 温州 第六条, 山东 7.2 the provincial branch)."""
        require(caller, Action.READ)
        entries, unread = self.entries(caller.tenant)
        by_branch: dict[tuple[str, str, str | None], list[tuple[str, dict[str, Any]]]] = \
            defaultdict(list)
        for rid, f in entries:
            if f.get("year") != year or (branch and f.get("branch") != branch) \
                    or (insurer and f.get("insurer") != insurer) \
                    or (profile and f.get("profile") != profile):
                continue
            by_branch[(str(f.get("profile")), str(f.get("insurer")), f.get("branch"))].append(
                (rid, f))
        by_insurer: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        groups = []
        for (prof, ins, br), items in sorted(by_branch.items(), key=lambda kv: (
                kv[0][0], kv[0][1], kv[0][2] or "")):
            by_insurer[(prof, ins)] += items
            groups.append({"profile": prof, "insurer": ins, "branch": br,
                           **figures_dict(prof, _sum(items)),
                           "records": [rid for rid, _ in items]})
        overall = [{"profile": prof, "insurer": ins, **figures_dict(prof, _sum(items))}
                   for (prof, ins), items in sorted(by_insurer.items())]
        return {"year": year, "branch": branch, "insurer": insurer, "profile": profile,
                "insurers": overall, "branches": groups,
                "incomplete": bool(unread), "unread_records": unread}


def _dec(v: Any) -> Decimal | None:
    try:
        return Decimal(str(v)) if v is not None else None
    except ArithmeticError:
        return None


def _sum(items: list[tuple[str, dict[str, Any]]]) -> FeeFigures:
    return totals((str(f.get("kind")), _dec(f.get("amount")) or Decimal(0), _dec(f.get("premium")))
                  for _, f in items)
