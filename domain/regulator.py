"""The regulator's view (issue 15 point 5): which policies a region-bound key may see, and the
summary of coverage, overdue obligations, open major hazards and fee floors by region, industry and
insurer (pure: the service gathers the facts, these functions count them)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from domain.coverage import PolicyCoverage, quarterly, realtime

__all__ = ["CLAUSES", "DIMENSIONS", "UNSET", "PolicyView", "group_rows", "in_regions",
           "rate_percent", "summary_rows"]

UNSET: Final = "（未填）"
DIMENSIONS: Final = ("region", "industry", "insurer")
#: Where each figure comes from.
CLAUSES: Final = {
    "realtime": "山东 8.1 a) 服务实时覆盖率",
    "quarterly": "山东 8.1 a) 季度终保保单服务覆盖率",
    "overdue": "山东 第5章、6.2–6.4；成都 5.1–5.4；温州 第十一–二十条；AQ 9010（各义务所引条款）",
    "major_hazards_open": "AQ 9010.1-2025 9.2 a)；成都 6.3.2.3（重大事故隐患未整改验收）",
    "fees": "温州 第六条（不低于保费 35%）；山东 7.2（统筹不低于 30%）",
}


def in_regions(bound: Sequence[str], region: str | None) -> bool:
    """A policy is in a regulator's regions when its region is one of them or lies within one
    (济南市 covers 济南市历城区): the key's binding is the whole access rule."""
    if not region:
        return False
    return any(region == b or region.startswith(b) for b in bound if b)


@dataclass(frozen=True)
class PolicyView:
    """What the regulator's summary knows of one policy."""

    insurer: str  # the tenant that registered it
    policy_no: str
    region: str
    industry: str
    coverage: PolicyCoverage
    overdue: tuple[str, ...] = ()  # overdue obligations: "clause｜title"
    major_open: tuple[str, ...] = ()  # major hazards not accepted: hazard ids


def rate_percent(numerator: int, denominator: int) -> str | None:
    if denominator == 0:
        return None
    return f"{(Decimal(100 * numerator) / denominator).quantize(Decimal('0.01'), ROUND_HALF_UP):f}"


def _figures(views: Sequence[PolicyView], today: dt.date, first: dt.date,
             last: dt.date) -> dict[str, Any]:
    rt = realtime([v.coverage for v in views], today)
    qt = quarterly([v.coverage for v in views], first, last)
    return {
        "policies": len(views),
        "in_force": len(rt.covered) + len(rt.not_covered),
        "served": len(rt.covered),
        "realtime_percent": rate_percent(len(rt.covered), len(rt.covered) + len(rt.not_covered)),
        "ended_in_quarter": len(qt.covered) + len(qt.not_covered),
        "ended_served": len(qt.covered),
        "quarterly_percent": rate_percent(len(qt.covered), len(qt.covered) + len(qt.not_covered)),
        "overdue_obligations": sum(len(v.overdue) for v in views),
        "major_hazards_open": sum(len(v.major_open) for v in views),
    }


def group_rows(views: Iterable[PolicyView], key: Callable[[PolicyView], tuple[str, ...]],
               names: Sequence[str], today: dt.date, first: dt.date, last: dt.date,
               *, detail: bool = False) -> list[dict[str, Any]]:
    """One row per value of ``key``, sorted; ``detail`` adds the policies behind each count."""
    groups: dict[tuple[str, ...], list[PolicyView]] = defaultdict(list)
    for v in views:
        groups[key(v)].append(v)
    out = []
    for k, vs in sorted(groups.items()):
        row: dict[str, Any] = {**dict(zip(names, k, strict=True)),
                               **_figures(vs, today, first, last)}
        if detail:
            rt = realtime([v.coverage for v in vs], today)
            qt = quarterly([v.coverage for v in vs], first, last)
            row["lists"] = {
                "not_served": list(rt.not_covered), "ended_not_served": list(qt.not_covered),
                "overdue": [{"policy_no": v.policy_no, "obligation": o}
                            for v in vs for o in v.overdue],
                "major_hazards_open": [{"policy_no": v.policy_no, "hazard": h}
                                       for v in vs for h in v.major_open]}
        out.append(row)
    return out


def summary_rows(views: Sequence[PolicyView], today: dt.date, first: dt.date,
                 last: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The summary by region × industry × insurer (with its policies) and by each one alone."""
    return {
        "groups": group_rows(views, lambda v: (v.region, v.industry, v.insurer), DIMENSIONS,
                             today, first, last, detail=True),
        "by_region": group_rows(views, lambda v: (v.region,), ("region",), today, first, last),
        "by_industry": group_rows(views, lambda v: (v.industry,), ("industry",), today, first,
                                  last),
        "by_insurer": group_rows(views, lambda v: (v.insurer,), ("insurer",), today, first, last),
        "total": group_rows(views, lambda v: (), (), today, first, last),
    }
