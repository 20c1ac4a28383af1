"""事故预防技术服务抽检记录 — a post-policy or post-claim draw (山东 8.1 b, c).

The record lists the whole population with the draw; its check recomputes the seed from insurer,
branch and period and the draw from the seed (``domain.sampling``), so a record whose draw was not
the rule's cannot be archived. The layout is the service's own (山东 8.1 gives no form).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from domain.common import Model, Money, ShortText, Text
from domain.errors import Problem
from domain.sampling import SamplingKind, Unit, draw, period_problem, seed_for

__all__ = ["SampledUnit", "SamplingData", "sampling_checks"]


class SampledUnit(Model):
    id: ShortText = Field(min_length=1, title="编号", description="保单号（保后）或赔案号（赔后）")
    policy_no: ShortText | None = Field(None, title="保单号")
    insured: ShortText | None = Field(None, title="被保险人")
    amount: Money = Field(title="金额（元）", description="保费（保后）或赔付总金额（赔后）")
    drawn: bool = Field(False, title="抽中")


class SamplingData(Model):
    kind: SamplingKind = Field(title="抽检类别",
                               description="post_policy 保后评估（山东 8.1 b）· post_claim 赔后评估（8.1 c）")
    period: str = Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2])|Q[1-4])$", title="期间",
                        description="月份 2026-06（保后）或季度 2026Q2（赔后）")
    insurer: ShortText = Field(min_length=1, title="安责险承保机构")
    branch: ShortText | None = Field(None, title="分支机构")
    seed: ShortText = Field(pattern=r"^[0-9a-f]{64}$", title="随机种子（SHA-256）")
    drawn_on: dt.date = Field(title="抽取日期")
    population: list[SampledUnit] = Field(default_factory=list, max_length=5_000,
                                          title="抽检总体")
    note: Text | None = Field(None, title="备注")


def sampling_checks(obj: Any) -> list[Problem]:
    """Seed and draw as the rule makes them (山东 8.1 b, c)."""
    s: SamplingData = obj
    bad = period_problem(s.kind, s.period)
    if bad is not None:
        return [Problem(("period",), "sampling_period", *bad)]
    out: list[Problem] = []
    ids = [u.id for u in s.population]
    if len(set(ids)) != len(ids):
        out.append(Problem(("population",), "sampling_duplicate", "抽检总体中有重复编号",
                           "the population lists a unit twice"))
        return out
    want = seed_for(s.insurer, s.branch, s.kind, s.period)
    if s.seed != want:
        out.append(Problem(("seed",), "sampling_seed",
                           "随机种子须由承保机构、分支机构与期间按规则导出",
                           "the seed must be derived from insurer, branch and period"))
        return out
    drawn = {i for d in draw(s.kind, [Unit(u.id, u.amount) for u in s.population], s.seed)
             for i in d.drawn}
    for n, u in enumerate(s.population):
        if u.drawn != (u.id in drawn):
            out.append(Problem(("population", n, "drawn"), "sampling_draw",
                               "抽中与否与按种子重做的抽取不符",
                               "drawn does not match the draw redone from the seed"))
    return out
