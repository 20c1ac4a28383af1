"""总结评估报告 — Shandong 附件6 (000_a04cad96e37f2d81.txt) and Chengdu Appendix E (001_…)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field, computed_field, model_validator
from pydantic_core import PydanticCustomError

from domain.charts import ChengduCharts, ShandongCharts
from domain.common import LongText, Model, Money, ShortText, Text, YesNo
from domain.parties import Insurer, PolicyLinked
from domain.scoring import APPENDIX_E, Finding, ScoreSheet, score

__all__ = ["AnnualEvaluationData", "ChengduAnnualEvaluationData"]


class WorkListRow(Model):
    """一、事故预防工作清单 — one insured's year."""

    insured: ShortText = Field(title="被保险人", min_length=1)
    fee: Money | None = Field(None, title="服务费用（元）")
    staff: Text | None = Field(None, title="参与人员信息")
    experts: Text | None = Field(None, title="聘请专家信息")
    services: Text | None = Field(None, title="服务形式和次数")
    hazard_count: int | None = Field(None, ge=0, title="排查出的事故隐患数量")
    hazard_content: Text | None = Field(None, title="事故隐患内容")
    major_hazard: YesNo | None = Field(None, title="是否排查出重大事故隐患")
    handling: Text | None = Field(None, title="事故隐患处置过程及处置结果")
    reported: Text | None = Field(None, title="报备情况")


class Analysis(Model):
    satisfaction: LongText | None = Field(None, title="被保险人满意度")
    complaints: LongText | None = Field(None, title="投诉处理情况")
    experience: LongText | None = Field(None, title="经验总结")
    problems: LongText | None = Field(None, title="问题与不足剖析")


class Funds(Model):
    """三、事故预防费用收支情况: 余额 = 计提 − 支出, computed."""

    accrued: Money = Field(title="计提（元）")
    spent: Money = Field(title="支出（元）")

    @computed_field(title="余额（元）")  # type: ignore[prop-decorator]
    @property
    def balance(self) -> Decimal:
        return self.accrued - self.spent


class NextPlanRow(Model):
    """四、下一阶段事故预防技术服务计划."""

    target: ShortText | None = Field(None, title="服务对象")
    content: Text | None = Field(None, title="服务内容")
    time: ShortText | None = Field(None, title="开展时间")
    method: ShortText | None = Field(None, title="开展方式")
    budget: Money | None = Field(None, title="费用预算（元）")


class SourceRecord(Model):
    """A record the report was computed from (POST /v1/evaluations), with its hash."""

    id: ShortText = Field(min_length=1, title="记录编号")
    type: ShortText = Field(title="类型")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", title="SHA-256 哈希值")


class AnnualEvaluationData(PolicyLinked):
    """Shandong 附件6 安全生产责任保险事故预防总结评估报告."""

    insurer: Insurer = Field(title="安责险承保机构")
    year: int = Field(title="评估周期（年度）", ge=2000, le=2100,
                      description="评估周期为每年 1 月 1 日至 12 月 31 日")
    date: dt.date = Field(title="日期")
    work_list: list[WorkListRow] = Field(default_factory=list, max_length=2_000,
                                         title="一、事故预防工作清单")
    analysis: Analysis = Field(default_factory=Analysis, title="二、事故预防工作分析")
    funds: Funds = Field(title="三、事故预防费用收支情况")
    next_plan: list[NextPlanRow] = Field(default_factory=list, max_length=500,
                                         title="四、下一阶段事故预防技术服务计划")
    responsible: ShortText | None = Field(None, title="安责险承保机构分管负责人")
    pooled_by_broker: bool = Field(False, title="统筹委托",
                                   description="统筹委托的由保险经纪机构签字并附委托合同")
    broker: ShortText | None = Field(None, title="保险经纪机构")
    sources: list[SourceRecord] = Field(
        default_factory=list, max_length=20_000, title="汇总所依据的档案记录",
        description="由档案生成时（POST /v1/evaluations）列出所汇总的每一份记录及其 SHA-256")
    charts: ShandongCharts | None = Field(
        None, title="图（由档案生成）",
        description="由档案生成时（POST /v1/evaluations）与表中数字同源的图的数据；无则不绘图")

    @model_validator(mode="after")
    def _year_before_report(self) -> AnnualEvaluationData:
        if self.date.year < self.year:
            raise PydanticCustomError(
                "date_before_period",
                "报告日期早于评估周期 / report date {date} is before the evaluated year {year}",
                {"date": str(self.date), "year": self.year},
            )
        if self.pooled_by_broker and not self.broker:
            raise PydanticCustomError(
                "broker_required",
                "统筹委托时须写明保险经纪机构 / name the broker when the service is pooled",
                {},
            )
        return self


class ChengduAnnualEvaluationData(PolicyLinked):
    """Chengdu Appendix E 服务质量评估指标体系: 100 points plus 30 bonus, computed."""

    insurer: Insurer = Field(title="保险公司（评价对象）")
    year: int = Field(title="评估年度", ge=2000, le=2100)
    evaluator: ShortText = Field(title="评估方", min_length=1, description="自评或第三方评估机构")
    date: dt.date = Field(title="评估日期")
    findings: dict[str, Finding] = Field(
        title="评分情况",
        json_schema_extra={"propertyNames": {"enum": [r.key for r in APPENDIX_E]}},
    )
    summary: LongText | None = Field(None, title="评估结论")
    sources: list[SourceRecord] = Field(
        default_factory=list, max_length=20_000, title="评分所依据的档案记录",
        description="由档案生成时（POST /v1/evaluations）列出所依据的每一份记录及其 SHA-256")
    charts: ChengduCharts | None = Field(
        None, title="图（由档案生成）",
        description="由档案生成时（POST /v1/evaluations）与表中数字同源的图的数据；无则不绘图")

    @property
    def sheet(self) -> ScoreSheet:
        return score(APPENDIX_E, self.findings, ("findings",))
