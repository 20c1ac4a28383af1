"""The bar charts drawn by the product (rendering/charts.py, issue 15 points 5 and 6): one layout
drawn as SVG and as PNG, every value printed (legible in black and white), a caption citing the
clause; the evaluation charts' data model (domain/charts.py) and builders, the regulator's charts."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pydantic import ValidationError

from api.routes.regulator import ChartName
from domain.catalog import get_kind, parse_data
from domain.charts import EVALUATION_CHARTS, ChengduCharts, ShandongCharts, WenzhouCharts
from domain.errors import DomainValidationError
from domain.evaluation import CallbackSummary, ComplaintSummary, ObligationFact, ReportSummary
from domain.evaluation_charts import chengdu_charts, shandong_charts, wenzhou_charts
from domain.fees import totals
from domain.scoring import APPENDIX_E, Finding, score
from rendering import drawkit, riskmap
from rendering.charts import (
    MAX_BARS,
    Bar,
    Chart,
    ChartError,
    chart_png,
    chart_svg,
    format_value,
    layout_chart,
)
from rendering.regulator_charts import CHART_NAMES, regulator_chart

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))["data"]  # type: ignore[no-any-return]


def fees_chart(**kw: Any) -> Chart:
    return Chart("事故预防费用收支", "依据：温州 第六条（不低于保费的 35%）",
                 (Bar("计提", (D("29750.00"),)), Bar("支出", (D("8000.50"),)),
                  Bar("余额", (D("-120.00"),))),
                 series=("金额",), fmt="money", unit="元", floor=D("29750.00"),
                 floor_label="第六条下限（保费×35%）", **kw)


def two_series() -> Chart:
    return Chart("服务时限执行情况", "依据：成都规范 附录E；5.3.3",
                 (Bar("5.3.3 服务记录", (D(12), D(3))), Bar("5.3.4.1 回访", (D(7), D(0)))),
                 series=("应完成", "逾期"), unit="项")


def svg_texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def svg_bars(svg: str) -> list[tuple[str, str, Decimal]]:
    return [(r.get("data-label", ""), r.get("data-series", ""), D(r.get("data-value", "")))
            for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("data-value") is not None]


def test_the_svg_parses_and_carries_every_value_its_title_and_clause() -> None:
    svg = chart_svg(fees_chart())
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert svg_bars(svg) == [("计提", "金额", D("29750.00")), ("支出", "金额", D("8000.50")),
                             ("余额", "金额", D("-120.00"))]
    texts = svg_texts(svg)
    # every value is printed, so a black-and-white print keeps the numbers
    for v in ("29,750.00 元", "8,000.50 元", "-120.00 元"):
        assert v in texts
    assert "事故预防费用收支" in texts
    assert any("温州 第六条" in t for t in texts)  # the caption cites the clause
    assert any(t.startswith("第六条下限（保费×35%）：29,750.00 元") for t in texts)
    assert root.find(f"{SVG}line[@stroke-dasharray]") is not None  # the floor, dashed


def test_a_document_chart_leaves_the_title_and_caption_to_the_document() -> None:
    texts = svg_texts(chart_svg(fees_chart(), framed=False))
    assert "事故预防费用收支" not in texts and not any("依据" in t for t in texts)
    assert "29,750.00 元" in texts


def test_two_series_have_a_legend_and_fills_told_apart_in_grey() -> None:
    svg = chart_svg(two_series())
    assert [(s, v) for _, s, v in svg_bars(svg)] == [("应完成", D(12)), ("逾期", D(3)),
                                                     ("应完成", D(7)), ("逾期", D(0))]
    texts = svg_texts(svg)
    assert {"应完成", "逾期", "12 项", "3 项", "0 项"} <= set(texts)
    fills = {r.get("data-series"): r.get("fill") for r in ET.fromstring(svg).iter(f"{SVG}rect")
             if r.get("data-series")}

    def grey(hex_: str | None) -> float:
        assert hex_ is not None
        r, g, b = (int(hex_[i:i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    assert abs(grey(fills["应完成"]) - grey(fills["逾期"])) > 80


def test_the_png_decodes_with_the_layouts_size() -> None:
    chart = two_series()
    lay = layout_chart(chart)
    for scale in (1.0, 2.0):
        png = chart_png(chart, scale=scale)
        with Image.open(io.BytesIO(png)) as im:
            im.load()
            assert im.format == "PNG"
            w, hgt = im.size
            assert w == round(lay.width * scale) and abs(hgt - lay.height * scale) <= 1
            assert 300 <= hgt / scale <= 1200
            # drawn: dark bar pixels and text, not a blank page
            darkest, _ = im.convert("L").getextrema()
            assert isinstance(darkest, int) and darkest < 80


def test_labels_are_data_never_markup() -> None:
    chart = Chart("<b>&", "依据：x", (Bar("<script>alert(1)</script>\x00", (D(1),)),))
    svg = chart_svg(chart)
    ET.fromstring(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_bad_charts_are_refused() -> None:
    with pytest.raises(ChartError):
        layout_chart(Chart("t", "c", (Bar("a", (D(1), D(2))),)))  # 2 values, 1 series
    with pytest.raises(ChartError):
        layout_chart(Chart("t", "c", tuple(Bar(str(i), (D(i),)) for i in range(MAX_BARS + 1))))
    with pytest.raises(ChartError):
        layout_chart(Chart("t", "c", (Bar("a", (D("NaN"),)),)))
    empty = chart_svg(Chart("t", "c", ()))
    assert "（无数据）" in svg_texts(empty)


def test_percent_axis_and_value_formats() -> None:
    assert format_value(D("1234.5"), "money", "元") == "1,234.50 元"
    assert format_value(D(7), "count", "次") == "7 次"
    assert format_value(D("85"), "percent") == "85.0%"
    texts = svg_texts(chart_svg(Chart("覆盖率", "依据：山东规范 8.1 a）", (
        Bar("济南市", (D("85.00"),), ("85.00%（17/20）",)),), fmt="percent")))
    assert "85.00%（17/20）" in texts and "100.0%" in texts and "0.0%" in texts


def test_the_risk_map_and_the_charts_share_their_drawing_primitives() -> None:
    assert riskmap._n is drawkit.n and riskmap._svg_text is drawkit.svg_text
    assert riskmap._wrap is drawkit.wrap and riskmap.TextLine is drawkit.TextLine


# -- the evaluations' chart data (domain/charts.py, domain/evaluation_charts.py) ---------------


def test_chart_data_needs_one_value_per_series_and_a_floor_only_where_a_rule_sets_one() -> None:
    ok = {"deadlines": {"bars": [{"label": "5.3.3 服务记录", "values": [3, 1]}]}}
    ChengduCharts.model_validate(ok)
    with pytest.raises(ValidationError, match="2 个数值"):
        ChengduCharts.model_validate({"deadlines": {"bars": [{"label": "a", "values": [3]}]}})
    with pytest.raises(ValidationError, match="无下限"):
        ShandongCharts.model_validate({"services": {"bars": [{"label": "a", "values": [1]}],
                                                    "floor": 2}})
    with pytest.raises(ValidationError):
        WenzhouCharts.model_validate({"mystery": {"bars": [{"label": "a", "values": [1]}]}})
    for profile, charts in EVALUATION_CHARTS.items():
        for key, d in charts.items():
            assert d.clause and any(c.isdigit() or c in "一二三" for c in d.clause), (profile, key)


def test_shandong_chart_figures_are_the_sums_of_the_work_list() -> None:
    day = dt.date(2026, 3, 1)
    reports = [ReportSummary("R1", "P1", day, items=frozenset({"a", "d"}),
                             hazards=(("x", "一般事故隐患"), ("y", "重大事故隐患"))),
               ReportSummary("R2", "P2", day, items=frozenset({"d"}), hazards=(("z", "一般"),))]
    callbacks = [CallbackSummary("C1", "P1", day, "非常满意", "已完成"),
                 CallbackSummary("C2", "P2", day, "一般", "未完成")]
    complaints = [ComplaintSummary("M1", day, day), ComplaintSummary("M2", day, None)]
    fees = totals([("accrual", D("1000"), D("5000")), ("expenditure", D("1200"), None),
                   ("pooling", D("200"), None)])
    c = shandong_charts(reports, callbacks, complaints, fees)
    ShandongCharts.model_validate(c)
    bars = {k: {b["label"]: b["values"] for b in v["bars"]} for k, v in c.items()}
    assert bars["services"] == {"现场服务（合计）": [2], "其中 宣传教育培训": [1],
                                "其中 隐患排查": [2], "回访": [2]}
    assert bars["hazards"] == {"排查出事故隐患（项）": [3], "其中重大事故隐患（项）": [1],
                               "回访确认闭环 已完成（次）": [1], "回访确认闭环 未完成（次）": [1]}
    assert bars["satisfaction"] == {"非常满意": [1], "基本满意": [0], "一般": [1], "不满意": [0]}
    assert bars["complaints"] == {"受理投诉": [2], "已答复": [1], "未答复": [1]}
    assert bars["funds"] == {"计提": ["1000.00"], "支出": ["1200.00"], "余额": ["-200.00"],
                             "统筹划拨": ["200.00"]}
    assert c["funds"]["floor"] == "300.00"  # 山东 7.2: 30 % of the accrued fee
    assert shandong_charts([], [], [], totals([])) == {}  # nothing to draw


def test_chengdu_and_wenzhou_chart_figures() -> None:
    facts = [ObligationFact("P", "report", "成都 5.3.3", "done_late"),
             ObligationFact("P", "report", "成都 5.3.3", "done"),
             ObligationFact("P", "callback", "成都 5.3.4.1", "overdue")]
    sheet = score(APPENDIX_E, {r.key: Finding() for r in APPENDIX_E}, ("findings",))
    c = chengdu_charts(facts, sheet)
    ChengduCharts.model_validate(c)
    assert [b["values"] for b in c["deadlines"]["bars"]] == [[2, 1], [1, 1], [0, 0], [0, 0]]
    groups = sheet.group_totals()
    assert {b["label"]: D(b["values"][1]) for b in c["scores"]["bars"]} == groups
    w = wenzhou_charts([ObligationFact("P", "visits", "温州 第九条", "pending", 4, 1),
                        ObligationFact("P", "callback", "温州 第十条", "done"),
                        ObligationFact("P", "callback", "温州 第十条", "overdue")],
                       totals([("accrual", D("35"), D("100"))]))
    WenzhouCharts.model_validate(w)
    assert w["services"]["bars"] == [{"label": "现场服务（温州 第九条）", "values": [4, 1]}]
    assert w["deadlines"]["bars"] == [{"label": "回访（温州 第十条）", "values": [1, 1]}]
    assert w["fees"]["floor"] == "35.00"


# -- the regulator's charts -------------------------------------------------------------------


def summary() -> dict[str, Any]:
    row = {"policies": 3, "in_force": 2, "served": 1, "realtime_percent": "50.00",
           "ended_in_quarter": 0, "ended_served": 0, "quarterly_percent": None,
           "overdue_obligations": 4, "major_hazards_open": 1}
    return {"as_of": "2026-10-20", "quarter": {"from": "2026-10-01", "to": "2026-12-31"},
            "year": 2026, "regions": ["济南市"],
            "by_region": [{"region": "济南市", **row},
                          {"region": "济南市历城区", **row, "overdue_obligations": 9}],
            "by_insurer": [{"insurer": "人保济南", **row}],
            "fees": [{"insurer": "人保济南", "profile": "wenzhou", "floors": [
                {"clause": "温州 第六条", "required": "350.00", "actual": "300.00",
                 "met": False}]}]}


def test_every_regulator_chart_draws_and_cites_its_clause() -> None:
    assert set(get_args(ChartName)) == set(CHART_NAMES)
    for name in CHART_NAMES:
        chart = regulator_chart(summary(), name)
        assert chart.caption.startswith("依据：") and chart.caption != "依据：", name
        ET.fromstring(chart_svg(chart))
    cov = regulator_chart(summary(), "coverage_by_region")
    assert cov.bars[0].texts == ("50.00%（1/2）", "本季度无终保保单")
    over = regulator_chart(summary(), "overdue_by_region")
    assert [(b.label, b.values) for b in over.bars] == [("济南市历城区", (D(9),)),
                                                        ("济南市", (D(4),))]
    fee = regulator_chart(summary(), "fee_floors")
    assert fee.bars[0].values == (D("300.00"), D("350.00")) and "未达到" in fee.bars[0].label


def test_the_regulator_sees_the_lowest_coverage_first_and_no_rate_last() -> None:
    s = summary()
    base = s["by_region"][0]
    s["by_region"] = [{**base, "region": "甲", "realtime_percent": "80.00"},
                      {**base, "region": "乙", "realtime_percent": None, "in_force": 0},
                      {**base, "region": "丙", "realtime_percent": "5.00"},
                      {**base, "region": "丁", "realtime_percent": "80.00"}]
    cov = regulator_chart(s, "coverage_by_region")
    assert [b.label for b in cov.bars] == ["丙", "丁", "甲", "乙"]  # ties by name
    cut = regulator_chart(s, "coverage_by_region", max_bars=2)
    assert [b.label for b in cut.bars] == ["丙", "丁"]
    assert "仅列覆盖率最低的 2 项（共 4 项）" in cut.subtitle


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=60),
                          st.lists(st.decimals(min_value=-10**9, max_value=10**9, places=2,
                                               allow_nan=False), min_size=2, max_size=2)),
                max_size=MAX_BARS),
       st.sampled_from(["count", "money", "percent"]),
       st.none() | st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_any_figures_give_well_formed_svg_with_every_value(
        rows: list[tuple[str, list[Decimal]]], fmt: Any, floor: Decimal | None) -> None:
    chart = Chart("图", "依据：x", tuple(Bar(label, tuple(vs)) for label, vs in rows),
                  series=("甲", "乙"), fmt=fmt, floor=floor, floor_label="下限")
    svg = chart_svg(chart)
    assert [v for _, _, v in svg_bars(svg)] == [v for _, vs in rows for v in vs]
    lay = layout_chart(chart)
    assert all(0 <= t.x <= lay.width and 0 <= t.y <= lay.height for t in lay.texts
               if t.anchor != "start")


def test_a_posted_evaluations_figures_must_agree_with_its_tables() -> None:
    """A figure never contradicts the form: a hand-made ``charts`` is checked against the
    tables it draws (附件6 三 and 隐患数量; 附录E's score table and cases)."""
    data = copy.deepcopy(example_data("annual_evaluation-shandong"))
    funds = data["funds"]
    data["charts"] = {"funds": {"bars": [
        {"label": "计提", "values": [funds["accrued"]]},
        {"label": "支出", "values": [funds["spent"]]}]}}
    parse_data(get_kind("annual_evaluation", "shandong"), data)  # agrees: fine
    data["charts"]["funds"]["bars"][1]["values"] = ["1.00"]
    data["charts"]["hazards"] = {"bars": [{"label": "排查出事故隐患（项）", "values": [999]}]}
    with pytest.raises(DomainValidationError) as exc:
        parse_data(get_kind("annual_evaluation", "shandong"), data)
    problems = {p.path: p for p in exc.value.problems}
    assert problems[("data", "charts", "funds", "bars", 1, "values", 0)].rule == "chart_disagrees"
    if all(r.get("hazard_count") is not None for r in data["work_list"]):
        assert ("data", "charts", "hazards", "bars", 0, "values", 0) in problems
    assert all("不一致" in p.message_zh and p.message_en for p in problems.values())

    cd = copy.deepcopy(example_data("annual_evaluation-chengdu"))
    model = parse_data(get_kind("annual_evaluation", "chengdu"), cd)
    sheet = model.sheet  # type: ignore[attr-defined]
    cd["charts"] = chengdu_charts([], sheet)
    cd["charts"].pop("deadlines")
    parse_data(get_kind("annual_evaluation", "chengdu"), cd)
    cd["charts"]["scores"]["bars"][0]["values"][1] = "0.50"
    with pytest.raises(DomainValidationError) as exc:
        parse_data(get_kind("annual_evaluation", "chengdu"), cd)
    assert [p.path for p in exc.value.problems] == [
        ("data", "charts", "scores", "bars", 0, "values", 1)]
