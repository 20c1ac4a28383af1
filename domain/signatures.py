"""Who signs which document, in which order (the annexes' signature lines), and how.

Shandong 附件4 names three signers of the report, in this order: 被保险人授权代表,
第三方服务机构授权代表, 承保公司风险管理人员审批. Each party signs with its own certificate or by a
recorded click-to-sign confirmation; the service's archive signature comes last, before the lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import Model, ShortText
from domain.errors import Problem

__all__ = ["SIGNATURE_LINES", "PartySignature", "check_signature_order"]

Role = Literal["insured", "provider", "insurer"]

# Signature lines per document type, in the annex's order.
SIGNATURE_LINES: dict[str, tuple[tuple[Role, str], ...]] = {
    "report": (("insured", "被保险人授权代表"), ("provider", "第三方服务机构授权代表"),
               ("insurer", "承保公司风险管理人员审批")),
    "agreement": (("insured", "甲方（被保险人）"), ("insurer", "乙方（安责险承保机构）")),
    "plan": (("provider", "第三方服务机构"),),
    "annual_evaluation": (("insurer", "安责险承保机构分管负责人"),),
}


class PartySignature(Model):
    role: Role = Field(title="签署方", description="insured 被保险人 / provider 第三方服务机构 / insurer 承保公司")
    name: ShortText = Field(title="签署人", min_length=1)
    method: Literal["click", "certificate"] = Field(
        title="签署方式", description="click：点击确认后由服务代签；certificate：签署方自己的证书（PKCS#12）")
    confirmed_at: dt.datetime | None = Field(None, title="确认时间（click）")
    channel: ShortText | None = Field(None, title="确认渠道（click），如 web、微信小程序、短信验证码")
    reference: ShortText | None = Field(None, title="确认记录编号（click）")
    p12: str | None = Field(None, title="PKCS#12 证书（base64，certificate）", max_length=200_000,
                            json_schema_extra={"writeOnly": True})
    p12_password: str | None = Field(None, title="PKCS#12 口令", max_length=200,
                                     json_schema_extra={"writeOnly": True})

    @model_validator(mode="after")
    def _method_fields(self) -> PartySignature:
        if self.method == "click":
            if self.confirmed_at is None or self.channel is None:
                raise PydanticCustomError(
                    "click_confirmation", "点击确认签署须给出确认时间和渠道 / a click-to-sign "
                    "signature needs confirmed_at and channel", {})
            if self.confirmed_at.tzinfo is None:
                raise PydanticCustomError(
                    "timezone", "确认时间须带时区 / confirmed_at needs a timezone", {})
        elif self.p12 is None:
            raise PydanticCustomError(
                "p12_required", "证书签署须提供 PKCS#12 / a certificate signature needs p12", {})
        return self


def check_signature_order(doc_type: str, signers: list[PartySignature]) -> list[Problem]:
    """Each role at most once, only roles the annex has a line for, in the annex's order."""
    lines = SIGNATURE_LINES.get(doc_type, ())
    order = [role for role, _ in lines]
    problems: list[Problem] = []
    last = -1
    for i, s in enumerate(signers):
        path: tuple[str | int, ...] = ("signatures", i, "role")
        if s.role not in order:
            problems.append(Problem(path, "no_signature_line",
                                    f"该文书没有「{s.role}」的签署栏",
                                    f"this document has no signature line for {s.role!r}"))
            continue
        pos = order.index(s.role)
        if pos <= last:
            problems.append(Problem(path, "signature_order",
                                    "签署须按附件签署栏的顺序，且每方一次：" + "→".join(
                                        label for _, label in lines),
                                    "parties sign once each, in the annex's order: "
                                    + " → ".join(order)))
        last = max(last, pos)
    return problems
