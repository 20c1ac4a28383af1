"""温州 半年度自评报告 (003_1c9e57a8db7131ab.txt 第二十三条) with the assessment index of
第二十四条 and 第二十五条 (100 points, innovation bonus at most 10, one decimal).

第二十三条 gives the report's contents: 服务方案实施情况及效果, 提供事故预防技术服务的机构和人员的专业
能力, 存在的问题和改进措施. 第二十四条 names the nine aspects assessed; 第二十五条 fixes the total
(100 + at most 10 for innovation, one decimal). The standard does not split the 100 points
between the aspects, so each aspect's score is the one assessed, and only the totals are ruled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from domain.charts import WenzhouCharts
from domain.common import LongText, Model, ShortText, Text
from domain.documents.annual import SourceRecord
from domain.errors import Problem
from domain.parties import PolicyLinked

__all__ = ["ASPECTS", "AspectScore", "WenzhouEvaluationData", "WenzhouTotals", "check_totals"]

# 温州 第二十四条 (一)–(九); (八) is the bonus item (第二十五条: at most 10 points).
ASPECTS: tuple[tuple[str, str], ...] = (
    ("service", "（一）事故预防服务情况"),
    ("fees", "（二）事故预防服务费用提取和列支情况"),
    ("promotion", "（三）安责险产品宣传与推广情况"),
    ("effect", "（四）安责险事故预防服务效果"),
    ("information_system", "（五）安责险信息化建设及信息录入情况"),
    ("reporting", "（六）安责险项目各类信息报送情况"),
    ("satisfaction", "（七）安责险项目服务满意度情况"),
    ("innovation", "（八）安责险项目服务创新情况（加分项）"),
    ("other", "（九）其他应当考核的内容"),
)
BONUS = "innovation"
BASE_MAX = Decimal(100)
BONUS_MAX = Decimal(10)

Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=4, decimal_places=1)]
AspectKey = Literal["service", "fees", "promotion", "effect", "information_system", "reporting",
                    "satisfaction", "innovation", "other"]


class AspectScore(Model):
    score: Score = Field(title="自评得分", description="保留一位小数（第二十五条）")
    evidence: Text | None = Field(None, title="佐证材料")


class WenzhouEvaluationData(PolicyLinked):
    """温州 半年度自评报告 (第二十三条) and its score sheet (第二十四条、第二十五条)."""

    insurer: ShortText = Field(min_length=1, title="保险机构")
    provider: ShortText = Field(min_length=1, title="第三方服务机构")
    year: int = Field(ge=2020, le=2100, title="年度")
    half: Literal["上半年", "下半年"] = Field(title="半年度")
    date: dt.date = Field(title="报告日期")
    implementation: LongText = Field(min_length=1, title="服务方案实施情况及效果")
    capability: LongText = Field(min_length=1, title="提供事故预防技术服务的机构和人员的专业能力")
    problems: LongText = Field(min_length=1, title="存在的问题和改进措施")
    scores: dict[AspectKey, AspectScore] = Field(
        default_factory=dict, title="考核评价指标自评得分",
        description="第二十四条 (一)–(九)；(八) 为创新加分项")
    sources: list[SourceRecord] = Field(
        default_factory=list, max_length=20_000, title="所依据的档案记录",
        description="由档案生成时（POST /v1/evaluations）列出所依据的每一份记录及其 SHA-256")
    charts: WenzhouCharts | None = Field(
        None, title="图（由档案生成）",
        description="由档案生成时（POST /v1/evaluations）与文中数字同源的图的数据；无则不绘图")

    @property
    def totals(self) -> WenzhouTotals:
        base = sum((s.score for k, s in self.scores.items() if k != BONUS), Decimal(0))
        bonus = self.scores[BONUS].score if BONUS in self.scores else Decimal(0)
        return WenzhouTotals(base, bonus)


@dataclass(frozen=True)
class WenzhouTotals:
    base: Decimal
    bonus: Decimal

    @property
    def total(self) -> Decimal:
        return (self.base + self.bonus).quantize(Decimal("0.1"))  # 第二十五条: one decimal


def check_totals(model: Any) -> list[Problem]:
    """第二十五条: the index is worth 100 points, the innovation bonus at most 10."""
    t = model.totals
    out: list[Problem] = []
    if t.base > BASE_MAX:
        out.append(Problem(("scores",), "score_over_100",
                           f"第二十五条：服务评价指标共 100 分，自评得分合计 {t.base} 分",
                           f"the index is worth 100 points; the scores add up to {t.base}"))
    if t.bonus > BONUS_MAX:
        out.append(Problem(("scores", BONUS, "score"), "bonus_over_10",
                           f"第二十五条：创新加分项不超过 10 分（{t.bonus} 分）",
                           f"the innovation bonus is at most 10 points ({t.bonus})"))
    return out
