"""Consistent data and honest forms:

- names repeated inside one document must agree (policy.insured_name and insured.name…), else a
  422 naming both JSON paths (domain/documents/consistency.py); the examples are internally
  consistent, Chengdu data on Chengdu forms;
- what users see names the standard and its clause, never a file of the sources;
- every field a client may post is either printed by its form or declared as not printed, with
  the reason (rendering/kinds.py): nothing is dropped silently;
- the printed 附录D (100) and 附录E (100 + 30) totals are the sums a reader computes by hand.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from domain.catalog import CATALOG, get_kind, parse_data
from domain.errors import DomainValidationError
from rendering.bindings import printed_patterns, schema_leaves
from rendering.kinds import not_printed
from rendering.spec import load_spec, spec_root
from services.render import build, render_data
from tests.textutil import pdf_text, squash

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "examples").glob("*.json"))}
SEED_FILE = re.compile(r"0\d\d_[0-9a-f]{16}\.txt")


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() if k != "data" for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


# -- names that must agree ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "path", "other"), [
    ("callback-chengdu", ("policy", "insured_name"), "data.insured_name"),
    ("plan-chengdu", ("policy", "insured_name"), "data.insured.name"),
    ("report-shandong", ("policy", "insured_name"), "data.insured.name"),
    ("callback-shandong", ("policy", "insured_name"), "data.insured_name"),
])
def test_names_of_the_same_party_that_disagree_are_refused_naming_both_paths(
        name: str, path: tuple[str, ...], other: str) -> None:
    body = copy.deepcopy(EXAMPLES[name])
    body["data"][path[0]][path[1]] = "济南另一家物流有限公司"
    kind = get_kind(body["type"], body["profile"])
    with pytest.raises(DomainValidationError) as exc:
        parse_data(kind, body["data"])
    [problem] = [p for p in exc.value.problems if p.rule == "names_disagree"]
    assert problem.path == ("data", *path)
    assert other in problem.message_zh and "data." + ".".join(path) in problem.message_zh
    assert other in problem.message_en


def test_a_derived_table_7_must_name_the_same_insured(app_client: Any,
                                                      insurer_headers: dict[str, str]) -> None:
    body = copy.deepcopy(EXAMPLES["chengdu_table_7-chengdu"])
    body["data"]["from_table5"] = [{**EXAMPLES["chengdu_table_5-chengdu"]["data"],
                                    "insured_name": "另一家公司"}]
    r = app_client.post("/v1/forms/chengdu_table_7.pdf", params={"profile": "chengdu"},
                        json=body["data"], headers=insurer_headers)
    assert r.status_code == 422, r.text
    paths = [p["path"] for p in r.json()["problems"] if p["rule"] == "names_disagree"]
    assert paths == ["data.from_table5[0].insured_name"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_is_consistent(name: str) -> None:
    body = EXAMPLES[name]
    parse_data(get_kind(body["type"], body["profile"]), body["data"])  # no 422


@pytest.mark.parametrize("name", [n for n in sorted(EXAMPLES)
                                  if n.endswith(("-chengdu", "-wenzhou"))])
def test_chengdu_and_wenzhou_forms_carry_their_own_citys_data(name: str) -> None:
    shandong = [s for s in _strings(EXAMPLES[name]["data"])
                if any(w in s for w in ("济南", "山东", "鲁通", "0531"))]
    assert shandong == []


# -- what users see --------------------------------------------------------------------------


def test_the_forms_list_names_standards_and_clauses_never_source_files(
        app_client: Any, insurer_headers: dict[str, str]) -> None:
    r = app_client.get("/v1/forms", headers=insurer_headers)
    assert r.status_code == 200
    assert not SEED_FILE.search(r.text), SEED_FILE.findall(r.text)[:5]
    sources = {(f["type"], f["profile"]): f["source"] for f in r.json()["forms"]}
    assert "附件4" in sources[("report", "shandong")] and "山东" in sources[("report", "shandong")]
    assert sources[("chengdu_table_9", "chengdu")].endswith("附录C 表9")
    assert "成都" in sources[("chengdu_table_9", "chengdu")]
    assert sources[("plan", "national")].startswith("AQ 9010.1-2025")


def test_schemas_name_no_source_file(app_client: Any, insurer_headers: dict[str, str]) -> None:
    for doc_type, profile in CATALOG:
        r = app_client.get(f"/v1/schemas/{doc_type}", params={"profile": profile},
                           headers=insurer_headers)
        assert r.status_code == 200
        assert not SEED_FILE.search(r.text), (doc_type, profile)


# -- nothing dropped silently -----------------------------------------------------------------


@pytest.mark.parametrize(("doc_type", "profile"), sorted(CATALOG))
def test_every_posted_field_is_printed_or_declared_not_printed(doc_type: str,
                                                               profile: str) -> None:
    kind = CATALOG[(doc_type, profile)]
    printed = printed_patterns(load_spec(profile, doc_type).blocks, spec_root(profile, doc_type))
    declared = not_printed(doc_type, profile)
    dropped = []
    for leaf in schema_leaves(kind.model):
        if leaf[-1] == "filename":  # a photo's file name: the photo itself is printed
            continue
        if any(leaf[:n] in printed or leaf[:n] in declared for n in range(1, len(leaf) + 1)):
            continue
        dropped.append(".".join(leaf))
    assert dropped == [], ("printed nowhere and not declared in rendering/kinds.py "
                           "(not_printed, with the reason)")


def test_the_reports_visit_location_and_costs_have_a_place() -> None:
    body = EXAMPLES["report-shandong"]
    text = squash(pdf_text(render_data("report", "shandong", body["data"], "pdf").content))
    assert squash(body["data"]["visit"]["location"]) in text
    from domain.archive_items import archive_items

    model = parse_data(get_kind("report", "shandong"), body["data"])
    costs = [i for i in archive_items("report", model) if i.item == "服务项目实际支出金额"]
    assert costs and all(i.present for i in costs)  # printed in the 档案内容清单 (附录B)


# -- the totals a reader computes by hand ----------------------------------------------------------


def _printed_total(name: str, label: str) -> str:
    body = EXAMPLES[name]
    doc = build(get_kind(body["type"], body["profile"]),
                parse_data(get_kind(body["type"], body["profile"]), body["data"]))
    from rendering.blocks import Table, Text

    for b in doc.blocks:
        if isinstance(b, Table):
            for row in b.rows:
                texts = ["".join(i.text for i in c.inlines if isinstance(i, Text))
                         for c in row.cells]
                if texts and texts[0] == label:
                    return next(t for t in texts[1:] if t and t[0].isdigit() and t != "100")
    raise AssertionError(f"no row {label}")


def test_appendix_d_total_is_100_less_the_deductions_of_the_findings() -> None:
    # callback-chengdu: 服务方案满意度 酌情扣 1.5; 服务方案完成情况 1 例未完成 × 2;
    # 服务成果反馈情况 1 例超时 × 2 → 100 − 1.5 − 2 − 2
    assert _printed_total("callback-chengdu", "合计") == "94.5"


def test_appendix_e_totals_are_100_and_30_less_and_plus_the_findings() -> None:
    # annual_evaluation-chengdu: 全流程管理 2 例缺项 × 0.5; 服务档案 1 例 × 0.5 → 100 − 1.5;
    # 创新性工作 1 项 × 2 and 成效优秀 10 → 12 of the 30; total 110.5
    assert _printed_total("annual_evaluation-chengdu", "基础得分（满分 100）") == "98.5"
    assert _printed_total("annual_evaluation-chengdu", "加分（最高 30）") == "12"
    assert _printed_total("annual_evaluation-chengdu", "总得分") == "110.5"
