"""Post-policy and post-claim sampling (山东 8.1 b, c), each draw archived as a ``sampling`` record.

Post-policy: the tenant's Shandong policies that ended in the month (optionally of one branch),
banded by premium. Post-claim: the quarter's claims, posted by the insurer (the service keeps no
claims), banded by total paid. The seed comes from the tenant (the insurer), branch, kind and
period, so the same question always draws the same units; the record lists the population and
the draw, and its form check redoes the draw (``domain.documents.sampling``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from pydantic import Field
from sqlalchemy import Engine, and_, select

from domain.access import Action, Caller, require
from domain.common import Model, Money, ShortText
from domain.errors import DomainValidationError
from domain.sampling import SamplingKind, Unit, draw, period_bounds, period_problem, seed_for
from domain.validation import parse_model
from services.archive import ArchiveService, IdempotencyKey
from storage.tables import policies

__all__ = ["SAMPLING_TYPE", "Claim", "SamplingRequest", "SamplingService"]

SAMPLING_TYPE: Final = "sampling"
CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")


class Claim(Model):
    claim_no: ShortText = Field(min_length=1, title="赔案号")
    policy_no: ShortText | None = Field(None, title="保单号")
    insured: ShortText | None = Field(None, title="被保险人")
    total_paid: Money = Field(title="赔付总金额（元）")


class SamplingRequest(Model):
    """POST /v1/samplings."""

    kind: SamplingKind = Field(title="抽检类别")
    period: ShortText = Field(title="期间", description="2026-06（保后，月）或 2026Q2（赔后，季度）")
    branch: ShortText | None = Field(None, title="分支机构")
    claims: list[Claim] = Field(default_factory=list, max_length=5_000,
                                title="本季度赔案（赔后评估）")


class SamplingService:
    def __init__(self, *, engine: Engine, archive: ArchiveService,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine = engine
        self.archive = archive
        self.clock = clock

    def create(self, caller: Caller, body: Any) -> dict[str, Any]:
        require(caller, Action.LEDGER)
        req = parse_model(SamplingRequest, body, ())
        bad = period_problem(req.kind, req.period)
        if bad is not None:
            raise DomainValidationError.single(("period",), "sampling_period", *bad)
        if req.kind == "post_policy" and req.claims:
            raise DomainValidationError.single(
                ("claims",), "claims_not_allowed", "保后评估的总体是本月终保保单，不接受赔案",
                "post_policy samples the month's ended policies; claims are not taken")
        if req.kind == "post_policy":
            units = self._ended_policies(caller.tenant, req.period, req.branch)
        else:
            units = [{"id": c.claim_no, "policy_no": c.policy_no, "insured": c.insured,
                      "amount": c.total_paid} for c in req.claims]
        seed = seed_for(caller.tenant, req.branch, req.kind, req.period)
        draws = draw(req.kind, [Unit(u["id"], u["amount"]) for u in units], seed)
        drawn = {i for d in draws for i in d.drawn}
        today = self.clock().astimezone(CHINA).date()
        data = {"kind": req.kind, "period": req.period, "insurer": caller.tenant,
                "branch": req.branch, "seed": seed, "drawn_on": today.isoformat(),
                "population": [{**{k: v for k, v in u.items() if v is not None},
                                "amount": f"{u['amount']:f}", "drawn": u["id"] in drawn}
                               for u in units]}
        data = {k: v for k, v in data.items() if v is not None}
        request = {"type": SAMPLING_TYPE, "profile": "shandong", "data": data}
        digest = hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False)
                                .encode()).hexdigest()[:32]
        record = self.archive.create(caller, request, key=IdempotencyKey(
            f"sampling:{digest}", "ledger"))
        return {"kind": req.kind, "period": req.period, "branch": req.branch, "seed": seed,
                "population": len(units),
                "bands": [{"band": d.band.no, "label": d.band.label,
                           "rate_percent": d.band.rate_percent, "population": len(d.population),
                           "required": d.required, "drawn": list(d.drawn)} for d in draws],
                "drawn": sorted(drawn), "record": record}

    def _ended_policies(self, tenant: str, period: str,
                        branch: str | None) -> list[dict[str, Any]]:
        """山东 8.1 b): the Shandong policies that ended in the month (of the branch)."""
        first, last = period_bounds(period)
        with self.engine.connect() as conn:
            rows = conn.execute(select(policies.c.policy_no, policies.c.insured,
                                       policies.c.terms).where(and_(
                policies.c.tenant == tenant, policies.c.profile == "shandong",
                policies.c.period_end >= first, policies.c.period_end <= last))
                .order_by(policies.c.policy_no)).all()
        return [{"id": r.policy_no, "insured": r.insured,
                 "amount": Decimal(str(r.terms["premium"]))}
                for r in rows if branch is None or r.terms.get("branch") == branch]
