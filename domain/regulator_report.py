"""What the regulator's summary report prints (``GET /v1/regulator/summary?format=pdf``, issue 15
point 5): the summary of services/regulator.py as text rows — the same figures as its JSON, CSV
and XLSX — with the clause and the computation behind each figure. Pure: the summary's dict in,
the report's model out (templates/annex/national/regulator_summary.yaml binds it; the charts are
added by rendering/regulator_report.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from pydantic import Field

from domain.common import Model

__all__ = ["METHODS", "ClauseRow", "FeeRow", "FigureRow", "GroupRow", "RegulatorReportData",
           "report_data"]

TOTAL: Final = "合计"
NONE: Final = "—"  # a rate without a denominator (no policy in force, none ended)
#: How each figure is computed (services/regulator.py, domain/regulator.py), by CLAUSES key.
METHODS: Final = {
    "realtime": "判定日在保保单中，保险期间内至判定日已有至少一次服务记录的保单数 ÷ 判定日在保保单数",
    "quarterly": "本季度保险期间届满的保单中，规定的服务次数（走访、服务、首次服务）均已完成"
                 "（含逾期完成、不适用）的保单数 ÷ 本季度届满保单数",
    "overdue": "判定日已过期限仍未完成的服务义务项数（按各保单所属标准及其条款，与承保机构自己"
               "看到的义务清单相同）",
    "major_hazards_open": "隐患台账中等级为“重大”、尚未整改验收的事故隐患数",
    "fees": "费用年度内、注明本辖区保单的事故预防费用记录：计提、支出、统筹划拨与余额；"
            "温州 计提不低于保费 35%，山东 统筹不低于计提 30%（未注明保单的记录不属任何地区）",
}
_PROFILE: Final = {"shandong": "山东", "chengdu": "成都", "wenzhou": "温州", "national": "全国"}
_ITEM: Final = {"realtime": "服务实时覆盖率", "quarterly": "季度终保保单服务覆盖率",
                "overdue": "逾期义务数", "major_hazards_open": "未闭环重大事故隐患数",
                "fees": "事故预防费用下限"}


class _Figures(Model):
    policies: str = Field(title="保单数")
    in_force: str = Field(title="在保保单数")
    served: str = Field(title="已服务在保保单数")
    realtime: str = Field(title="服务实时覆盖率(%)")
    ended: str = Field(title="本季度终保保单数")
    ended_served: str = Field(title="终保且服务完成数")
    quarterly: str = Field(title="季度终保保单服务覆盖率(%)")
    overdue: str = Field(title="逾期义务数")
    major_open: str = Field(title="未闭环重大事故隐患数")


class FigureRow(_Figures):
    """One row of a table by region, by industry or by insurer (``name``: its value)."""

    name: str = Field(title="名称")


class GroupRow(_Figures):
    """One row by region × industry × insurer."""

    region: str = Field(title="地区")
    industry: str = Field(title="行业")
    insurer: str = Field(title="承保机构")


class FeeRow(Model):
    insurer: str = Field(title="承保机构")
    profile: str = Field(title="标准")
    premium: str = Field(title="计提所依保费")
    accrued: str = Field(title="计提")
    spent: str = Field(title="支出")
    pooled: str = Field(title="统筹划拨")
    balance: str = Field(title="余额")
    entries: str = Field(title="记录数")
    clause: str = Field(title="底线条款")
    required: str = Field(title="底线")
    actual: str = Field(title="实际")
    met: str = Field(title="是否达标")


class ClauseRow(Model):
    item: str = Field(title="项目")
    clause: str = Field(title="依据条款")
    method: str = Field(title="计算方法")


class RegulatorReportData(Model):
    """The printed 安全生产责任保险事故预防服务监管汇总报告 (not a form of a standard: the service's
    report of the summary it computes)."""

    regions: str = Field(title="辖区")
    filters: str = Field(title="筛选条件")
    as_of: str = Field(title="判定日期")
    quarter: str = Field(title="季度")
    year: str = Field(title="费用年度")
    totals: str = Field(title="总体情况")
    by_region: list[FigureRow] = Field(default_factory=list, title="按地区")
    by_industry: list[FigureRow] = Field(default_factory=list, title="按行业")
    by_insurer: list[FigureRow] = Field(default_factory=list, title="按承保机构")
    groups: list[GroupRow] = Field(default_factory=list, title="地区×行业×承保机构")
    fees: list[FeeRow] = Field(default_factory=list, title="费用底线")
    clauses: list[ClauseRow] = Field(default_factory=list, title="计算口径")
    incomplete: str | None = Field(None, title="未能读取的记录")


def _s(v: Any) -> str:
    return NONE if v is None else str(v)


def _pct(v: Any) -> str:
    return "—（无可计算的保单）" if v is None else f"{v}%"


def _date(iso: Any) -> str:
    y, m, d = (int(p) for p in str(iso).split("-"))
    return f"{y}年{m}月{d}日"


def _figures(row: dict[str, Any]) -> dict[str, str]:
    return {"policies": _s(row.get("policies")), "in_force": _s(row.get("in_force")),
            "served": _s(row.get("served")), "realtime": _s(row.get("realtime_percent")),
            "ended": _s(row.get("ended_in_quarter")), "ended_served": _s(row.get("ended_served")),
            "quarterly": _s(row.get("quarterly_percent")),
            "overdue": _s(row.get("overdue_obligations")),
            "major_open": _s(row.get("major_hazards_open"))}


def _rows(rows: Iterable[dict[str, Any]], dim: str, total: dict[str, Any] | None
          ) -> list[FigureRow]:
    out = [FigureRow(name=_s(r.get(dim)), **_figures(r)) for r in rows]
    if out and total is not None:
        out.append(FigureRow(name=TOTAL, **_figures(total)))
    return out


def _fees(fees: Iterable[dict[str, Any]]) -> list[FeeRow]:
    out = []
    for f in fees:
        base = {k: _s(f.get(k)) for k in ("insurer", "profile", "premium", "accrued", "spent",
                                          "pooled", "balance", "entries")}
        base["profile"] = _PROFILE.get(base["profile"], base["profile"])
        for fl in f.get("floors") or [{}]:
            met = NONE if "met" not in fl else ("达标" if fl["met"] else "未达标")
            out.append(FeeRow(**base, clause=_s(fl.get("clause")), required=_s(fl.get("required")),
                              actual=_s(fl.get("actual")), met=met))
    return out


def _filters(f: dict[str, Any]) -> str:
    named = [f"{zh}：{f[k]}" for k, zh in (("region", "地区"), ("industry", "行业"),
                                          ("insurer", "承保机构")) if f.get(k)]
    return "；".join(named) or "无（辖区内全部保单）"


def report_data(summary: dict[str, Any]) -> RegulatorReportData:
    """The report of a summary as services/regulator.py returns it."""
    t = summary.get("total") or {}
    q = summary.get("quarter") or {}
    totals = (f"辖区内保单 {_s(t.get('policies'))} 份，判定日在保 {_s(t.get('in_force'))} 份，其中已服务 "
              f"{_s(t.get('served'))} 份（服务实时覆盖率 {_pct(t.get('realtime_percent'))}）；本季度终保 "
              f"{_s(t.get('ended_in_quarter'))} 份，服务完成 {_s(t.get('ended_served'))} 份（季度终保保单服务"
              f"覆盖率 {_pct(t.get('quarterly_percent'))}）；逾期义务 {_s(t.get('overdue_obligations'))} 项；"
              f"未闭环重大事故隐患 {_s(t.get('major_hazards_open'))} 项。")
    unread = summary.get("unread_records") or []
    return RegulatorReportData(
        regions="、".join(summary.get("regions") or []),
        filters=_filters(summary.get("filters") or {}),
        as_of=_date(summary["as_of"]),
        quarter=f"{_date(q['from'])}至{_date(q['to'])}" if q else NONE,
        year=_s(summary.get("year")), totals=totals,
        by_region=_rows(summary.get("by_region") or [], "region", t or None),
        by_industry=_rows(summary.get("by_industry") or [], "industry", t or None),
        by_insurer=_rows(summary.get("by_insurer") or [], "insurer", t or None),
        groups=[GroupRow(region=_s(r.get("region")), industry=_s(r.get("industry")),
                         insurer=_s(r.get("insurer")), **_figures(r))
                for r in summary.get("groups") or []],
        fees=_fees(summary.get("fees") or []),
        clauses=[ClauseRow(item=_ITEM.get(k, k), clause=str(v), method=METHODS.get(k, ""))
                 for k, v in (summary.get("clauses") or {}).items()],
        incomplete=(f"有 {len(unread)} 条记录未能从存储读出，相关数字可能偏小：{'、'.join(unread)}"
                    if summary.get("incomplete") else None))
