"""The parties and the policy: who insures whom, who serves, who visits."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import LongText, Model, Money, Phone, Photos, ShortText, Text

__all__ = ["Insured", "Insurer", "Policy", "PolicyLinked", "ServiceProvider", "Technician"]


class Policy(Model):
    """保单 — the safety-liability policy the services are owed under."""

    policy_no: ShortText = Field(title="保单号", min_length=1)
    premium: Money | None = Field(None, title="保险费（元）")
    period_start: dt.date | None = Field(None, title="保险期间起")
    period_end: dt.date | None = Field(None, title="保险期间止")
    applicant: ShortText | None = Field(None, title="投保人")
    insured_name: ShortText | None = Field(None, title="被保险人")
    region: ShortText | None = Field(None, title="所属地区")
    industry: ShortText | None = Field(None, title="行业")

    @model_validator(mode="after")
    def _period_in_order(self) -> Policy:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise PydanticCustomError(
                "end_before_start",
                "保险期间止早于保险期间起 / policy period ends ({end}) before it starts ({start})",
                {"start": str(self.period_start), "end": str(self.period_end)},
            )
        return self


class Insurer(Model):
    """安责险承保机构 — the insurer that owes the prevention services."""

    name: ShortText = Field(title="安责险承保机构", min_length=1)
    contact: ShortText | None = Field(None, title="联系人")
    phone: Phone | None = Field(None, title="联系电话")
    address: ShortText | None = Field(None, title="地址")


class Insured(Model):
    """被保险人 — every field of the report annex's basic-information table (Shandong 附件4 一)."""

    name: ShortText = Field(title="被保险人名称", min_length=1)
    address: ShortText | None = Field(None, title="地址")
    industry: ShortText | None = Field(None, title="行业类别")
    license_scope: Text | None = Field(None, title="许可范围")
    legal_rep: ShortText | None = Field(None, title="法定代表人")
    legal_rep_phone: Phone | None = Field(None, title="法定代表人电话")
    safety_manager: ShortText | None = Field(None, title="安全负责人")
    safety_manager_phone: Phone | None = Field(None, title="安全负责人电话")
    credit_rating: ShortText | None = Field(None, title="信用等级")
    description: LongText | None = Field(
        None,
        title="被保险人基本情况",
        description="基本概况、施工工艺流程、作业场所、主要设施设备、主要危险源点及重大危险源等信息",
    )
    contact: ShortText | None = Field(None, title="联系人")
    contact_phone: Phone | None = Field(None, title="联系电话")


class ServiceProvider(Model):
    """第三方服务机构 — the technical service organisation the insurer engages."""

    name: ShortText = Field(title="第三方服务机构", min_length=1)
    overview: LongText | None = Field(None, title="第三方服务机构概况")
    contact: ShortText | None = Field(None, title="联系人")
    phone: Phone | None = Field(None, title="联系方式")


class Technician(Model):
    """技术人员 — 职称、擅长的专业领域、证书 (Shandong 附件4 二)."""

    name: ShortText = Field(title="姓名", min_length=1)
    title: ShortText | None = Field(None, title="职称")
    specialty: ShortText | None = Field(None, title="专业领域")
    certificates: list[ShortText] = Field(default_factory=list, title="证书", max_length=20)
    phone: Phone | None = Field(None, title="联系方式")
    role: ShortText | None = Field(None, title="分工")
    scans: Photos = Field(default_factory=list, title="证书扫描件或照片")


class PolicyLinked(Model):
    """A form the annex prints without a policy number, filed under one in the registry."""

    policy_no: ShortText | None = Field(
        None, title="保单号", min_length=1,
        description="登记用：按保单检索本记录（附录表格不印保单号）/ registry only: find this "
                    "record by policy (the annex form does not print it)")
