"""服务方案 — three variants:

- ``shandong``: 附件3 of 000_a04cad96e37f2d81.txt;
- ``national``: AQ 9010.1-2025 Appendix A (004_bba49dd4fae2d316.txt), cover + body;
- ``chengdu``: Appendix C of 001_3fc616084e0abfd0.txt (sections 1–5 and 表1 培训计划).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from domain.common import LongText, Model, ShortText, Text
from domain.parties import Insured, Insurer, Policy, ServiceProvider, Technician

__all__ = [
    "ChengduPlanData",
    "NationalPlanData",
    "PlanData",
]


class PlanServices(Model):
    """二、服务计划 (一)–(七): an item given here is chosen; its text says what will be done."""

    training: LongText | None = Field(
        None, title="(一) 安全生产宣传教育培训",
        description="线下培训方式、内容(课件)、场次, 培训人员类型、数量; 线上培训的系统名称, 培训的类型、"
        "方式, 培训人员类型、数量, 保证培训效果的措施",
    )
    risk_assessment: LongText | None = Field(
        None, title="(二) 安全风险辨识、评估和安全评价",
        description="风险辨识的范围、预计存在的风险类型、主要措施",
    )
    hazard_screening: LongText | None = Field(
        None, title="(三) 生产安全事故隐患排查",
        description="隐患排查的范围, 主要设施设备、施工工艺流程、作业场所, 排查的重点",
    )
    credit_system: LongText | None = Field(
        None, title="(四) 安全生产信用体系建设",
        description="安全生产信用建设方案、管理制度制修订, 安全生产信用自评",
    )
    emergency: LongText | None = Field(
        None, title="(五) 生产安全应急预案编制和应急演练",
        description="应急预案编制内容; 应急演练的方式、范围、类型",
    )
    technology: LongText | None = Field(
        None, title="(六) 安全生产科技创新与推广应用", description="推广应用的内容、形式"
    )
    other: LongText | None = Field(
        None, title="(七) 其他类型的服务",
        description="开展服务的名称、种类、方式、范围, 涉及的人员, 主要详细描述",
    )


class Safeguards(Model):
    funds: LongText | None = Field(None, title="(一) 资金安排")
    staffing: LongText | None = Field(None, title="(二) 人员安排")
    other: LongText | None = Field(None, title="(三) 其他服务保障情况")


class PlanData(Model):
    """Shandong 附件3."""

    policy: Policy = Field(title="保单")
    insured: Insured = Field(title="被保险人")
    insurer: Insurer = Field(title="安责险承保机构")
    provider: ServiceProvider = Field(title="第三方服务机构")
    basis: ShortText = Field(
        title="依据", description="服务计划所依据的要求（附件中的“根据 XXXX 要求”）", min_length=1
    )
    services: PlanServices = Field(title="服务计划")
    safeguards: Safeguards = Field(default_factory=Safeguards, title="服务保障")
    expected_effect: LongText | None = Field(None, title="预期效果")
    provider_signatory: ShortText | None = Field(None, title="第三方服务机构签字或签章")
    signed_on: dt.date | None = Field(None, title="日期")


NationalServiceKind = Literal[
    "安全生产宣传教育培训",
    "安全风险辨识、评估、评价",
    "安全生产标准化管理体系建设",
    "生产安全事故隐患排查",
    "安全生产应急预案编制和应急救援演练",
    "安全生产科技创新、装备研发推广应用",
    "其他有关事故预防工作",
]


class NationalPlanItem(Model):
    kind: NationalServiceKind = Field(title="服务项目", description="AQ 9010.1-2025 第4章 a)–g)")
    schedule: ShortText | None = Field(None, title="服务时间和频次")
    content: LongText | None = Field(None, title="具体服务内容")


class CoInsured(Model):
    name: ShortText = Field(title="被保险人名称", min_length=1)
    policy_no: ShortText = Field(title="保单号", min_length=1)


class EnterpriseProfile(Model):
    safety_management: LongText | None = Field(None, title="（一）安全管理状况")
    equipment: LongText | None = Field(None, title="（二）主要设备设施")
    processes: LongText | None = Field(None, title="（三）主要工艺流程")
    hazard_points: LongText | None = Field(None, title="（四）主要危险点及重大危险源")


class NationalPlanData(Model):
    """AQ 9010.1-2025 Appendix A: cover (图A.1) and body (图A.2)."""

    policy: Policy = Field(title="保单")
    insured: Insured = Field(title="被保险人")
    insurer: Insurer = Field(title="保险机构")
    provider: ServiceProvider = Field(title="服务机构")
    co_insured: list[CoInsured] = Field(
        default_factory=list, max_length=500, title="同一方案覆盖的其他被保险人",
        description="集中服务时，须完整记录所有被保险人名称与对应的保单号（A.2）",
    )
    profile: EnterpriseProfile = Field(default_factory=EnterpriseProfile, title="一、企业概况")
    items: list[NationalPlanItem] = Field(min_length=1, max_length=50, title="（一）服务项目基本情况")
    process: LongText | None = Field(None, title="（一）服务流程")
    timetable: LongText | None = Field(None, title="（二）时间安排")
    goals: LongText | None = Field(None, title="四、预期目标")
    safeguards: LongText | None = Field(None, title="五、服务保障")
    signed_on: dt.date | None = Field(None, title="日期")


ChengduServiceKind = Literal[
    "training", "risk_assessment", "hazard_screening", "standardization", "emergency", "technology"
]


class TrainingPlanRow(Model):
    """表 1 安全生产教育培训计划."""

    topic: ShortText | None = Field(None, title="培训主题")
    audience: ShortText | None = Field(None, title="培训对象")
    form: ShortText | None = Field(None, title="培训形式")
    kind: ShortText | None = Field(None, title="培训类型")
    materials: Text | None = Field(None, title="培训资料")
    time: ShortText | None = Field(None, title="培训时间")


class ChengduServiceMeasures(Model):
    """3 服务措施与预期成果: the measures and outcomes agreed for one chosen item."""

    measures: LongText | None = Field(None, title="服务措施")
    outcomes: LongText | None = Field(None, title="预期成果")


class ChengduPlanServices(Model):
    training: ChengduServiceMeasures | None = Field(None, title="3.1 安全生产教育培训（《规范》6.1）")
    risk_assessment: ChengduServiceMeasures | None = Field(
        None, title="3.2 安全风险辨识评估（《规范》6.2）"
    )
    hazard_screening: ChengduServiceMeasures | None = Field(
        None, title="3.3 生产安全事故隐患排查（《规范》6.3）"
    )
    standardization: ChengduServiceMeasures | None = Field(
        None, title="3.4 安全生产标准化建设（《规范》6.4）"
    )
    emergency: ChengduServiceMeasures | None = Field(
        None, title="3.5 生产安全事故应急预案及演练（《规范》6.5）"
    )
    technology: ChengduServiceMeasures | None = Field(
        None, title="3.6 安全生产科技推广及应用（《规范》6.6）"
    )


class ChengduPlanData(Model):
    """Chengdu Appendix C 安全生产责任保险事故预防技术服务方案（模板）."""

    policy: Policy = Field(title="保单")
    insured: Insured = Field(title="投保单位")
    insurer: Insurer = Field(title="保险公司")
    overview: LongText | None = Field(None, title="投保单位概况（所属行业、规模、产值等）")
    equipment_process: LongText | None = Field(None, title="主要设备设施和工艺流程")
    accident_history: LongText | None = Field(None, title="生产事故历史情况")
    services: ChengduPlanServices = Field(title="服务项目")
    training_plan: list[TrainingPlanRow] = Field(
        default_factory=list, max_length=200, title="表 1 安全生产教育培训计划"
    )
    frequency: LongText | None = Field(None, title="4 服务频次")
    team: list[Technician] = Field(default_factory=list, max_length=100, title="5 服务团队")
