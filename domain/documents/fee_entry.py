"""事故预防费用台账记录 — one entry of the prevention-fee ledger (山东 7.2 专门台账；温州 第六条).

No standard gives a form for the ledger: the layout is the service's own and says so. An entry is
an accrual (计提, premium × share), an expenditure (支出, linked to the records or invoices it paid
for) or a pooling transfer (统筹划拨, 山东 7.2). Entries are never edited: a correction is a new
entry that names the one it corrects and carries the difference (negative to reverse).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from domain.common import Model, Money, ShortText, Text
from domain.errors import Problem
from domain.fees import accrual_amount

__all__ = ["KIND_ZH", "FeeEntryData", "SignedMoney", "fee_entry_checks"]

SignedMoney = Annotated[Decimal, Field(ge=Decimal("-1e12"), le=Decimal("1e12"), max_digits=14,
                                       decimal_places=2)]
KIND_ZH: dict[str, str] = {"accrual": "计提", "expenditure": "支出", "pooling": "统筹划拨"}


class FeeEntryData(Model):
    """One ledger entry (事故预防费用收支台账)."""

    kind: Literal["accrual", "expenditure", "pooling"] = Field(
        title="类别", description="accrual 计提 · expenditure 支出 · pooling 统筹划拨（山东 7.2）")
    year: int = Field(ge=2000, le=2100, title="年度")
    insurer: ShortText = Field(min_length=1, title="安责险承保机构")
    branch: ShortText | None = Field(None, title="分支机构")
    date: dt.date = Field(title="记账日期")
    amount: SignedMoney = Field(title="金额（元）",
                                description="计提 = 保费 × 计提比例；更正记录可为负数")
    premium: Money | None = Field(None, title="保费（元）", description="计提的基数")
    share_percent: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2,
                                          title="计提比例（%）")
    policy_no: ShortText | None = Field(None, min_length=1, title="保单号")
    insured_name: ShortText | None = Field(None, title="被保险人")
    purpose: Text | None = Field(None, title="摘要（用途）")
    records: list[ShortText] = Field(default_factory=list, max_length=200,
                                     title="支出对应的服务记录（记录编号）")
    invoices: list[ShortText] = Field(default_factory=list, max_length=200, title="发票号码")
    corrects: ShortText | None = Field(None, title="更正的台账记录（记录编号）")
    note: Text | None = Field(None, title="备注")


def _p(path: str, rule: str, zh: str, en: str) -> Problem:
    return Problem((path,), rule, zh, en)


def fee_entry_checks(obj: Any) -> list[Problem]:
    """The ledger's rules on one entry, every problem at once (paths relative to ``data``)."""
    e: FeeEntryData = obj
    out: list[Problem] = []
    if e.kind == "accrual":  # 计提 = 保费 × 比例 (温州 第六条；山东 7.2 承诺比例)
        if e.premium is None:
            out.append(_p("premium", "accrual_premium", "计提须写明保费",
                          "an accrual names the premium it is computed from"))
        if e.share_percent is None:
            out.append(_p("share_percent", "accrual_share", "计提须写明计提比例",
                          "an accrual names its share of the premium"))
        if e.premium is not None and e.share_percent is not None and e.corrects is None:
            want = accrual_amount(e.premium, e.share_percent)
            if e.amount != want:
                out.append(_p("amount", "accrual_amount",
                              f"计提金额应为 保费 × 比例 = {want:f}",
                              f"an accrual is premium × share = {want:f}"))
    if e.kind == "expenditure" and not e.records and not e.invoices and e.corrects is None:
        out.append(_p("records", "expenditure_unlinked",
                      "支出须列明所支付的服务记录或发票（山东 7.2：据实列支）",
                      "an expenditure names the records or invoices it paid for"))
    if e.amount < 0 and e.corrects is None:
        out.append(_p("amount", "negative_without_correction",
                      "金额为负数的只能是更正记录（写明 corrects）",
                      "only a correction (naming corrects) may be negative"))
    if e.amount == 0:
        out.append(_p("amount", "amount_zero", "金额不能为 0", "the amount cannot be 0"))
    return out
