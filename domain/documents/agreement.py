"""服务协议 — Shandong 附件2 (000_a04cad96e37f2d81.txt): service items a)–g) and signatures."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import DateRange, Model, ShortText, Text
from domain.parties import Insured, Insurer, Policy

__all__ = ["AgreementData", "AgreementServices"]


class OnlineTraining(Model):
    url: ShortText | None = Field(None, title="网址")
    content: Text | None = Field(None, title="主要内容")


class OfflineTraining(Model):
    period: DateRange | None = Field(None, title="时间")
    location: ShortText | None = Field(None, title="地点")
    content: Text | None = Field(None, title="主要内容")


class TrainingItem(Model):
    online: OnlineTraining | None = Field(None, title="线上培训")
    offline: OfflineTraining | None = Field(None, title="线下培训")


class RiskAssessmentItem(Model):
    period: DateRange | None = Field(None, title="时间")
    project_name: ShortText | None = Field(None, title="项目名称")


class Inspection(Model):
    period: DateRange | None = Field(None, title="时间")
    scope: Text | None = Field(None, title="排查范围")


class HazardScreeningItem(Model):
    frequency: ShortText | None = Field(None, title="频次")
    inspections: list[Inspection] = Field(
        default_factory=list, max_length=12, title="排查安排",
        description="前两次逐次载明；超过两次可另行约定排查时间",
    )


class CreditSystemItem(Model):
    period: DateRange | None = Field(None, title="时间")
    name: ShortText | None = Field(None, title="名称")
    content: Text | None = Field(None, title="具体内容")


class EmergencyItem(Model):
    frequency: ShortText | None = Field(None, title="频次")
    period: DateRange | None = Field(None, title="时间")
    form: ShortText | None = Field(None, title="形式")


class Application(Model):
    name: ShortText | None = Field(None, title="应用项目名称")
    purpose: Text | None = Field(None, title="主要作用")


class TechnologyItem(Model):
    applications: list[Application] = Field(default_factory=list, max_length=12, title="应用项目")


class OtherService(Model):
    name: ShortText | None = Field(None, title="名称")
    purpose: Text | None = Field(None, title="主要作用")
    content: Text | None = Field(None, title="具体内容")


class OtherItem(Model):
    services: list[OtherService] = Field(default_factory=list, max_length=12, title="其他服务")


class AgreementServices(Model):
    """一、服务项目 — an item given here is chosen (☑); an item left out is not (□)."""

    training: TrainingItem | None = Field(None, title="a) 安全生产宣传教育培训")
    risk_assessment: RiskAssessmentItem | None = Field(None, title="b) 安全风险辨识、评估和安全评价")
    hazard_screening: HazardScreeningItem | None = Field(None, title="c) 生产安全事故隐患排查")
    credit_system: CreditSystemItem | None = Field(None, title="d) 安全生产信用体系建设")
    emergency: EmergencyItem | None = Field(
        None, title="e) 生产安全事故应急预案编制和应急演练"
    )
    technology: TechnologyItem | None = Field(None, title="f) 安全生产科技创新与推广应用")
    other: OtherItem | None = Field(None, title="g) 其他有关事故预防技术服务")

    @model_validator(mode="after")
    def _at_least_one(self) -> AgreementServices:
        if not any(getattr(self, name) is not None for name in type(self).model_fields):
            raise PydanticCustomError(
                "service_item_required",
                "至少选择一项服务项目 / choose at least one service item",
                {},
            )
        return self


class AgreementData(Model):
    policy: Policy = Field(title="保单")
    insured: Insured = Field(title="甲方（被保险人）")
    insurer: Insurer = Field(title="乙方（安责险承保机构）")
    services: AgreementServices = Field(title="服务项目")
    party_a_agent: ShortText | None = Field(None, title="甲方法定代表人或其委托代理人")
    party_b_agent: ShortText | None = Field(None, title="乙方法定代表人或其委托代理人")
    party_a_date: dt.date | None = Field(None, title="甲方签订日期")
    party_b_date: dt.date | None = Field(None, title="乙方签订日期")
