"""Coverage (山东 8.1 a): 服务实时覆盖率 and 季度终保保单服务覆盖率, by insurer, branch, region and
industry, each figure with the policies behind it. The facts are the obligations' own: a service
is a record that names its date; "required services done" means every count obligation of the
policy (visits, services, first visit) is done (``domain.coverage``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Final, Literal

from sqlalchemy import Engine, select

from domain.access import Action, Caller, require
from domain.coverage import (
    COUNT_KINDS,
    DONE_STATES,
    Figure,
    PolicyCoverage,
    quarter_bounds,
    quarterly,
    realtime,
)
from domain.errors import DomainValidationError
from domain.sampling import period_bounds, period_problem
from services.obligations import ObligationService
from storage.tables import policies

__all__ = ["GROUPS", "CoverageService", "GroupBy"]

CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")
GroupBy = Literal["insurer", "branch", "region", "industry"]
GROUPS: Final = ("insurer", "branch", "region", "industry")


def _fig(f: Figure) -> dict[str, Any]:
    rate = f.rate
    return {"clause": f.clause, "title_zh": f.title_zh,
            "numerator": len(f.covered), "denominator": len(f.covered) + len(f.not_covered),
            "rate_percent": f"{rate:f}" if rate is not None else None,
            "covered": list(f.covered), "not_covered": list(f.not_covered)}


class CoverageService:
    def __init__(self, *, engine: Engine, obligations: ObligationService,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine = engine
        self.obligations = obligations
        self.clock = clock

    def coverage(self, caller: Caller, *, as_of: dt.date | None = None,
                 quarter: str | None = None, group_by: str = "branch",
                 profile: str | None = None, branch: str | None = None,
                 region: str | None = None, industry: str | None = None) -> dict[str, Any]:
        """GET /v1/metrics/coverage."""
        require(caller, Action.READ)
        today = as_of or self.clock().astimezone(CHINA).date()
        if quarter is not None:
            bad = period_problem("post_claim", quarter)
            if bad is not None:
                raise DomainValidationError.single(("quarter",), "quarter", *bad)
            first, last = period_bounds(quarter)
        else:
            first, last = quarter_bounds(today)
        rows = self._policies(caller.tenant, profile)
        wanted = {"branch": branch, "region": region, "industry": industry}
        rows = [r for r in rows
                if all(v is None or r["terms"].get(k) == v for k, v in wanted.items())]
        covs = self._coverage(caller.tenant, rows, today)
        dim: dict[str, list[PolicyCoverage]] = defaultdict(list)
        for r, c in zip(rows, covs, strict=True):
            key = caller.tenant if group_by == "insurer" else r["terms"].get(group_by)
            dim[key or "（未填）"].append(c)
        return {"as_of": today.isoformat(),
                "quarter": {"from": first.isoformat(), "to": last.isoformat()},
                "group_by": group_by, "filters": {"profile": profile, **wanted},
                "realtime": _fig(realtime(covs, today)),
                "quarterly": _fig(quarterly(covs, first, last)),
                "groups": [{group_by: k, "realtime": _fig(realtime(v, today)),
                            "quarterly": _fig(quarterly(v, first, last))}
                           for k, v in sorted(dim.items())]}

    def _policies(self, tenant: str, profile: str | None) -> list[dict[str, Any]]:
        cond = [policies.c.tenant == tenant]
        if profile:
            cond.append(policies.c.profile == profile)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(policies).where(*cond).order_by(policies.c.policy_no)).mappings()]

    def _coverage(self, tenant: str, rows: list[dict[str, Any]],
                  today: dt.date) -> list[PolicyCoverage]:
        if not rows:
            return []
        services = self.obligations.services_of(tenant, [r["policy_no"] for r in rows])
        judged = self.obligations.judge(tenant, rows, today)
        out = []
        for r, j in zip(rows, judged, strict=True):
            start, end = r["period_start"], r["period_end"]
            served = any(start <= s.date <= min(end, today)
                         for s in services.get(r["policy_no"], []))
            required = all(o.state in DONE_STATES for o in j.items if o.kind in COUNT_KINDS)
            out.append(PolicyCoverage(r["policy_no"], start, end, served, required))
        return out
