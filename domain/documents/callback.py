"""回访表 — Shandong 附件5 (000_a04cad96e37f2d81.txt) and Chengdu Appendix D (001_3fc616084e0abfd0.txt)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import LongText, Model, Phone, Photos, ShortText, Text, YesNo
from domain.parties import Insurer, Policy
from domain.scoring import APPENDIX_D, Finding, ScoreSheet, score

__all__ = ["CallbackData", "ChengduCallbackData"]

Rating3 = Literal["好", "中", "差"]


class CallbackData(Model):
    """Shandong 附件5 安责险承保机构安全生产责任保险事故预防技术服务回访表."""

    policy: Policy = Field(title="保单")
    callback_time: dt.datetime | dt.date = Field(title="回访时间")
    caller: ShortText = Field(title="回访人员", min_length=1)
    caller_phone: Phone | None = Field(None, title="回访人员联系方式")
    insured_name: ShortText = Field(title="被保险人名称", min_length=1)
    insured_contact: ShortText | None = Field(None, title="被保险人联系人员")
    insured_contact_phone: Phone | None = Field(None, title="被保险人联系方式")
    service_items: Text = Field(title="服务项目", min_length=1)
    service_time: ShortText | None = Field(None, title="服务时间")
    service_place: ShortText | None = Field(None, title="服务地点")
    provider_name: ShortText | None = Field(None, title="第三方服务机构")
    provider_phone: Phone | None = Field(None, title="第三方服务机构联系方式")
    technicians: ShortText | None = Field(None, title="技术人员")
    process: LongText | None = Field(None, title="服务过程（可附图）")
    process_photos: Photos = Field(default_factory=list, title="服务过程附图")
    attitude: Rating3 = Field(title="服务态度")
    skill: Rating3 = Field(title="技术水平")
    closure: Literal["已完成", "未完成"] = Field(title="服务闭环")
    overall: Literal["非常满意", "基本满意", "一般", "不满意"] = Field(title="服务总体评价")
    suggestions: LongText | None = Field(None, title="其他建议")


class Rectification(Model):
    """Appendix D 表2 整改情况表."""

    has_issue_list: YesNo = Field(title="投保单位收到的服务成果中是否涉及安全问题清单和整改建议")
    rectified: YesNo | None = Field(
        None, title="如果服务成果中包含安全问题清单和整改建议，投保单位是否按照整改建议完成了整改工作"
    )

    @model_validator(mode="after")
    def _answer_when_applicable(self) -> Rectification:
        if self.has_issue_list == "是" and self.rectified is None:
            raise PydanticCustomError(
                "rectified_required",
                "服务成果含问题清单时须回答是否完成整改 / say whether the issues were rectified",
                {},
            )
        return self


class ChengduCallbackData(Model):
    """Chengdu Appendix D: 表1 投保单位满意度调查表 (100 points, computed) and 表2 整改情况表."""

    insurer: Insurer = Field(title="保险公司")
    insured_name: ShortText = Field(title="投保单位", min_length=1)
    policy: Policy = Field(title="保单")
    callback_date: dt.date = Field(title="回访日期")
    caller: ShortText = Field(title="回访人员", min_length=1)
    caller_phone: Phone | None = Field(None, title="回访人员联系方式")
    insured_contact: ShortText | None = Field(None, title="投保单位联系人")
    insured_contact_phone: Phone | None = Field(None, title="投保单位联系人联系方式")
    findings: dict[str, Finding] = Field(
        title="评分情况",
        description="每个指标的扣分情形，按表1参考评分细则计算得分；指标键见 JSON Schema 说明",
        json_schema_extra={"propertyNames": {"enum": [r.key for r in APPENDIX_D]}},
    )
    rectification: Rectification = Field(title="表2 整改情况表")

    @property
    def sheet(self) -> ScoreSheet:
        return score(APPENDIX_D, self.findings, ("findings",))
