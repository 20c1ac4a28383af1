"""投诉处理记录 — a complaint, its handling and the answer (no standard gives a form for it).

What it holds comes from the complaint clauses themselves: 山东 6.4, 成都 5.4.2.1, AQ 9010-2019 6.4
and AQ 9010.1-2025 6.4 (the answer states the complainant's request, the facts found and their
basis, and the measures taken; the 2025 draft adds how the complaint was verified and the
complainant's remedies). The layout (``templates/annex/service/complaint.yaml``) is the
service's own, and says so on the form.

A complaint is archived when received; answering or extending it is a new version: a new record
whose ``supersedes`` names the previous one. The answer deadline is computed by
``domain.obligations.complaint_deadline`` from the profile's rule and printed on the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import Model, Phone, ShortText, Text
from domain.errors import Problem
from domain.parties import PolicyLinked
from domain.policies import Standard

__all__ = ["Answer", "Appraisal", "ComplaintData", "ExtendableComplaintData", "Extension",
           "NationalComplaintData", "china_date", "complaint_checks"]

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")

Channel = Literal["电话", "网络", "信函", "现场", "主管部门转办", "其他"]


def china_date(value: dt.datetime | dt.date) -> dt.date:
    """The calendar day in China of a date or time (a time without zone is taken as local)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CHINA)
        return value.date()
    return value


class Appraisal(Model):
    """外部机构鉴定、检测、评估 — a period not counted under AQ 9010.1-2025 6.4."""

    start: dt.date = Field(title="开始日期")
    end: dt.date = Field(title="结束日期")
    by: ShortText | None = Field(None, title="外部机构")
    what: ShortText | None = Field(None, title="事项", description="鉴定、检测或评估")

    @model_validator(mode="after")
    def _in_order(self) -> Appraisal:
        if self.end < self.start:
            raise PydanticCustomError(
                "end_before_start",
                "结束日期早于开始日期 / appraisal ends ({end}) before it starts ({start})",
                {"start": str(self.start), "end": str(self.end)})
        return self


class Extension(Model):
    """延长处理期限 — 山东 6.4 (agreed with the complainant, ≤ 30 days, reason told) or
    AQ 9010.1-2025 6.4 (approved by a superior body or head-office senior manager, ≤ 30 days)."""

    days: int = Field(ge=1, le=30, title="延长天数（日）")
    reason: Text = Field(min_length=1, title="延长理由")
    agreed_on: dt.date | None = Field(None, title="与投诉人协商一致日期")
    approved_by: ShortText | None = Field(None, title="审批人（上级机构或总公司高级管理人员）")
    notified_on: dt.date | None = Field(None, title="告知投诉人日期")


class Answer(Model):
    """答复意见 / 处理决定."""

    facts_and_basis: Text = Field(min_length=1, title="对基本事实的认定及依据")
    measures: Text = Field(min_length=1, title="对投诉事项的处理措施")
    verification: Text | None = Field(None, title="对投诉内容的核实情况")
    remedies: Text | None = Field(None, title="投诉人可以采取的救济途径",
                                  description="申请核查、调解、仲裁、诉讼等（AQ 9010.1-2025 6.4）")


class ComplaintData(PolicyLinked):
    """投诉处理记录."""

    insured_name: ShortText | None = Field(None, title="被保险人（投保单位）")
    received_at: dt.date | dt.datetime = Field(title="收到投诉时间")
    channel: Channel = Field(title="投诉渠道")
    complainant: ShortText = Field(min_length=1, title="投诉人")
    complainant_phone: Phone | None = Field(None, title="投诉人联系方式")
    content: Text = Field(min_length=1, title="投诉请求")
    needs_verification: bool = Field(
        False, title="需要进一步核实与处理（情况复杂）",
        description="山东 6.4、成都 5.4.2.1、AQ 9010-2019 6.4：需进一步核实与处理；"
                    "AQ 9010.1-2025 6.4：情况复杂")
    appraisals: list[Appraisal] = Field(default_factory=list, max_length=10,
                                        title="外部鉴定、检测、评估")
    handler: ShortText | None = Field(None, title="处理人员")
    answer: Answer | None = Field(None, title="答复意见")
    answered_at: dt.date | None = Field(None, title="答复日期")

    @property
    def received_on(self) -> dt.date:
        return china_date(self.received_at)

    @model_validator(mode="after")
    def _answer_complete(self) -> ComplaintData:
        if (self.answer is None) != (self.answered_at is None):
            raise PydanticCustomError(
                "answer_and_date",
                "答复意见与答复日期须同时填写 / give the answer and the date it was given together",
                {})
        if self.answered_at is not None and self.answered_at < self.received_on:
            raise PydanticCustomError(
                "answered_before_received",
                "答复日期早于收到投诉时间 / answered ({answered}) before it was received "
                "({received})", {"answered": str(self.answered_at),
                                 "received": str(self.received_on)})
        return self


class ExtendableComplaintData(ComplaintData):
    """A complaint under a rule that allows extending the deadline (山东 6.4, AQ 9010.1-2025
    6.4); 成都 5.4.2.1 and AQ 9010-2019 6.4 (and so Wenzhou) allow none."""

    extension: Extension | None = Field(None, title="延长处理期限")


class NationalComplaintData(ExtendableComplaintData):
    """National profile: the complaint names the national standard it is handled under (only
    AQ 9010.1-2025 allows an extension)."""

    standard: Standard = Field("AQ 9010-2019", title="适用标准",
                               description="AQ 9010-2019（现行，缺省）或 AQ 9010.1-2025（征求意见稿）")


def complaint_checks(profile: str) -> tuple[Callable[[Any], list[Problem]], ...]:
    """The profile's rule on extensions (a FormKind check: problems at their paths)."""

    def check(model: Any) -> list[Problem]:
        from domain.obligations import rules_for

        ext = getattr(model, "extension", None)
        if ext is None:
            return []
        rule = rules_for(profile, getattr(model, "standard", None)).complaint
        if rule.extension_days is None:
            return [Problem(("extension",), "extension_not_allowed",
                            f"{rule.clause} 未规定延长处理期限",
                            f"{rule.clause} allows no extension of the answer deadline")]
        if rule.extension_by == "agreement" and ext.agreed_on is None:
            # 山东 6.4: extended only by agreement with the complainant, who is told why
            return [Problem(("extension", "agreed_on"), "extension_agreement",
                            f"{rule.clause}：延长须经与投诉人协商一致，请填写协商一致日期",
                            f"{rule.clause}: an extension needs the complainant's agreement; "
                            "give the date it was agreed")]
        if rule.extension_by == "approval" and not ext.approved_by:
            # AQ 9010.1-2025 6.4: approved by a superior body or a head-office senior manager
            return [Problem(("extension", "approved_by"), "extension_approval",
                            f"{rule.clause}：延长须经上级机构或总公司高级管理人员审批，请填写审批人",
                            f"{rule.clause}: an extension needs the approval of a superior body "
                            "or head-office senior manager; name who approved it")]
        return []

    return (check,)
