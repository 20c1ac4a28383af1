"""Post-policy and post-claim sampling (山东 8.1 b, c): bands, a seed anyone can recompute, the draw.

The draw is reproducible without this service: the seed is the SHA-256 of
``azx-sampling/1|<insurer>|<branch>|<kind>|<period>``; each unit of a band is ranked by the SHA-256
of ``<seed>|<unit id>`` (hex, ascending) and the first ⌈count × rate⌉ are drawn — so every
non-empty band gives at least one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = ["BANDS", "Band", "BandDraw", "SamplingKind", "Unit", "band_of", "draw",
           "period_bounds", "period_problem", "rank", "seed_for"]

SamplingKind = Literal["post_policy", "post_claim"]
_W = Decimal(10_000)


@dataclass(frozen=True)
class Band:
    no: int
    label: str
    low: Decimal  # inclusive
    high: Decimal | None  # exclusive; None: no upper bound
    rate_percent: int

    def holds(self, amount: Decimal) -> bool:
        return amount >= self.low and (self.high is None or amount < self.high)


BANDS: dict[str, tuple[Band, ...]] = {
    # 山东 8.1 b) 保后评估：前一个月终保保单，按保费区间抽检 (labels in words: "5000 元 ≤ 保费收入 <
# 15000 元" of the standard; the forms avoid ≤ ≥, which some viewers' text layers reorder)
    "post_policy": (
        Band(1, "第一类 保费收入不足 5000 元", Decimal(0), Decimal(5_000), 10),
        Band(2, "第二类 保费收入 5000 元（含）至 15000 元", Decimal(5_000), Decimal(15_000), 10),
        Band(3, "第三类 保费收入 15000 元（含）至 30000 元", Decimal(15_000), Decimal(30_000), 20),
        Band(4, "第四类 保费收入 30000 元（含）至 100000 元", Decimal(30_000), Decimal(100_000), 20),
        Band(5, "第五类 保费收入 100000 元（含）至 300000 元", Decimal(100_000), Decimal(300_000), 40),
        Band(6, "第六类 保费收入 300000 元及以上", Decimal(300_000), None, 40),
    ),
    # 山东 8.1 c) 赔后评估：每季度按赔付总金额抽检（1 万元以下不在表内，不抽检）
    "post_claim": (
        Band(1, "赔付总金额 1 万元（含）至 10 万元", _W, 10 * _W, 10),
        Band(2, "赔付总金额 10 万元（含）至 50 万元", 10 * _W, 50 * _W, 30),
        Band(3, "赔付总金额 50 万元（含）至 100 万元", 50 * _W, 100 * _W, 100),
        Band(4, "赔付总金额 100 万元及以上", 100 * _W, None, 100),
    ),
}

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def period_problem(kind: str, period: str) -> tuple[str, str] | None:
    """(zh, en) when ``period`` is not a month (post_policy, 2026-06) or quarter (2026Q2)."""
    if kind == "post_policy" and not _MONTH.match(period):
        return "保后抽检的期间为月份，如 2026-06", "post_policy takes a month, e.g. 2026-06"
    if kind == "post_claim" and not _QUARTER.match(period):
        return "赔后抽检的期间为季度，如 2026Q2", "post_claim takes a quarter, e.g. 2026Q2"
    if not 2000 <= int(period[:4]) <= 2100:
        return "年份须在 2000–2100 之间", "the year must be within 2000–2100"
    return None


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a month ``YYYY-MM`` or quarter ``YYYYQn`` (checked beforehand)."""
    year = int(period[:4])
    if "Q" in period:
        q = int(period[-1])
        first, last = 3 * q - 2, 3 * q
    else:
        first = last = int(period[5:7])
    return (dt.date(year, first, 1),
            dt.date(year, last, calendar.monthrange(year, last)[1]))


def seed_for(insurer: str, branch: str | None, kind: str, period: str) -> str:
    """The draw's seed, derived from insurer, branch and period (recorded on the form)."""
    text = f"azx-sampling/1|{insurer}|{branch or ''}|{kind}|{period}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rank(seed: str, unit_id: str) -> str:
    return hashlib.sha256(f"{seed}|{unit_id}".encode()).hexdigest()


def band_of(kind: str, amount: Decimal) -> Band | None:
    return next((b for b in BANDS[kind] if b.holds(amount)), None)


@dataclass(frozen=True)
class Unit:
    id: str  # policy number (post_policy) or claim number (post_claim)
    amount: Decimal  # premium or total paid


@dataclass(frozen=True)
class BandDraw:
    band: Band
    population: tuple[str, ...]
    drawn: tuple[str, ...]

    @property
    def required(self) -> int:
        """⌈count × rate⌉: rounds up, so a non-empty band gives at least one."""
        return math.ceil(len(self.population) * self.band.rate_percent / 100)


def draw(kind: str, units: Sequence[Unit], seed: str) -> list[BandDraw]:
    """Per band: its units and the drawn ones (lowest rank first)."""
    out = []
    for b in BANDS[kind]:
        members = sorted((u.id for u in units if b.holds(u.amount)), key=lambda i: rank(seed, i))
        n = math.ceil(len(members) * b.rate_percent / 100)
        out.append(BandDraw(b, tuple(sorted(members)), tuple(members[:n])))
    return out
