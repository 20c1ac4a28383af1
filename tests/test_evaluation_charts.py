"""The figures of the annual evaluations (issue 15 point 6), on SQLite and PostgreSQL with the
embedded SeaweedFS: POST /v1/evaluations draws, for 山东 附件6, 成都 附录E and 温州, charts whose
every value is recomputed here from the records the test archived (and equals the tables'); each
figure's caption cites its clause in the visible text of the Typst and the WeasyPrint PDF; Word
carries the PNG of the same figure; blank forms and hand-typed evaluations draw nothing."""

from __future__ import annotations

import copy
import io
import re
import subprocess
import zipfile
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from domain.charts import EVALUATION_CHARTS, chart_caption
from domain.obligations import record_facts
from services.render import render_blank, render_data
from tests.service_app import archive_on, example, key_headers

pytestmark = pytest.mark.s3

D = Decimal
ITEM_ZH = {"a": "宣传教育培训", "b": "风险辨识评估", "d": "隐患排查", "e": "应急预案与演练",
           "f": "科技创新与推广", "g": "其他服务"}


def pdf_text(pdf: bytes) -> str:
    """The PDF's visible text (poppler), without white space (captions may wrap)."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    return re.sub(r"\s+", "", out)


def captions(profile: str, keys: list[str]) -> list[str]:
    defs = EVALUATION_CHARTS[profile]
    return [re.sub(r"\s+", "", chart_caption(i + 1, defs[k])) for i, k in enumerate(keys)]


def bars(chart: dict[str, Any]) -> dict[str, list[Decimal]]:
    return {b["label"]: [D(str(v)) for v in b["values"]] for b in chart["bars"]}


def check_documents(client: TestClient, h: dict[str, str], rid: str, profile: str,
                    keys: list[str]) -> None:
    """Captions in the archived (Typst) PDF and in WeasyPrint's; the PNGs in Word."""
    want = captions(profile, keys)
    typst = client.get(f"/v1/documents/{rid}.pdf", headers=h)
    assert typst.status_code == 200
    text = pdf_text(typst.content)
    for cap in want:
        assert cap in text, cap
    data = client.get(f"/v1/documents/{rid}.json", headers=h).json()["data"]
    weasy = render_data("annual_evaluation", profile, data, "pdf", engine="weasyprint").content
    text = pdf_text(weasy)
    for cap in want:
        assert cap in text, cap
    docx = render_data("annual_evaluation", profile, data, "docx").content
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        body = z.read("word/document.xml").decode("utf-8")
        pngs = [n for n in z.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        images = [z.read(n) for n in pngs]
    for k, cap in zip(keys, want, strict=True):
        assert re.sub(r"\s+", "", chart_caption(keys.index(k) + 1,
                                                EVALUATION_CHARTS[profile][k])) == cap
        assert EVALUATION_CHARTS[profile][k].title in body
    sizes = []
    for png in images:
        with Image.open(io.BytesIO(png)) as im:
            im.load()
            sizes.append(im.size)
    charts = [s for s in sizes if s[0] >= 1000]  # drawn at 820 px × 1.5
    assert len(charts) >= len(keys), sizes
    assert all(150 <= hgt <= 2400 for _, hgt in charts), sizes


def test_shandong_annex_6_draws_its_figures_from_the_archive(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = key_headers(ctx, "人保济南图表")
    pols = [("PZAS202637010000066601", "济南图表物流有限公司"),
            ("PZAS202637010000066602", "济南图表危运有限公司")]
    for no, insured in pols:
        r = client.post("/v1/policies", headers=h, json={
            "policy_no": no, "profile": "shandong", "insured": insured, "premium": "50000.00",
            "period_start": "2026-01-01", "period_end": "2026-12-31"})
        assert r.status_code == 201, r.text
    posted_reports: list[dict[str, Any]] = []
    report_ids = []
    for i, (no, insured, day) in enumerate([(*pols[0], "2026-03-12"), (*pols[0], "2026-09-18"),
                                            (*pols[1], "2026-04-02")]):
        body = copy.deepcopy(example("report-shandong"))
        body["data"]["policy"]["policy_no"] = no
        body["data"]["policy"]["insured_name"] = insured
        body["data"]["insured"]["name"] = insured
        body["data"]["visit"] = {"date": day}
        if i == 2:
            body["data"]["hazards"][0]["grade"] = "重大事故隐患"
        report_ids.append(archive_on(client, ctx, h, body, day)["id"])
        posted_reports.append(body["data"])
    posted_callbacks = []
    for (no, insured), (overall, closure) in zip(pols, [("非常满意", "已完成"),
                                                        ("基本满意", "未完成")], strict=True):
        cb = copy.deepcopy(example("callback-shandong"))
        cb["data"]["policy"]["policy_no"] = no
        cb["data"]["policy"]["insured_name"] = insured
        cb["data"]["insured_name"] = insured
        cb["data"].update(overall=overall, closure=closure)
        archive_on(client, ctx, h, cb, "2026-05-10")
        posted_callbacks.append(cb["data"])
    cm = example("complaint-shandong")
    cm["data"]["policy_no"], cm["data"]["insured_name"] = pols[0]
    archive_on(client, ctx, h, cm, "2026-11-10")
    base = {"profile": "shandong", "year": 2026, "insurer": "人保济南分公司",
            "branch": "济南市分公司", "date": "2026-03-01"}
    fees = [{**base, "kind": "accrual", "premium": "100000.00", "share_percent": "20"},
            {**base, "kind": "expenditure", "amount": "5000.00", "policy_no": pols[0][0],
             "records": [report_ids[0]], "invoices": ["37012600000001234567"]},
            {**base, "kind": "pooling", "amount": "4000.00", "purpose": "划转省级统筹"}]
    for f in fees:
        r = client.post("/v1/fees", json=f, headers=h)
        assert r.status_code == 201, r.text
    r = client.post("/v1/evaluations", headers=h, json={
        "profile": "shandong", "year": 2026, "insurer": "人保济南分公司", "date": "2027-01-10"})
    assert r.status_code == 201, r.text
    ev = r.json()["evaluation"]
    charts = ev["charts"]
    # recomputed from what was posted above
    items = Counter(i for d in posted_reports for i in record_facts("report", d)["items"])
    assert bars(charts["services"]) == {
        "现场服务（合计）": [3], **{f"其中 {ITEM_ZH[i]}": [n] for i, n in items.items()},
        "回访": [2]}
    hazards = [hz["grade"] for d in posted_reports for hz in d["hazards"]]
    assert bars(charts["hazards"]) == {
        "排查出事故隐患（项）": [len(hazards)],
        "其中重大事故隐患（项）": [hazards.count("重大事故隐患")],
        "回访确认闭环 已完成（次）": [1], "回访确认闭环 未完成（次）": [1]}
    assert bars(charts["satisfaction"]) == {"非常满意": [1], "基本满意": [1], "一般": [0],
                                            "不满意": [0]}
    assert bars(charts["complaints"]) == {"受理投诉": [1], "已答复": [1], "未答复": [0]}
    assert bars(charts["funds"]) == {"计提": [D("20000.00")], "支出": [D("5000.00")],
                                     "余额": [D("15000.00")], "统筹划拨": [D("4000.00")]}
    assert D(charts["funds"]["floor"]) == D("6000.00")  # 山东 7.2: 30 % of 20,000
    # …and they are the tables' and texts' figures
    assert bars(charts["hazards"])["排查出事故隐患（项）"] == [
        sum(row.get("hazard_count", 0) for row in ev["work_list"])]
    assert [D(ev["funds"]["accrued"]), D(ev["funds"]["spent"])] == [
        bars(charts["funds"])["计提"][0], bars(charts["funds"])["支出"][0]]
    assert "非常满意 1 次、基本满意 1 次、一般 0 次、不满意 0 次" in ev["analysis"]["satisfaction"]
    assert "受理投诉 1 件，已答复 1 件，未答复 0 件" in ev["analysis"]["complaints"]
    rid = r.json()["record"]["id"]
    archived = client.get(f"/v1/documents/{rid}.json", headers=h).json()["data"]
    assert archived["charts"] == charts
    check_documents(client, h, rid, "shandong", list(EVALUATION_CHARTS["shandong"]))


def test_chengdu_and_wenzhou_evaluations_draw_their_figures(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = key_headers(ctx, "平安成都图表")
    no = "PZAS202651010000066603"
    r = client.post("/v1/policies", headers=h, json={
        "policy_no": no, "profile": "chengdu", "insured": "成都蜀川精密机械有限公司",
        "premium": "30000", "period_start": "2026-01-01", "period_end": "2026-12-31"})
    assert r.status_code == 201, r.text
    archive_on(client, ctx, h, example("chengdu_table_10-chengdu"), "2026-04-30")
    cb = example("callback-chengdu")
    cb["data"]["policy"]["policy_no"] = no
    archive_on(client, ctx, h, cb, "2026-05-08")
    r = client.post("/v1/evaluations", headers=h, json={
        "profile": "chengdu", "year": 2026, "insurer": "平安财险成都分公司",
        "date": "2026-12-20"})
    assert r.status_code == 201, r.text
    out = r.json()
    ev = out["evaluation"]
    obligations = client.get(f"/v1/policies/{no}/obligations", headers=h).json()["obligations"]
    due = [o for o in obligations if o["state"] != "not_applicable"
           and "2026-01-01" <= (o["due"] or "") <= "2026-12-31"]
    got = bars(ev["charts"]["deadlines"])
    for clause, label in (("成都 5.3.3", "5.3.3 服务记录"), ("成都 5.3.4.1", "5.3.4.1 回访"),
                          ("成都 5.3.4.2", "5.3.4.2 归档"), ("成都 5.4.2.1", "5.4.2.1 投诉答复")):
        mine = [o for o in due if o["clause"] == clause]
        late = [o for o in mine if o["state"] in ("done_late", "overdue")]
        assert got[label] == [len(mine), len(late)], clause
        key = {"成都 5.3.3": "records_7d", "成都 5.3.4.1": "callback", "成都 5.3.4.2": "archive",
               "成都 5.4.2.1": "complaint_handling"}[clause]
        assert ev["findings"][key]["cases"] == len(late)  # the table's 扣分 cases
    scores = bars(ev["charts"]["scores"])
    assert sum(v[1] for g, v in scores.items() if g != "加分项") == D(out["totals"]["base"])
    assert scores["加分项"][1] == D(out["totals"]["bonus"])
    check_documents(client, h, out["record"]["id"], "chengdu", ["deadlines", "scores"])

    h = key_headers(ctx, "太保温州图表")
    no = "PZWZ202633030000066604"
    r = client.post("/v1/policies", headers=h, json={
        "policy_no": no, "profile": "wenzhou", "insured": "温州瓯江化工有限公司",
        "premium": "85000.00", "period_start": "2026-01-01", "period_end": "2026-12-31"})
    assert r.status_code == 201, r.text
    report = example("report-shandong")
    report["data"]["policy"]["policy_no"] = no
    report["data"]["visit"] = {"date": "2026-03-10"}
    archive_on(client, ctx, h, report, "2026-03-12")
    fee = client.post("/v1/fees", headers=h, json={
        "profile": "wenzhou", "kind": "accrual", "year": 2026, "insurer": "太保温州",
        "date": "2026-02-01", "premium": "85000.00", "policy_no": no})
    assert fee.status_code == 201, fee.text
    r = client.post("/v1/evaluations", headers=h, json={
        "profile": "wenzhou", "year": 2026, "half": "上半年", "insurer": "太保温州",
        "provider": "温州安信安全技术服务有限公司", "date": "2026-07-10",
        "capability": "注册安全工程师 3 名。", "problems": "回访不够及时。"})
    assert r.status_code == 201, r.text
    out = r.json()
    ev = out["evaluation"]
    # every bar is a line of 服务方案实施情况 (the text the form prints)
    for label, (req, done) in bars(ev["charts"]["services"]).items():
        name, clause = label[:-1].split("（", 1)
        assert f"{name}：应开展 {req} 次，已开展 {done} 次（{clause}）。" in ev["implementation"]
    for label, (on_time, n_late) in bars(ev["charts"].get("deadlines", {"bars": []})).items():
        name, clause = label[:-1].split("（", 1)
        assert f"按时完成 {on_time} 项，逾期 {n_late} 项（{clause}）。" in ev["implementation"]
    # 温州 第六条: 85,000 × 35 % accrued; the floor is 35 % of the premium
    assert bars(ev["charts"]["fees"]) == {"计提": [D("29750.00")], "支出": [D("0.00")]}
    assert D(ev["charts"]["fees"]["floor"]) == D("29750.00")
    keys = [k for k in EVALUATION_CHARTS["wenzhou"] if k in ev["charts"]]
    check_documents(client, h, out["record"]["id"], "wenzhou", keys)


@pytest.mark.parametrize("profile", ["shandong", "chengdu", "wenzhou"])
def test_blank_forms_and_hand_typed_evaluations_draw_no_figure(profile: str) -> None:
    blank = pdf_text(render_blank("annual_evaluation", profile, "pdf").content)
    typed = pdf_text(render_data("annual_evaluation", profile,
                                 example(f"annual_evaluation-{profile}")["data"], "pdf").content)
    for text in (blank, typed):
        assert "图1" not in text and "依据：" not in text
