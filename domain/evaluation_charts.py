"""The chart data of the annual evaluations (``domain/charts.py``), computed from the same
figures as the forms' tables and texts (``domain/evaluation.py``), so that every value drawn is a
value printed: pure functions, JSON-ready output (counts as integers, money as "0.00")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from domain.errors import Problem
from domain.evaluation import (
    CHENGDU_FROM_ARCHIVE,
    ITEM_ZH,
    LATE,
    MAJOR,
    CallbackSummary,
    ComplaintSummary,
    ObligationFact,
    ReportSummary,
    kind_zh,
)
from domain.fees import FeeFigures, floors
from domain.scoring import ScoreSheet

__all__ = ["check_chengdu_charts", "check_shandong_charts", "chengdu_charts", "shandong_charts",
           "wenzhou_charts"]

SATISFACTION = ("非常满意", "基本满意", "一般", "不满意")  # 山东 附件5 服务总体评价
#: 成都 附录E: the clauses whose cases the archive proves, as the chart names them
_CHENGDU_ZH = {"成都 5.3.3": "5.3.3 服务记录", "成都 5.3.4.1": "5.3.4.1 回访",
               "成都 5.3.4.2": "5.3.4.2 归档", "成都 5.4.2.1": "5.4.2.1 投诉答复"}


def _money(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.01')):f}"


def _bars(pairs: Sequence[tuple[str, Sequence[int | str]]]) -> dict[str, Any]:
    return {"bars": [{"label": label, "values": list(values)} for label, values in pairs]}


def shandong_charts(reports: Sequence[ReportSummary], callbacks: Sequence[CallbackSummary],
                    complaints: Sequence[ComplaintSummary], fees: FeeFigures) -> dict[str, Any]:
    """山东 附件6: the sums over the work list's rows, the 二（一）（二） counts, 三 and 7.2."""
    items = Counter(i for r in reports for i in sorted(r.items))
    out: dict[str, Any] = {}
    if reports or callbacks:  # 附件6 一 服务形式和次数: 现场服务 (by item) and 回访
        out["services"] = _bars([("现场服务（合计）", [len(reports)]),
                                 *((f"其中 {ITEM_ZH.get(i, i)}", [n])
                                   for i, n in sorted(items.items())),
                                 ("回访", [len(callbacks)])])
        hazards = [g for r in reports for _, g in r.hazards]
        out["hazards"] = _bars([  # 附件6 一 隐患数量、重大事故隐患、处置结果（服务闭环）
            ("排查出事故隐患（项）", [len(hazards)]),
            ("其中重大事故隐患（项）", [sum(1 for g in hazards if g == MAJOR)]),
            ("回访确认闭环 已完成（次）", [sum(1 for c in callbacks if c.closure == "已完成")]),
            ("回访确认闭环 未完成（次）", [sum(1 for c in callbacks if c.closure == "未完成")])])
    if callbacks:  # 附件6 二（一）
        n = Counter(c.overall for c in callbacks)
        out["satisfaction"] = _bars([(k, [n[k]]) for k in SATISFACTION])
    if complaints:  # 附件6 二（二）, 山东 6.4
        answered = sum(1 for c in complaints if c.answered is not None)
        out["complaints"] = _bars([("受理投诉", [len(complaints)]), ("已答复", [answered]),
                                   ("未答复", [len(complaints) - answered])])
    if fees.entries:  # 附件6 三; 7.2 统筹 ≥ 30 % of the accrued fee
        (floor,) = floors("shandong", fees)
        out["funds"] = {**_bars([("计提", [_money(fees.accrued)]), ("支出", [_money(fees.spent)]),
                                 ("余额", [_money(fees.balance)]),
                                 ("统筹划拨", [_money(fees.pooled)])]),
                        "floor": _money(floor.required)}
    return out


def chengdu_charts(facts: Sequence[ObligationFact], sheet: ScoreSheet) -> dict[str, Any]:
    """成都 附录E: per clause the obligations due and those late (the remarks' 档案：n 项中逾期 m
    项), and per 评价项目 its points and score (provisional ones at full marks, as the table)."""
    rows = []
    for clause in CHENGDU_FROM_ARCHIVE:
        mine = [f for f in facts if f.clause == clause]
        rows.append((_CHENGDU_ZH[clause], [len(mine), sum(1 for f in mine if f.state in LATE)]))
    groups: dict[str, list[Decimal]] = {}
    for line in sheet.lines:
        g = groups.setdefault(line.rule.group, [Decimal(0), Decimal(0)])
        g[0] += line.rule.max
        g[1] += line.score
    return {"deadlines": _bars(rows),
            "scores": _bars([(g, [_money(m), _money(s)]) for g, (m, s) in groups.items()])}


def wenzhou_charts(facts: Sequence[ObligationFact], fees: FeeFigures | None) -> dict[str, Any]:
    """温州 第二十三条（一）: the lines of 服务方案实施情况 (domain.evaluation.wenzhou_archive_text)
    as bars, and the fee line against 第六条's 35 % floor."""
    groups: dict[tuple[str, str], list[ObligationFact]] = {}
    for f in facts:
        groups.setdefault((f.kind, f.clause), []).append(f)
    counts, deadlines = [], []
    for (kind, clause), fs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        label = f"{kind_zh(kind)}（{clause}）"
        if kind in ("visits", "services", "training"):
            counts.append((label, [sum(f.count_required or 0 for f in fs),
                                   sum(f.count_done or 0 for f in fs)]))
        elif kind != "fee":
            deadlines.append((label, [sum(1 for f in fs if f.state == "done"),
                                      sum(1 for f in fs if f.state in LATE)]))
    out: dict[str, Any] = {}
    if counts:
        out["services"] = _bars(counts)
    if deadlines:
        out["deadlines"] = _bars(deadlines)
    if fees is not None:  # 温州 第六条
        (floor,) = floors("wenzhou", fees)
        out["fees"] = {**_bars([("计提", [_money(fees.accrued)]), ("支出", [_money(fees.spent)])]),
                       "floor": _money(floor.required)}
    return out


# -- a posted evaluation's figures agree with its tables (the form's checks, domain/catalog.py) --


def _disagree(path: tuple[str | int, ...], label: str, drawn: Decimal, table: Decimal,
              where: str) -> Problem:
    return Problem(("charts", *path), "chart_disagrees",
                   f"图中「{label}」为 {drawn}，与{where}的 {table} 不一致",
                   f"the chart's {label!r} is {drawn} but the form's table says {table}")


def check_shandong_charts(obj: Any) -> list[Problem]:
    """附件6: the funds figure shows 三's 计提/支出/余额 and the hazards figure the work list's
    隐患数量 (when every row has one)."""
    charts = getattr(obj, "charts", None)
    out: list[Problem] = []
    if charts is None:
        return out
    if charts.funds is not None:
        table = {"计提": obj.funds.accrued, "支出": obj.funds.spent, "余额": obj.funds.balance}
        for i, b in enumerate(charts.funds.bars):
            if b.label in table and b.values[0] != table[b.label]:
                out.append(_disagree(("funds", "bars", i, "values", 0), b.label, b.values[0],
                                     table[b.label], "三、事故预防费用收支情况"))
    rows = obj.work_list
    if charts.hazards is not None and all(r.hazard_count is not None for r in rows):
        found = Decimal(sum(r.hazard_count or 0 for r in rows))
        for i, b in enumerate(charts.hazards.bars):
            if b.label == "排查出事故隐患（项）" and b.values[0] != found:
                out.append(_disagree(("hazards", "bars", i, "values", 0), b.label, b.values[0],
                                     found, "事故预防工作清单隐患数量合计"))
    return out


def check_chengdu_charts(obj: Any) -> list[Problem]:
    """附录E: the scores figure shows each 评价项目's points and score as the table computes them,
    and the deadlines figure's late cases are the findings' cases of the same clause."""
    charts = getattr(obj, "charts", None)
    out: list[Problem] = []
    if charts is None:
        return out
    if charts.scores is not None:
        sheet = obj.sheet
        got = sheet.group_totals()
        maxes: dict[str, Decimal] = {}
        for line in sheet.lines:
            maxes[line.rule.group] = maxes.get(line.rule.group, Decimal(0)) + line.rule.max
        for i, b in enumerate(charts.scores.bars):
            for j, table in enumerate((maxes.get(b.label), got.get(b.label))):
                if table is not None and b.values[j] != table:
                    out.append(_disagree(("scores", "bars", i, "values", j), b.label,
                                         b.values[j], table, "评价指标表"))
    if charts.deadlines is not None:
        keys = {_CHENGDU_ZH[c]: k for c, k in CHENGDU_FROM_ARCHIVE.items()}
        for i, b in enumerate(charts.deadlines.bars):
            key = keys.get(b.label)
            finding = obj.findings.get(key) if key else None
            cases = Decimal(getattr(finding, "cases", None) or 0)
            if finding is not None and b.values[-1] != cases:
                out.append(_disagree(("deadlines", "bars", i, "values", len(b.values) - 1),
                                     b.label, b.values[-1], cases, "评价指标表的扣分情形"))
    return out
