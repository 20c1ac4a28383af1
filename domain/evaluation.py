"""Shandong 附件6 总结评估报告 computed from the archive (pure): the work list per insured, the
satisfaction and complaints the callbacks and complaint records tell, and the fee ledger.

What the archive cannot know is left for a person (经验总结, 问题与不足剖析, 下一阶段计划), and a
figure that needs a fact the archive lacks says so in words (报备情况 of a major hazard).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.fees import FeeFigures
from domain.scoring import APPENDIX_E

__all__ = ["CHENGDU_FROM_ARCHIVE", "CallbackSummary", "ComplaintSummary", "ObligationFact",
           "ReportSummary", "ServedPolicy", "chengdu_findings", "kind_zh", "shandong_annual",
           "wenzhou_archive_text"]

#: 山东 附件4 service items as the work list names them (第5章 a–g).
ITEM_ZH = {"a": "宣传教育培训", "b": "风险辨识评估", "d": "隐患排查", "e": "应急预案与演练",
           "f": "科技创新与推广", "g": "其他服务"}
MAJOR = "重大事故隐患"
_CUT = 300


@dataclass(frozen=True)
class ServedPolicy:
    policy_no: str
    insured: str


@dataclass(frozen=True)
class ReportSummary:
    record_id: str
    policy_no: str
    date: dt.date
    technicians: tuple[str, ...] = ()
    experts: tuple[str, ...] = ()  # technicians whose role or title names an expert (专家)
    items: frozenset[str] = frozenset()
    hazards: tuple[tuple[str, str], ...] = ()  # (description, grade)


@dataclass(frozen=True)
class CallbackSummary:
    record_id: str
    policy_no: str
    date: dt.date
    overall: str | None  # 非常满意 / 基本满意 / 一般 / 不满意
    closure: str | None  # 已完成 / 未完成


@dataclass(frozen=True)
class ComplaintSummary:
    record_id: str
    received: dt.date
    answered: dt.date | None


def _cut(text: str) -> str:
    return text if len(text) <= _CUT else text[: _CUT - 1] + "…"


def _names(items: Sequence[str]) -> str | None:
    seen = list(dict.fromkeys(n for n in items if n))
    return _cut("、".join(seen)) if seen else None


def _money(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.01')):f}"


def work_row(p: ServedPolicy, reports: Sequence[ReportSummary],
             callbacks: Sequence[CallbackSummary], spent: Decimal | None) -> dict[str, Any]:
    """附件6 一、事故预防工作清单: one insured's year, from its reports and callbacks."""
    items = Counter(i for r in reports for i in sorted(r.items))
    services = f"现场服务 {len(reports)} 次"
    if items:
        services += "（" + "、".join(f"{ITEM_ZH.get(i, i)} {n} 次" for i, n in sorted(items.items())) + "）"
    if callbacks:
        services += f"；回访 {len(callbacks)} 次"
    hazards = [h for r in reports for h in r.hazards]
    major = [d for d, g in hazards if g == MAJOR]
    closed = sum(1 for c in callbacks if c.closure == "已完成")
    open_ = sum(1 for c in callbacks if c.closure == "未完成")
    handling = f"提出整改建议 {len(hazards)} 项" if hazards else "未排查出事故隐患"
    if callbacks:
        handling += f"；回访确认服务闭环 已完成 {closed} 次、未完成 {open_} 次"
    row: dict[str, Any] = {
        "insured": p.insured,
        "fee": _money(spent) if spent is not None else None,
        "staff": _names([t for r in reports for t in r.technicians]),
        "experts": _names([t for r in reports for t in r.experts]),
        "services": services,
        "hazard_count": len(hazards),
        "hazard_content": _cut("；".join(d for d, _ in hazards)) if hazards else None,
        "major_hazard": "是" if major else "否",
        "handling": handling,
        "reported": (f"重大事故隐患 {len(major)} 项；档案中无报备记录，须人工填写报备情况"
                     if major else "无重大事故隐患"),
    }
    return {k: v for k, v in row.items() if v is not None}


def satisfaction(callbacks: Sequence[CallbackSummary]) -> str:
    """附件6 二（一）: the callbacks' 服务总体评价 counted (附件5)."""
    if not callbacks:
        return "本年度档案中无回访记录。"
    n = Counter(c.overall for c in callbacks)
    pleased = n["非常满意"] + n["基本满意"]
    share = Decimal(100 * pleased) / len(callbacks)
    return (f"回访 {len(callbacks)} 次（附件5 服务总体评价）：非常满意 {n['非常满意']} 次、基本满意 "
            f"{n['基本满意']} 次、一般 {n['一般']} 次、不满意 {n['不满意']} 次；满意率 "
            f"{share.quantize(Decimal('0.1'))}%。")


def complaints_text(complaints: Sequence[ComplaintSummary]) -> str:
    """附件6 二（二）: complaints received in the year and answered (山东 6.4)."""
    if not complaints:
        return "本年度档案中无投诉记录。"
    answered = sum(1 for c in complaints if c.answered is not None)
    return (f"受理投诉 {len(complaints)} 件，已答复 {answered} 件，未答复 "
            f"{len(complaints) - answered} 件（答复期限见各投诉处理记录，山东 6.4）。")


def shandong_annual(*, year: int, policies: Sequence[ServedPolicy],
                    reports: Sequence[ReportSummary], callbacks: Sequence[CallbackSummary],
                    complaints: Sequence[ComplaintSummary], fees: FeeFigures,
                    spent_by_policy: dict[str, Decimal]) -> dict[str, Any]:
    """The computed parts of 附件6 (work_list, analysis.satisfaction / complaints, funds)."""
    rows = []
    for p in sorted(policies, key=lambda x: (x.insured, x.policy_no)):
        rows.append(work_row(p, [r for r in reports if r.policy_no == p.policy_no],
                             [c for c in callbacks if c.policy_no == p.policy_no],
                             spent_by_policy.get(p.policy_no)))
    return {"year": year, "work_list": rows,
            "analysis": {"satisfaction": satisfaction(callbacks),
                         "complaints": complaints_text(complaints)},
            "funds": {"accrued": _money(fees.accrued), "spent": _money(fees.spent)}}


# -- 成都 附录E and 温州 第二十三–二十五条 from the obligations the archive proves ------------------

@dataclass(frozen=True)
class ObligationFact:
    """One obligation of a policy as judged (domain/obligations.py), as the evaluations read it."""

    policy_no: str
    kind: str
    clause: str
    state: str
    count_required: int | None = None
    count_done: int | None = None
    records: tuple[str, ...] = ()


#: 成都 附录E indicators whose 每发现 1 例 case the archive proves: an obligation of the clause that
#: was done late or is overdue (成都 5.3.3 record, 5.3.4.1 callback, 5.3.4.2 archive, 5.4.2.1
#: complaint answered).
CHENGDU_FROM_ARCHIVE: dict[str, str] = {
    "成都 5.3.3": "records_7d", "成都 5.3.4.1": "callback", "成都 5.3.4.2": "archive",
    "成都 5.4.2.1": "complaint_handling"}
LATE = frozenset({"done_late", "overdue"})
PENDING_NOTE = "待人工评分（暂计）"  # the archive holds no fact for it


def chengdu_findings(facts: Sequence[ObligationFact], person: dict[str, dict[str, Any]]
                     ) -> tuple[dict[str, dict[str, Any]], list[str], list[str]]:
    """成都 附录E: (findings for every indicator, the keys computed from the archive, the keys
    still to be scored by a person). A person's finding is kept for the others."""
    findings: dict[str, dict[str, Any]] = {}
    computed: list[str] = []
    pending: list[str] = []
    for clause, key in CHENGDU_FROM_ARCHIVE.items():
        mine = [f for f in facts if f.clause == clause]
        late = [f for f in mine if f.state in LATE]
        findings[key] = {"cases": len(late),
                         "note": f"档案：{len(mine)} 项中逾期 {len(late)} 项"}
        computed.append(key)
    for rule in APPENDIX_E:
        if rule.key in findings:
            continue
        if rule.key in person:
            findings[rule.key] = person[rule.key]
        else:
            findings[rule.key] = {"note": PENDING_NOTE}
            pending.append(rule.key)
    return findings, computed, pending


_KIND_ZH = {"visits": "现场服务", "services": "服务", "first_visit": "首次服务", "report": "服务记录",
            "callback": "回访", "archive": "归档", "complaint": "投诉答复", "training": "集中培训",
            "fee": "费用提取", "risk_service": "风险服务"}


def kind_zh(kind: str) -> str:
    """An obligation kind as the Wenzhou report names it."""
    return _KIND_ZH.get(kind, kind)


def wenzhou_archive_text(facts: Sequence[ObligationFact], policies: int,
                         fee_line: str | None) -> str:
    """温州 第二十三条（一）服务方案实施情况: what the archive proves, each line with its clause."""
    lines = [f"【系统补充】以下由档案记录计算：在保保单 {policies} 份。"]
    groups: dict[tuple[str, str], list[ObligationFact]] = {}
    for f in facts:
        groups.setdefault((f.kind, f.clause), []).append(f)
    for (kind, clause), fs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        name = kind_zh(kind)
        if kind in ("visits", "services", "training"):
            req = sum(f.count_required or 0 for f in fs)
            done = sum(f.count_done or 0 for f in fs)
            lines.append(f"{name}：应开展 {req} 次，已开展 {done} 次（{clause}）。")
        elif kind == "fee":
            continue  # the fee line below, from the ledger
        else:
            on_time = sum(1 for f in fs if f.state == "done")
            late = sum(1 for f in fs if f.state in LATE)
            lines.append(f"{name}：{len(fs)} 项，按时完成 {on_time} 项，逾期 {late} 项（{clause}）。")
    if fee_line:
        lines.append(fee_line)
    return _cut_long("\n".join(lines))


def _cut_long(text: str, limit: int = 4000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
