"""The figures (图) of the annual evaluations (issue 15 point 6): which charts each profile's form
draws, the clause each answers, and the posted shape of their data.

The chart data is computed by ``POST /v1/evaluations`` from the same figures as the tables
(``domain/evaluation_charts.py``) and archived with the record, so that the PDF is drawn from the
record alone; it is optional (a hand-typed evaluation or a blank form has no figure). The title,
clause, series and unit of each chart are fixed here, never posted: a figure always cites the
clause it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from domain.common import Model, ShortText

__all__ = ["EVALUATION_CHARTS", "ChartBarData", "ChartData", "ChartDef", "ChengduCharts",
           "ShandongCharts", "WenzhouCharts", "chart_caption"]

Fmt = Literal["count", "money", "percent"]


@dataclass(frozen=True)
class ChartDef:
    """One chart of a form: what it shows and the clause it answers."""

    title: str
    clause: str
    series: tuple[str, ...] = ("数量",)  # one value per series on each bar
    fmt: Fmt = "count"
    unit: str = ""
    floor_label: str | None = None  # a reference line (a floor the rule sets), if any


#: Per profile, the charts in the order the form prints them.
EVALUATION_CHARTS: dict[str, dict[str, ChartDef]] = {
    "shandong": {
        # 山东 附件6 一: 事故预防技术服务开展的形式和次数 (the service items of 第5章)
        "services": ChartDef("事故预防技术服务形式和次数",
                             "山东规范 附件6 一（服务形式和次数）、第5章", ("次数",), unit="次"),
        # 山东 附件6 一: 排查出的事故隐患数量、是否排查出重大事故隐患、处置结果（回访 服务闭环）
        "hazards": ChartDef("事故隐患排查与处置",
                            "山东规范 附件6 一（隐患数量、重大事故隐患、处置结果）、附件5 服务闭环",
                            ("数量",)),
        # 山东 附件6 二（一）: 被保险人满意度 (附件5 服务总体评价)
        "satisfaction": ChartDef("被保险人满意度（回访 服务总体评价）",
                                 "山东规范 附件6 二（一）、附件5", ("次数",), unit="次"),
        # 山东 附件6 二（二）: 投诉处理情况 (答复期限 山东 6.4)
        "complaints": ChartDef("投诉处理情况", "山东规范 附件6 二（二）、6.4", ("件数",),
                               unit="件"),
        # 山东 附件6 三: 计提、支出、余额; 7.2: 省级统筹不低于事故预防费用的 30%
        "funds": ChartDef("事故预防费用收支与统筹", "山东规范 附件6 三、7.2（统筹不低于 30%）",
                          ("金额",), fmt="money", unit="元",
                          floor_label="7.2 统筹下限（计提×30%）"),
    },
    "chengdu": {
        # 成都 附录E 每发现 1 例: 5.3.3 记录、5.3.4.1 回访、5.3.4.2 归档、5.4.2.1 投诉答复
        "deadlines": ChartDef("服务时限执行情况（档案判定）",
                              "成都规范 附录E；5.3.3、5.3.4.1、5.3.4.2、5.4.2.1",
                              ("应完成", "逾期"), unit="项"),
        # 成都 附录E: 评价项目的分值与得分（100 分，加分最高 30 分）
        "scores": ChartDef("各评价项目得分", "成都规范 附录E 3.评价指标", ("分值", "得分"),
                           unit="分"),
    },
    "wenzhou": {
        # 温州 第二十三条（一）服务方案实施情况: 应开展与已开展（各义务所引条款）
        "services": ChartDef("事故预防服务开展次数", "温州 第二十三条（一）；各项所引条款",
                             ("应开展", "已开展"), unit="次"),
        # 温州 第二十三条（一）: 各项时限（按时完成与逾期）
        "deadlines": ChartDef("服务时限执行情况", "温州 第二十三条（一）；各项所引条款",
                              ("按时完成", "逾期"), unit="项"),
        # 温州 第六条: 事故预防服务费用不低于总保费的 35%
        "fees": ChartDef("事故预防服务费用提取与列支", "温州 第六条（不低于保费的 35%）",
                         ("金额",), fmt="money", unit="元", floor_label="第六条下限（保费×35%）"),
    },
}


def chart_caption(number: int, chart: ChartDef) -> str:
    """图 n 的题注：标题与所依条款 (printed under the figure, as text)."""
    return f"图{number}　{chart.title}（依据：{chart.clause}）"


ChartValue = Annotated[Decimal, Field(ge=-10**12, le=10**12, max_digits=16, decimal_places=2)]


class ChartBarData(Model):
    label: ShortText = Field(min_length=1, title="类别")
    values: list[ChartValue] = Field(min_length=1, max_length=3, title="数值（每个系列一个）")


class ChartData(Model):
    """One chart's figures (computed from the archive by POST /v1/evaluations)."""

    bars: list[ChartBarData] = Field(min_length=1, max_length=40, title="各类别")
    floor: ChartValue | None = Field(None, title="下限（规定的最低值）")


def _check(profile: str, charts: Model) -> None:
    """Each bar has one value per series of its chart (the series are fixed, not posted)."""
    defs = EVALUATION_CHARTS[profile]
    for key, chart in charts:
        if not isinstance(chart, ChartData):
            continue
        want = len(defs[key].series)
        if any(len(b.values) != want for b in chart.bars):
            raise PydanticCustomError(
                "chart_series", "图「{title}」每个类别须有 {want} 个数值 / chart {key!r} needs "
                "{want} value(s) per bar", {"title": defs[key].title, "key": key, "want": want})
        if chart.floor is not None and defs[key].floor_label is None:
            raise PydanticCustomError("chart_floor", "图「{title}」无下限 / chart {key!r} has no "
                                      "floor", {"title": defs[key].title, "key": key})


class ShandongCharts(Model):
    """山东 附件6 的图（由档案生成）."""

    services: ChartData | None = Field(None, title="事故预防技术服务形式和次数")
    hazards: ChartData | None = Field(None, title="事故隐患排查与处置")
    satisfaction: ChartData | None = Field(None, title="被保险人满意度")
    complaints: ChartData | None = Field(None, title="投诉处理情况")
    funds: ChartData | None = Field(None, title="事故预防费用收支与统筹")

    @model_validator(mode="after")
    def _series(self) -> Any:
        _check("shandong", self)
        return self


class ChengduCharts(Model):
    """成都 附录E 的图（由档案生成）."""

    deadlines: ChartData | None = Field(None, title="服务时限执行情况")
    scores: ChartData | None = Field(None, title="各评价项目得分")

    @model_validator(mode="after")
    def _series(self) -> Any:
        _check("chengdu", self)
        return self


class WenzhouCharts(Model):
    """温州 半年度自评报告 的图（由档案生成）."""

    services: ChartData | None = Field(None, title="事故预防服务开展次数")
    deadlines: ChartData | None = Field(None, title="服务时限执行情况")
    fees: ChartData | None = Field(None, title="事故预防服务费用提取与列支")

    @model_validator(mode="after")
    def _series(self) -> Any:
        _check("wenzhou", self)
        return self
