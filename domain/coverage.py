"""Coverage figures of 山东 8.1 a): 服务实时覆盖率 and 季度终保保单服务覆盖率 (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["COUNT_KINDS", "DONE_STATES", "Figure", "PolicyCoverage", "figure", "in_force",
           "quarter_bounds", "quarterly", "realtime"]

#: Obligations that say how many services a policy needs (domain/obligations.py).
COUNT_KINDS = frozenset({"visits", "services", "first_visit"})
DONE_STATES = frozenset({"done", "done_late", "not_applicable"})


@dataclass(frozen=True)
class PolicyCoverage:
    policy_no: str
    period_start: dt.date
    period_end: dt.date
    served_by_as_of: bool  # at least one service done by the day asked about
    required_done: bool  # every count obligation (visits / services / first visit) done


def in_force(p: PolicyCoverage, day: dt.date) -> bool:
    return p.period_start <= day <= p.period_end


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    nxt = dt.date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class Figure:
    clause: str
    title_zh: str
    covered: tuple[str, ...]
    not_covered: tuple[str, ...]

    @property
    def rate(self) -> Decimal | None:
        n = len(self.covered) + len(self.not_covered)
        if n == 0:
            return None
        return (Decimal(100 * len(self.covered)) / n).quantize(Decimal("0.01"), ROUND_HALF_UP)


def figure(clause: str, title: str, items: Iterable[tuple[str, bool]]) -> Figure:
    pairs: Sequence[tuple[str, bool]] = sorted(items)
    return Figure(clause, title, tuple(p for p, ok in pairs if ok),
                  tuple(p for p, ok in pairs if not ok))


def realtime(policies: Iterable[PolicyCoverage], day: dt.date) -> Figure:
    """山东 8.1 a) 服务实时覆盖率: in force on ``day`` with at least one service done ÷ in force."""
    return figure("山东 8.1 a)", "服务实时覆盖率",
                  ((p.policy_no, p.served_by_as_of) for p in policies if in_force(p, day)))


def quarterly(policies: Iterable[PolicyCoverage], first: dt.date, last: dt.date) -> Figure:
    """山东 8.1 a) 季度终保保单服务覆盖率: ended in the quarter with their required services done ÷
    ended in the quarter."""
    return figure("山东 8.1 a)", "季度终保保单服务覆盖率",
                  ((p.policy_no, p.required_done) for p in policies
                   if first <= p.period_end <= last))
