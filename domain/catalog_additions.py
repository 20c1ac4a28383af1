"""Forms added with the obligations: the complaint record of every profile, and the Wenzhou
profile's forms (its plan is the national AQ 9010.1-2025 附录A form; its half-yearly
self-evaluation is its own, 温州 第二十三条—第二十五条).

Read by ``domain.catalog`` (which owns ``CATALOG``) once ``FormKind`` is defined.
"""

from __future__ import annotations

from domain.catalog import TYPES, FormKind
from domain.documents.complaint import (
    ComplaintData,
    ExtendableComplaintData,
    NationalComplaintData,
    complaint_checks,
)
from domain.documents.fee_entry import FeeEntryData, fee_entry_checks
from domain.documents.plan import NationalPlanData
from domain.documents.sampling import SamplingData, sampling_checks
from domain.documents.wenzhou import WenzhouEvaluationData, check_totals

__all__ = ["COMPLAINT_TITLE", "FEE_TITLE", "KINDS", "SAMPLING_TITLE"]

COMPLAINT_TITLE = "安全生产责任保险事故预防服务投诉处理记录"
# What users see names the standard and its clause (domain/catalog.py), never a source file.
_W = "温州市安全生产责任保险事故预防服务暂行标准（温安委办〔2020〕4号）"
_N = "AQ 9010.1-2025（征求意见稿）"
# No standard gives a complaint form: the layout is the service's, its contents the clauses'.
_COMPLAINT_SOURCE = {
    "shandong": "本服务表式（山东 鲁交安委办函〔2024〕45号 6.4 未规定表式）",
    "chengdu": "本服务表式（成都市安全生产责任保险事故预防技术服务规范 5.4.2.1 未规定表式）",
    "national": "本服务表式（AQ 9010-2019 6.4、AQ 9010.1-2025（征求意见稿）6.4 未规定表式）",
    "wenzhou": f"本服务表式（{_W} 第二十二条 未规定表式）",
}

# 山东 6.4 and AQ 9010.1-2025 6.4 allow an extension; 成都 5.4.2.1 and AQ 9010-2019 6.4 (温州) none.
_COMPLAINT_MODEL: dict[str, type[ComplaintData]] = {
    "shandong": ExtendableComplaintData, "chengdu": ComplaintData,
    "national": NationalComplaintData, "wenzhou": ComplaintData}

KINDS: tuple[FormKind, ...] = (
    *(FormKind("complaint", p, COMPLAINT_TITLE, src, _COMPLAINT_MODEL[p], complaint_checks(p))
      for p, src in _COMPLAINT_SOURCE.items()),
    FormKind("plan", "wenzhou", "安全生产责任保险事故预防服务方案", f"{_N} 附录A（温州采用全国表式）",
             NationalPlanData),
    FormKind("annual_evaluation", "wenzhou", "安全生产责任保险事故预防技术服务半年度自评报告",
             f"{_W} 第二十三条—第二十五条", WenzhouEvaluationData, (check_totals,)),
)

# Issue 15: the fee ledger's entries (山东 7.2 专门台账, 温州 第六条) and the sampling draws
# (山东 8.1 b, c) are archived records too; no standard gives their forms.
FEE_TITLE = "安全生产责任保险事故预防费用台账记录"
SAMPLING_TITLE = "安全生产责任保险事故预防技术服务抽检记录"
TYPES.setdefault("fee_entry", "事故预防费用台账记录")
TYPES.setdefault("sampling", "事故预防技术服务抽检记录")
_S = "山东省交通运输行业安责险事故预防技术服务规范（鲁交安委办函〔2024〕45号）"
KINDS = (
    *KINDS,
    FormKind("fee_entry", "shandong", FEE_TITLE, f"本服务表式（{_S} 7.2 专门台账，未规定表式）",
             FeeEntryData, (fee_entry_checks,)),
    FormKind("fee_entry", "wenzhou", FEE_TITLE, f"本服务表式（{_W} 第六条 费用使用台账，未规定表式）",
             FeeEntryData, (fee_entry_checks,)),
    FormKind("sampling", "shandong", SAMPLING_TITLE,
             f"本服务表式（{_S} 8.1 b）、c)，未规定表式）", SamplingData, (sampling_checks,)),
)
