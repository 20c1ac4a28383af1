"""The prevention-fee ledger's rules: accruals from the premium, and the floors each profile sets.

* 温州 第六条: the fee is at least 35 % of the total premium (提取不低于总保费的 35%).
* 山东 7.2: a dedicated ledger (专门台账); the provincial branch pools (统筹) at least 30 % of the
  fee; the share accrued must not fall below the one the insurer committed to on the credit
  platform (an insurer's own figure, posted with each accrual).
* 成都, AQ 9010: no floor (the ledger is kept, nothing is judged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

__all__ = ["CENT", "DEFAULT_SHARE", "FeeFigures", "Floor", "accrual_amount", "floors", "totals"]

CENT = Decimal("0.01")
FeeKind = Literal["accrual", "expenditure", "pooling"]

#: The share accrued when an accrual names none: 温州 第六条 (≥ 35 %); other profiles need one.
DEFAULT_SHARE: dict[str, Decimal] = {"wenzhou": Decimal(35)}
WENZHOU_FLOOR = Decimal(35)  # 温州 第六条
SHANDONG_POOL_FLOOR = Decimal(30)  # 山东 7.2


def accrual_amount(premium: Decimal, share_percent: Decimal) -> Decimal:
    """计提 = premium × share, to the cent (half up)."""
    return (premium * share_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FeeFigures:
    premium: Decimal  # premium the accruals were computed from
    accrued: Decimal
    spent: Decimal
    pooled: Decimal
    entries: int

    @property
    def balance(self) -> Decimal:
        """余额 = 计提 − 支出 (山东 附件6 三)."""
        return self.accrued - self.spent


def totals(entries: Iterable[tuple[str, Decimal, Decimal | None]]) -> FeeFigures:
    """Sum (kind, amount, premium) entries; corrections are entries with their own sign."""
    premium = accrued = spent = pooled = Decimal(0)
    n = 0
    for kind, amount, prem in entries:
        n += 1
        if kind == "accrual":
            accrued += amount
            premium += prem or 0
        elif kind == "expenditure":
            spent += amount
        elif kind == "pooling":
            pooled += amount
    return FeeFigures(premium, accrued, spent, pooled, n)


@dataclass(frozen=True)
class Floor:
    clause: str
    title_zh: str
    title_en: str
    required: Decimal
    actual: Decimal

    @property
    def met(self) -> bool:
        return self.actual >= self.required


def floors(profile: str, f: FeeFigures) -> list[Floor]:
    """The floors ``profile`` sets on the figures (empty: none)."""
    if profile == "wenzhou":  # 温州 第六条
        return [Floor("温州 第六条", "事故预防服务费用不低于总保费的 35%",
                      "prevention fees at least 35 % of the total premium",
                      (f.premium * WENZHOU_FLOOR / 100).quantize(CENT, ROUND_HALF_UP), f.accrued)]
    if profile == "shandong":  # 山东 7.2
        return [Floor("山东 7.2", "省级承保机构统筹不低于事故预防费用的 30%",
                      "the provincial branch pools at least 30 % of the prevention fee",
                      (f.accrued * SHANDONG_POOL_FLOOR / 100).quantize(CENT, ROUND_HALF_UP),
                      f.pooled)]
    return []
