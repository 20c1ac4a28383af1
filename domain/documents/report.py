"""服务报告 — Shandong 附件4 (000_a04cad96e37f2d81.txt), with 风险辨识清单 and 隐患排查清单."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import LongText, Model, Money, Photos, ShortText, Text
from domain.parties import Insured, Insurer, Policy, ServiceProvider, Technician

__all__ = ["HazardRow", "ReportData", "RiskLevel", "RiskRow"]

RiskLevel = Literal["重大风险", "较大风险", "一般风险", "低风险"]
HazardGrade = Literal["一般事故隐患", "重大事故隐患"]
CostItem = Literal["training", "risk_assessment", "hazard_screening", "credit_system", "emergency",
                   "technology", "other"]

MAX_ROWS = 2_000


class RiskRow(Model):
    """风险辨识清单 one row: 风险名称, 现场照片, 类型, 依据, 防范措施, 风险等级."""

    name: ShortText = Field(title="风险名称", min_length=1)
    photos: Photos = Field(default_factory=list, title="现场照片")
    type: ShortText | None = Field(None, title="类型")
    basis: Text | None = Field(None, title="依据")
    measures: Text | None = Field(None, title="防范措施")
    level: RiskLevel | None = Field(None, title="风险等级")
    area: ShortText | None = Field(None, title="场所/区域", description="四色图按场所/区域着色")
    l: int | None = Field(None, title="可能性 L", ge=1, le=5, description="风险矩阵法 L（1–5）")  # noqa: E741
    s: int | None = Field(None, title="严重性 S", ge=1, le=5, description="风险矩阵法 S（1–5）")

    @model_validator(mode="after")
    def _level_given_or_computable(self) -> RiskRow:
        if (self.l is None) != (self.s is None):
            raise PydanticCustomError(
                "ls_pair", "L 与 S 须同时给出 / L and S must be given together", {}
            )
        if self.level is None and self.l is None:
            raise PydanticCustomError(
                "level_required",
                "须给出风险等级，或给出 L 和 S 由系统计算 / give the risk level, or L and S to compute it",
                {},
            )
        return self


class HazardRow(Model):
    """隐患排查清单 one row: 问题描述, 现场照片, 类型, 依据, 整改建议, 隐患级别."""

    description: Text = Field(title="问题描述", min_length=1)
    photos: Photos = Field(default_factory=list, title="现场照片")
    type: ShortText | None = Field(None, title="类型")
    basis: Text | None = Field(None, title="依据")
    suggestion: Text | None = Field(None, title="整改建议")
    grade: HazardGrade = Field(title="隐患级别")


class Section(Model):
    text: LongText | None = Field(None, title="内容")
    photos: Photos = Field(default_factory=list, title="照片")


class Visit(Model):
    date: dt.date = Field(title="服务日期")
    end_date: dt.date | None = Field(None, title="服务结束日期")
    location: ShortText | None = Field(None, title="服务地点")

    @model_validator(mode="after")
    def _in_order(self) -> Visit:
        if self.end_date and self.end_date < self.date:
            raise PydanticCustomError(
                "end_before_start",
                "服务结束日期早于服务日期 / visit ends ({end}) before it starts ({start})",
                {"start": str(self.date), "end": str(self.end_date)},
            )
        return self


class ReportData(Model):
    policy: Policy = Field(title="保单")
    insured: Insured = Field(title="被保险人")
    insurer: Insurer = Field(title="安责险承保机构")
    provider: ServiceProvider = Field(title="第三方服务机构")
    visit: Visit = Field(title="服务")
    technicians: list[Technician] = Field(min_length=1, max_length=50, title="二、技术人员基本情况")
    training: Section | None = Field(None, title="1、安全生产宣传教育培训")
    risk_assessment: Section | None = Field(None, title="2、安全风险辨识、评估和安全评价")
    risks: list[RiskRow] = Field(default_factory=list, max_length=MAX_ROWS, title="风险辨识清单")
    hazard_scope: Text | None = Field(
        None, title="排查的场所、设施、设备及主要施工工艺流程"
    )
    hazards: list[HazardRow] = Field(default_factory=list, max_length=MAX_ROWS, title="隐患排查清单")
    # 附件4's notes: “辨识结果需要风险辨识人员签字，被保险人签字确认”, “事故预防人员要签字，
    # 被保险人现场人员签字确认” — the names printed at those signature lines
    risk_identifiers: ShortText | None = Field(None, title="风险辨识人员（签字）")
    risk_insured_signatory: ShortText | None = Field(
        None, title="被保险人签字确认（风险辨识结果）")
    hazard_inspectors: ShortText | None = Field(None, title="事故预防人员（签字）")
    hazard_insured_signatory: ShortText | None = Field(
        None, title="被保险人现场人员签字确认（隐患排查）")
    credit_system: Section | None = Field(None, title="4、安全生产信用体系建设")
    emergency: Section | None = Field(None, title="5、生产安全应急预案编制和应急演练")
    technology: Section | None = Field(None, title="6、安全生产科技创新与推广应用")
    other: Section | None = Field(None, title="7、其他类型的服务")
    interviews: Section | None = Field(
        None, title="8、现场询问岗位人员情况",
        description="操作规程掌握是否熟练，规章制度是否了解，风险及防控措施是否规范等",
    )
    suggestions: LongText | None = Field(None, title="四、工作建议")
    insured_representative: ShortText | None = Field(None, title="被保险人授权代表")
    insured_not_signed_reason: Text | None = Field(
        None, title="被保险人未签字说明", description="被保险人不签字的要注明（附件4 三、3）"
    )
    provider_representative: ShortText | None = Field(None, title="第三方服务机构授权代表")
    insurer_approver: ShortText | None = Field(None, title="承保公司风险管理人员审批")
    costs: dict[CostItem, Money] = Field(
        default_factory=dict, title="服务项目实际支出金额（元）",
        description="AQ 9010.1-2025 附录B 要求各服务类型档案载明实际支出金额",
    )
