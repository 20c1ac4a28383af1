"""The regulator's view (issue 15 point 5): a read-only, region-bound key reads, across tenants,
the policies of its regions — coverage (山东 8.1 a), overdue obligations, major hazards not
accepted, and the fee floors of the entries that name those policies — by region, industry and
insurer (the tenant that registered the policy). Nothing else of a tenant is reachable with such a
key (``api/deps.py``); every read is audited as ``regulator.summary``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from pydantic import Field
from sqlalchemy import Engine, and_, select

from domain.access import Action, Caller, require
from domain.common import Model
from domain.coverage import COUNT_KINDS, DONE_STATES, PolicyCoverage, quarter_bounds
from domain.errors import DomainValidationError, Forbidden
from domain.fees import totals
from domain.regulator import CLAUSES, UNSET, PolicyView, in_regions, summary_rows
from domain.sampling import period_bounds, period_problem
from services.audit import AuditLog
from services.fees import FeeService, figures_dict
from services.obligations import ObligationService
from storage.tables import hazards, policies

__all__ = ["RegulatorQuery", "RegulatorService"]

CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")


class RegulatorQuery(Model):
    """GET /v1/regulator/summary: filters within the key's regions."""

    region: str | None = Field(None, max_length=100, title="地区（须在密钥所辖地区内）")
    industry: str | None = Field(None, max_length=200, title="行业")
    insurer: str | None = Field(None, max_length=100, title="承保机构（租户）")
    as_of: dt.date | None = Field(None, title="判定日期（缺省为今天，北京时间）")
    quarter: str | None = Field(None, max_length=10, title="季度，如 2026Q3（缺省为判定日所在季度）")
    year: int | None = Field(None, ge=2000, le=2100, title="费用年度（缺省为判定日所在年度）")


def _dec(v: Any) -> Decimal:
    try:
        return Decimal(str(v)) if v is not None else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


class RegulatorService:
    def __init__(self, *, engine: Engine, obligations: ObligationService, fees: FeeService,
                 audit: AuditLog,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine = engine
        self.obligations = obligations
        self.fees = fees
        self.audit = audit
        self.clock = clock

    def summary(self, caller: Caller, q: RegulatorQuery,
                output: dict[str, Any] | None = None) -> dict[str, Any]:
        """The summary; ``output`` (e.g. the chart drawn from it) is recorded in the audit."""
        require(caller, Action.REGULATE)
        if q.region is not None and not in_regions(caller.regions, q.region):
            raise Forbidden(f"地区「{q.region}」不在本密钥所辖地区（{'、'.join(caller.regions)}）内",
                            "the region asked for is not one of this key's regions")
        today = q.as_of or self.clock().astimezone(CHINA).date()
        if q.quarter is not None:
            bad = period_problem("post_claim", q.quarter)
            if bad is not None:
                raise DomainValidationError.single(("quarter",), "quarter", *bad)
            first, last = period_bounds(q.quarter)
        else:
            first, last = quarter_bounds(today)
        year = q.year or today.year
        rows = self._policies(caller, q)
        by_tenant: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_tenant[r["tenant"]].append(r)
        views: list[PolicyView] = []
        fees: list[dict[str, Any]] = []
        unread: list[str] = []
        for tenant, trows in sorted(by_tenant.items()):
            views += self._views(tenant, trows, today, unread)
            fees += self._fees(tenant, {r["policy_no"] for r in trows}, year, unread)
        out = summary_rows(views, today, first, last)
        total = out.pop("total")
        self.audit.append("regulator.summary", tenant=caller.tenant, actor=caller.key_id,
                          detail={"regions": list(caller.regions),
                                  **q.model_dump(mode="json", exclude_none=True),
                                  **(output or {})})
        return {"as_of": today.isoformat(), "quarter": {"from": first.isoformat(),
                                                        "to": last.isoformat()},
                "year": year, "regions": list(caller.regions),
                "filters": {"region": q.region, "industry": q.industry, "insurer": q.insurer},
                "clauses": CLAUSES,
                "total": total[0] if total else _empty(),
                **out, "fees": fees,
                "incomplete": bool(unread), "unread_records": sorted(set(unread))}

    # -- gathering ------------------------------------------------------------------------------
    def _policies(self, caller: Caller, q: RegulatorQuery) -> list[dict[str, Any]]:
        """Every tenant's policies whose region lies in the key's regions and the filters."""
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(policies).order_by(
                policies.c.tenant, policies.c.policy_no)).mappings()]
        out = []
        for r in rows:
            terms = r["terms"] if isinstance(r["terms"], dict) else {}
            region = terms.get("region")
            if not in_regions(caller.regions, region):
                continue
            if q.region is not None and not in_regions([q.region], region):
                continue
            if q.industry is not None and terms.get("industry") != q.industry:
                continue
            if q.insurer is not None and r["tenant"] != q.insurer:
                continue
            out.append(r)
        return out

    def _views(self, tenant: str, rows: list[dict[str, Any]], today: dt.date,
               unread: list[str]) -> list[PolicyView]:
        judged = self.obligations.judge(tenant, rows, today)
        services = self.obligations.services_of(tenant, [r["policy_no"] for r in rows])
        with self.engine.connect() as conn:
            open_major: dict[str, list[str]] = defaultdict(list)
            for h in conn.execute(select(hazards.c.id, hazards.c.policy_no).where(and_(
                    hazards.c.tenant == tenant, hazards.c.grade == "重大",
                    hazards.c.state != "accepted",
                    hazards.c.policy_no.in_([r["policy_no"] for r in rows])))
                    .order_by(hazards.c.id)):
                open_major[h.policy_no].append(h.id)
        out = []
        for r, j in zip(rows, judged, strict=True):
            unread += j.unread
            start, end = r["period_start"], r["period_end"]
            served = any(start <= s.date <= min(end, today)
                         for s in services.get(r["policy_no"], []))
            required = all(o.state in DONE_STATES for o in j.items if o.kind in COUNT_KINDS)
            terms = r["terms"] if isinstance(r["terms"], dict) else {}
            out.append(PolicyView(
                insurer=tenant, policy_no=r["policy_no"],
                region=str(terms.get("region") or UNSET),
                industry=str(terms.get("industry") or UNSET),
                coverage=PolicyCoverage(r["policy_no"], start, end, served, required),
                overdue=tuple(f"{o.clause}｜{o.title_zh}" for o in j.items
                              if o.state == "overdue"),
                major_open=tuple(open_major.get(r["policy_no"], ()))))
        return out

    def _fees(self, tenant: str, numbers: set[str], year: int,
              unread: list[str]) -> list[dict[str, Any]]:
        """The tenant's fee entries of the year that name one of the region's policies, per
        profile, with the profile's floors (entries naming no policy belong to no region)."""
        entries, fee_unread = self.fees.entries(tenant)
        unread += fee_unread
        by_profile: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for rid, f in entries:
            if f.get("year") == year and f.get("policy_no") in numbers:
                by_profile[str(f.get("profile"))].append((rid, f))
        return [{"insurer": tenant, "profile": prof,
                 **figures_dict(prof, totals((str(f.get("kind")), _dec(f.get("amount")),
                                              _dec(f.get("premium")) if f.get("premium")
                                              else None) for _, f in items)),
                 "records": [rid for rid, _ in items]}
                for prof, items in sorted(by_profile.items())]


def _empty() -> dict[str, Any]:
    return {"policies": 0, "in_force": 0, "served": 0, "realtime_percent": None,
            "ended_in_quarter": 0, "ended_served": 0, "quarterly_percent": None,
            "overdue_obligations": 0, "major_hazards_open": 0}
