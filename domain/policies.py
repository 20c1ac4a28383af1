"""A policy as the obligations see it: profile, premium, period, industry and last year's facts.

Which national standard a ``national`` policy follows is its ``standard``: AQ 9010-2019 (the
standard in force, the default) or AQ 9010.1-2025 (the 2025 revision, a 征求意见稿 draft, chosen
explicitly by an insurer that already works to it). Other profiles follow their local standard
and may not name one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import Identifier, Model, Money, ShortText

__all__ = [
    "AQ2019",
    "AQ2025",
    "HIGH_RISK_INDUSTRIES",
    "PROFILES",
    "WENZHOU_HIGH_RISK",
    "LastYear",
    "PolicyTerms",
    "Profile",
    "Standard",
]

Profile = Literal["shandong", "chengdu", "national", "wenzhou"]
PROFILES: tuple[Profile, ...] = ("shandong", "chengdu", "national", "wenzhou")
AQ2019 = "AQ 9010-2019"
AQ2025 = "AQ 9010.1-2025"
Standard = Literal["AQ 9010-2019", "AQ 9010.1-2025"]

# AQ 9010-2019 5.1 and 温州 第十四条 第二档 together (each rule reads its own list).
HighRisk = Literal["煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "金属冶炼", "民用爆炸物品", "交通运输",
                   "建筑施工", "海洋渔业", "渔业生产"]
HIGH_RISK_INDUSTRIES: tuple[str, ...] = ("煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "金属冶炼",
                                         "民用爆炸物品", "交通运输", "建筑施工", "海洋渔业", "渔业生产")
# 温州 第十四条 第二档: the eight high-risk industries.
WENZHOU_HIGH_RISK: frozenset[str] = frozenset({"非煤矿山", "危险化学品", "烟花爆竹", "金属冶炼",
                                               "民用爆炸物品", "交通运输", "建筑施工", "海洋渔业"})
MAX_PERIOD_DAYS = 366 * 10


class LastYear(Model):
    """上一年度情况 — what puts a Wenzhou policy in the third tier (温州 第十四条 第三档)."""

    fatal_accident: bool = Field(False, title="发生生产安全死亡事故")
    max_injured_in_one_accident: int = Field(0, ge=0, le=100_000, title="一次事故最多受伤人数")
    blacklisted: bool = Field(False, title="被纳入县级以上安全生产失信惩戒或黑名单")
    claims: int = Field(0, ge=0, le=100_000, title="保险索赔案件数（宗）")
    loss_ratio_percent: Decimal = Field(Decimal(0), ge=0, max_digits=9, decimal_places=2,
                                        title="赔付率（%）")


class PolicyTerms(Model):
    """POST /v1/policies: the policy the obligations are computed for."""

    policy_no: Identifier = Field(min_length=1, title="保单号")
    profile: Profile = Field(title="适用标准（版本）",
                             description="shandong 山东 · chengdu 成都 · national 全国 AQ 9010 · "
                                         "wenzhou 温州")
    standard: Standard | None = Field(
        None, title="全国标准版本",
        description="national 适用：AQ 9010-2019（现行，缺省）或 AQ 9010.1-2025（征求意见稿）")
    insured: ShortText = Field(min_length=1, title="被保险人")
    premium: Money = Field(title="保险费（元）")
    period_start: dt.date = Field(title="保险期间起")
    period_end: dt.date = Field(title="保险期间止")
    industry: ShortText | None = Field(None, title="行业")
    branch: ShortText | None = Field(None, title="承保分支机构",
                                     description="覆盖率、抽检按分支机构统计（山东 8.1）")
    region: ShortText | None = Field(None, title="所属地区", description="覆盖率按地区统计")
    high_risk_industry: HighRisk | None = Field(
        None, title="高危行业", description="AQ 9010-2019 5.1；温州 第十四条 第二档（八大高危行业）")
    above_scale: bool = Field(False, title="规模以上", description="AQ 9010-2019 5.1")
    large_or_medium: bool = Field(False, title="大中型被保险人", description="AQ 9010.1-2025 第4章")
    pooled: bool = Field(False, title="统筹委托服务项目",
                         description="山东 第5章：统筹委托的首次服务最迟 6 个月")
    last_year: LastYear = Field(default_factory=LastYear, title="上一年度情况（温州 第三档）")

    @model_validator(mode="after")
    def _consistent(self) -> PolicyTerms:
        if self.period_end < self.period_start:
            raise PydanticCustomError(
                "end_before_start",
                "保险期间止早于保险期间起 / the policy period ends ({end}) before it starts ({start})",
                {"start": str(self.period_start), "end": str(self.period_end)})
        if (self.period_end - self.period_start).days > MAX_PERIOD_DAYS:
            raise PydanticCustomError(
                "period_too_long", "保险期间超过 10 年 / the policy period exceeds 10 years", {})
        if self.standard is not None and self.profile != "national":
            raise PydanticCustomError(
                "standard_not_national",
                "只有 national 版本可指定全国标准版本 / only a national policy names a standard", {})
        return self

    @property
    def national_standard(self) -> Standard:
        """The national standard a ``national`` (or Wenzhou complaint) rule reads."""
        return self.standard or "AQ 9010-2019"
