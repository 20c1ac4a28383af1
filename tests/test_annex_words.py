"""The annexes' own words, checked line by line against the standards' text, and the service's
additions visibly its own.

tests/data/annex_text/<form>.txt holds each annex's lines as the standard's text has them
(tools/annex_text.py copies them from the source standards). Every line of it — without blanks,
____ and spaces — must be in the blank form's text, but for the lines listed in EXCEPTIONS,
each with the reason. Where the service adds what the standard does not have (the bands in force,
the 投保单位 line, 评估周期, who evaluated a 表13), it is a note of the service (opening with
rendering.blocks.NOTE_MARK, printed small and grey); filled records are not templates: no
"（模板）".
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from domain.catalog import CATALOG, get_kind, parse_data
from rendering.blocks import (
    NOTE_MARK,
    Check,
    Document,
    Heading,
    Paragraph,
    Signatures,
    Table,
    Text,
)
from services.render import build, render_blank
from tests.textutil import pdf_text, squash

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ROOT / "tests" / "data" / "annex_text"
SEEDS = ROOT.parent / "shared" / "seeds"
FORMS = sorted(p.stem for p in TEXTS.glob("*.txt"))

#: (form, the standard's line as written) → why the blank form does not print it as such
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("plan-shandong", "根据 XXXX 要求,结合投保项目事故预防技术服务需求,本服务方案商定提供以下服务内容(可根据需求进行选择):"):
        "XXXX is the annex's placeholder for the basis: a write-in line on the blank form",
    ("plan-national", "A.2  安全生产责任保险事故预防服务方案正文格式"):
        "the caption of 图A.2 names the figure, it is not part of the form",
    ("plan-national", "图A.1  安全生产责任保险事故预防服务方案封面格式"):
        "the caption of 图A.1 names the figure, it is not part of the form",
    ("plan-national", "（封面）"): "names the page of 图A.1 (the cover), it is not printed on it",
    ("plan-national", "A.1安全生产责任保险事故预防服务方案封面格式参照图A1。"):
        "the appendix's instruction to the reader of the standard",
    ("plan-national", "A.2安全生产责任保险事故预防服务方案正文格式参照图A2。"):
        "the appendix's instruction to the reader of the standard",
    ("plan-national", "附 录 A"): "the appendix's heading: the form is headed AQ 9010.1—2025 附录A",
    ("plan-national", "（资料性）"): "the appendix's status, not part of the form",
    ("plan-national", "安全生产责任保险事故预防服务方案模板"):
        "the appendix's title; the form's title is 安全生产责任保险事故预防服务方案",
    ("annual_evaluation-chengdu", "以下为安全生产责任保险事故预防技术服务质量评估指标体系（模板），供保险公司自评或者第三"):
        "the appendix's introduction, addressed to the reader of the standard",
    ("annual_evaluation-chengdu", "方评估事故预防技术服务质量时参考。"):
        "the appendix's introduction, addressed to the reader of the standard",
    ("chengdu_table_11-chengdu", "…"): "the annex's ellipsis for more numbered items",
    ("chengdu_table_11-chengdu", "1."): "the annex numbers the items to write in: ruled lines here",
    ("chengdu_table_12-chengdu", "…"): "the annex's ellipsis for more numbered items",
}


def _norm(text: str) -> str:
    # boxes are compared as words are not: the text files lose some (是 否), spell others
    # <input type="checkbox"/>
    text = text.replace('<input type="checkbox"/>', "").replace("□", "").replace("☑", "")
    return squash(unicodedata.normalize("NFKC", text)).replace("_", "")


def annex_lines(form: str) -> list[str]:
    lines = (TEXTS / f"{form}.txt").read_text(encoding="utf-8").splitlines()[1:]
    return [ln for ln in lines if _norm(ln) and (form, ln.strip()) not in EXCEPTIONS
            and (form, ln) not in EXCEPTIONS]


def form_text(doc: Document) -> str:
    """Every text of the form in order, check boxes with their marks (□ before, or in the
    parentheses after, the label)."""
    out = [doc.subtitle or "", doc.title]
    for b in doc.blocks:
        groups = ([b.inlines] if isinstance(b, Paragraph) else
                  [c.inlines for r in b.rows for c in r.cells] if isinstance(b, Table) else [])
        if isinstance(b, Table) and b.caption:
            out.append(b.caption)
        if isinstance(b, Heading):
            out.append(b.text)
        if isinstance(b, Signatures):
            out += [s.label for s in b.items]
        for inlines in groups:
            for i in inlines:
                if isinstance(i, Text):
                    out.append(i.text)
                elif isinstance(i, Check):
                    out.append(f"{i.label}（{i.mark}）" if i.style == "paren"
                               else f"{i.mark}{i.label}")
    return _norm("".join(out))


def _blank(form: str) -> Document:
    doc_type, _, profile = form.rpartition("-")
    return build(CATALOG[(doc_type, profile)], None)


@pytest.mark.parametrize("form", FORMS)
def test_every_line_of_the_annex_is_on_the_blank_form(form: str) -> None:
    text = form_text(_blank(form))
    missing = [ln for ln in annex_lines(form) if _norm(ln) not in text]
    assert missing == []


@pytest.mark.parametrize("form", FORMS)
def test_the_committed_annex_text_is_the_standards(form: str) -> None:
    """tests/data/annex_text is a verbatim copy (checked where the standards are at hand)."""
    if not SEEDS.is_dir():
        pytest.skip("the source standards are not beside the repository")
    head, *lines = (TEXTS / f"{form}.txt").read_text(encoding="utf-8").splitlines()
    source, _, span = head[2:].partition(" lines ")
    first, last = (int(x) for x in span.split("-"))
    seed = (SEEDS / source).read_text(encoding="utf-8").splitlines()[first - 1:last]
    assert lines == seed


def _example(name: str) -> dict:
    return json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def _filled(name: str, data: dict | None = None) -> Document:
    body = _example(name)
    kind = get_kind(body["type"], body["profile"])
    return build(kind, parse_data(kind, data if data is not None else body["data"]))


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "examples").glob("*.json")))
def test_a_filled_record_is_not_a_template(name: str) -> None:
    doc = _filled(name)
    assert "模板" not in (doc.subtitle or "") and "模板" not in doc.title
    assert all("（模板）" not in t for t in doc.texts())


def test_the_blank_chengdu_templates_say_they_are_templates() -> None:
    for doc_type in ("plan", "callback", "annual_evaluation"):
        assert "（模板）" in (build(CATALOG[(doc_type, "chengdu")], None).subtitle or "")


def _notes(doc: Document) -> list[str]:
    return ["".join(i.text for i in b.inlines if isinstance(i, Text))
            for b in doc.blocks if isinstance(b, Paragraph) and b.note]


def test_every_note_of_the_service_is_marked_as_the_services() -> None:
    for kind in CATALOG.values():
        for doc in (build(kind, None),):
            for b in doc.blocks:
                if isinstance(b, Paragraph) and b.note:
                    assert isinstance(b.inlines[0], Text) and b.inlines[0].text == NOTE_MARK
                    assert b.small
                if isinstance(b, Paragraph) and any(
                        isinstance(i, Text) and NOTE_MARK in i.text for i in b.inlines):
                    assert b.note


@pytest.mark.parametrize(("name", "starts"), [
    ("report-shandong", "【系统补充】风险等级判定："),  # the bands in force
    ("report-shandong", "【系统补充】服务地点："),  # visit.location: 附件4 has no place for it
    ("annual_evaluation-shandong", "【系统补充】评估周期："),
    ("chengdu_table_5-chengdu", "【系统补充】投保单位："),
    ("chengdu_table_5-chengdu", "【系统补充】风险等级判定："),
    ("chengdu_table_6-chengdu", "【系统补充】风险等级判定："),
    ("chengdu_table_13-chengdu", "【系统补充】被评估的应急预案："),
])
def test_the_services_additions_are_its_notes(name: str, starts: str) -> None:
    assert any(n.startswith(starts) for n in _notes(_filled(name)))


def test_the_blank_table_5_has_the_insured_line_the_filled_one_has() -> None:
    blank = build(CATALOG[("chengdu_table_5", "chengdu")], None)
    assert any(n.startswith("【系统补充】投保单位：") for n in _notes(blank))
    assert any(n.startswith("【系统补充】风险等级判定：风险矩阵法") for n in _notes(blank))


def test_the_blank_table_11_prints_the_annex_sentence_with_its_placeholders() -> None:
    text = form_text(_blank("chengdu_table_11-chengdu"))
    assert _norm("年 月 日至 年 月 日，根据（甲方名称）与（乙方名称）签订的《安全生产责任保险事故预防"
                 "技术服务方案》的约定，（乙方名称）组织安全生产专业技术人员对（甲方名称）开展了") in text
    assert _norm("从安全管理资料摸底情况来看，（甲方名称）安全管理重点和难点为：") in text


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
@pytest.mark.parametrize(("doc_type", "title"), [
    ("chengdu_table_11", "安全生产标准化初始现状评估报告"),
    ("chengdu_table_12", "企业安全生产标准化自评报告"),
])
def test_tables_11_and_12_open_with_a_cover(doc_type: str, title: str, engine: str) -> None:
    """The cover's title is set at title size (level 0) and the cover is a page of its own; the
    last page holds more than a sign-off."""
    doc = build(CATALOG[(doc_type, "chengdu")], None)
    heads = [b for b in doc.blocks if isinstance(b, Heading) and b.text == title]
    assert heads and heads[0].level == 0
    pdf = render_blank(doc_type, "chengdu", "pdf", engine=engine).content  # type: ignore[arg-type]
    pages = pdf_text(pdf, mode="layout").split("\f")
    pages = [squash(p) for p in pages if squash(p)]
    assert len(pages[-1]) > len(squash("技术服务项目组年月日")) + 10


def test_the_national_plan_has_a_cover_and_does_not_print_its_caption() -> None:
    doc = build(CATALOG[("plan", "national")], None)
    assert all("封面" not in t for t in doc.texts())


def test_appendix_e_row_2_has_the_standards_wording() -> None:
    from domain.scoring import APPENDIX_E

    row = next(r for r in APPENDIX_E if r.name.startswith("建立事故预防技术服务工作"))
    assert row.criterion.startswith("事故预防技术服务工作责任制的，本项不得分。")


def test_the_broker_signs_only_when_the_service_is_pooled() -> None:
    data = _example("annual_evaluation-shandong")["data"]
    labels = [s.label for b in _filled("annual_evaluation-shandong", {
        **data, "pooled_by_broker": False, "broker": "某经纪公司"}).blocks
        if isinstance(b, Signatures) for s in b.items]
    assert not any("保险经纪机构" in label for label in labels)
    pooled = [s.label for b in _filled("annual_evaluation-shandong", {
        **data, "pooled_by_broker": True, "broker": "某经纪公司"}).blocks
        if isinstance(b, Signatures) for s in b.items]
    assert any("保险经纪机构" in label for label in pooled)


def test_the_reports_lists_have_the_signatures_their_notes_require() -> None:
    """附件4: 辨识结果需要风险辨识人员签字，被保险人签字确认; 事故预防人员要签字，被保险人现场人员
    签字确认."""
    for doc in (build(CATALOG[("report", "shandong")], None), _filled("report-shandong")):
        labels = [s.label for b in doc.blocks if isinstance(b, Signatures) for s in b.items]
        for label in ("风险辨识人员（签字）：", "被保险人（签字确认）：", "事故预防人员（签字）：",
                      "被保险人现场人员（签字确认）："):
            assert label in labels
    names = [s.name for b in _filled("report-shandong").blocks if isinstance(b, Signatures)
             for s in b.items]
    assert "孙浩、周敏" in names


def test_a_filled_table_13_sets_findings_apart_and_names_who_evaluated() -> None:
    doc = _filled("chengdu_table_13-chengdu")
    table = next(b for b in doc.blocks if isinstance(b, Table))
    header = ["".join(i.text for i in c.inlines if isinstance(i, Text))
              for c in table.rows[0].cells]
    assert header[-2:] == ["评估结果", "评估记录"]
    guidance_cells = [r.cells for r in table.rows[1:]]
    assert all("是否有不符合项" not in "".join(
        i.text for i in cells[-1].inlines if isinstance(i, Text)) for cells in guidance_cells)
    sigs = [s for b in doc.blocks if isinstance(b, Signatures) for s in b.items]
    assert sigs and sigs[0].label.startswith("评估人员") and sigs[0].name and sigs[0].date
    blank = build(CATALOG[("chengdu_table_13", "chengdu")], None)
    blank_table = next(b for b in blank.blocks if isinstance(b, Table))
    assert len(blank_table.widths) == 4, "the blank form is the standard's table"
