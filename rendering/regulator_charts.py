"""The regulator's summary as charts (issue 15 point 5): ``GET /v1/regulator/summary?format=svg|png
&chart=<name>`` draws one figure of the summary (services/regulator.py), each citing the clause
its figure answers (domain.regulator.CLAUSES). Pure: the summary's dict in, a Chart out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from domain.regulator import CLAUSES
from rendering.charts import MAX_BARS, Bar, Chart, Fmt

__all__ = ["CHART_NAMES", "chart_title", "regulator_chart"]

_DIM_ZH: Final = {"region": "地区", "insurer": "承保机构", "industry": "行业"}


@dataclass(frozen=True)
class _Def:
    title: str
    clause: str
    build: Callable[[dict[str, Any]], tuple[list[Bar], tuple[str, ...]]]
    fmt: Fmt = "count"
    unit: str = ""


def _rate(row: dict[str, Any], pct: str, num: str, den: str, none: str) -> tuple[Decimal, str]:
    if row.get(pct) is None:  # no denominator: no rate, said in words
        return Decimal(0), none
    return Decimal(row[pct]), f"{Decimal(row[pct]):.2f}%（{row[num]}/{row[den]}）"


def _coverage(dim: str) -> Callable[[dict[str, Any]], tuple[list[Bar], tuple[str, ...]]]:
    # 山东 8.1 a): 服务实时覆盖率 and 季度终保保单服务覆盖率, as the summary computes them
    def build(s: dict[str, Any]) -> tuple[list[Bar], tuple[str, ...]]:
        bars = []
        # the lowest real-time coverage first (what a regulator looks into); no rate last
        rows = sorted(s[f"by_{dim}"], key=lambda r: (
            r.get("realtime_percent") is None, Decimal(r.get("realtime_percent") or 0),
            str(r[dim])))
        for row in rows:
            (rv, rt), (qv, qt) = (_rate(row, "realtime_percent", "served", "in_force",
                                        "无在保保单"),
                                  _rate(row, "quarterly_percent", "ended_served",
                                        "ended_in_quarter", "本季度无终保保单"))
            bars.append(Bar(str(row[dim]), (rv, qv), (rt, qt)))
        return bars, ("实时覆盖率", "季度终保覆盖率")
    return build


def _count(dim: str, figure: str) -> Callable[[dict[str, Any]], tuple[list[Bar], tuple[str, ...]]]:
    def build(s: dict[str, Any]) -> tuple[list[Bar], tuple[str, ...]]:
        rows = sorted(s[f"by_{dim}"], key=lambda r: (-int(r[figure]), str(r[dim])))
        return [Bar(str(r[dim]), (Decimal(int(r[figure])),)) for r in rows], ("数量",)
    return build


def _fee_floors(s: dict[str, Any]) -> tuple[list[Bar], tuple[str, ...]]:
    # 温州 第六条 (accrued ≥ 35 % of premium); 山东 7.2 (pooled ≥ 30 % of accrued)
    bars = []
    for f in s["fees"]:
        for fl in f["floors"]:
            met = "已达到" if fl["met"] else "未达到"
            label = f"{f['insurer']}（{fl.get('clause') or f['profile']}）{met}"
            bars.append(Bar(label, (Decimal(fl["actual"]), Decimal(fl["required"]))))
    return bars, ("实际", "下限")


def _defs() -> dict[str, _Def]:
    cov = f"{CLAUSES['realtime']}；{CLAUSES['quarterly']}"
    out: dict[str, _Def] = {}
    for dim in ("region", "insurer"):
        zh = _DIM_ZH[dim]
        out[f"coverage_by_{dim}"] = _Def(f"服务覆盖率（按{zh}）", cov, _coverage(dim), "percent")
        # overdue: each obligation's own clause (山东 第5章、6.2–6.4; 成都 5.1–5.4; 温州 …)
        out[f"overdue_by_{dim}"] = _Def(f"逾期未履行的服务义务（按{zh}）", CLAUSES["overdue"],
                                        _count(dim, "overdue_obligations"), unit="项")
        # AQ 9010.1-2025 9.2 a); 成都 6.3.2.3: 重大事故隐患 not yet accepted after rectification
        out[f"major_hazards_by_{dim}"] = _Def(f"未整改验收的重大事故隐患（按{zh}）",
                                              CLAUSES["major_hazards_open"],
                                              _count(dim, "major_hazards_open"), unit="项")
    out["fee_floors"] = _Def("事故预防费用下限执行情况", CLAUSES["fees"], _fee_floors, "money",
                             "元")
    return out


_DEFS: Final = _defs()
CHART_NAMES: Final = tuple(sorted(_DEFS))


def chart_title(name: str) -> tuple[str, str]:
    """(title, clause) of chart ``name``."""
    return _DEFS[name].title, _DEFS[name].clause


def regulator_chart(summary: dict[str, Any], name: str, *, max_bars: int = MAX_BARS,
                    context: bool = True) -> Chart:
    """Chart ``name`` (one of CHART_NAMES) of a summary; at most ``max_bars`` bars (the largest
    counts, the lowest coverage first; the subtitle says when some are left out). ``context`` False leaves the regions
    and dates out of the subtitle (a report prints them once, above its figures)."""
    d = _DEFS[name]
    bars, series = d.build(summary)
    regions = "、".join(summary.get("regions") or [])
    q = summary.get("quarter") or {}
    parts = [f"地区：{regions}", f"判定日期 {summary.get('as_of')}"] if context else []
    if context and name == "fee_floors":
        parts.append(f"费用年度 {summary.get('year')}")
    elif context and name.startswith("coverage"):
        parts.append(f"季度 {q.get('from')} 至 {q.get('to')}")
    max_bars = min(max_bars, MAX_BARS)
    if len(bars) > max_bars:
        first = ("覆盖率最低的 " if name.startswith("coverage") else
                 "前 " if name == "fee_floors" else "数量最多的 ")
        parts.append(f"仅列{first}{max_bars} 项（共 {len(bars)} 项）")
        bars = bars[:max_bars]
    sub = "；".join(parts)
    return Chart(title=f"监管汇总：{d.title}", caption=f"依据：{d.clause}", bars=tuple(bars),
                 series=series, fmt=d.fmt, unit=d.unit, subtitle=sub)
