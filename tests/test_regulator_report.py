"""The regulator's summary report (issue 15 point 5): ``GET /v1/regulator/summary?format=pdf`` on
SQLite and PostgreSQL with the embedded SeaweedFS — read with poppler as a reader would: every
figure of the tables equal to the JSON summary of the same query, the seven charts drawn as vector
figures (no raster image; their values are text) with captions citing their clauses, nothing of
another region, the query's filters applied; only a regulator reads it, bad queries are 422 in
both languages, every read is audited."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.regulator import CLAUSES
from rendering.regulator_charts import chart_title
from rendering.regulator_report import ORDER
from storage.tables import audit_events
from tests.regulator_archive import regulator_archive
from tests.service_app import key_headers

pytestmark = pytest.mark.s3

JINAN, CHENGDU = "人保济南报", "平安成都报"
AS_OF = "2026-10-20"
#: policy number → (tenant, profile, region, industry)
POLICIES = {
    "PZAS202637010000088801": (JINAN, "shandong", "济南市", "危险化学品"),
    "PZAS202637010000088802": (JINAN, "shandong", "济南市历城区", "道路运输"),
    "PZAS202637020000088803": (JINAN, "shandong", "青岛市", "港口装卸"),
    "CDAZ2026510100088804": (CHENGDU, "chengdu", "成都市", "机械制造"),
}
SERVED = "PZAS202637010000088801"
FIGURES = ("policies", "in_force", "served", "realtime_percent", "ended_in_quarter",
           "ended_served", "quarterly_percent", "overdue_obligations", "major_hazards_open")


@pytest.fixture(scope="module")
def scenario(service: tuple[TestClient, Any]) -> dict[str, Any]:
    client, ctx = service
    return regulator_archive(client, ctx, policies=POLICIES, served=SERVED, hazards=[
        (grade, "粉尘防爆", f"隐患（{grade}）") for grade in ("重大", "一般")],
        fee_policies=[SERVED, "PZAS202637020000088803"], as_of=AS_OF)


def get(client: TestClient, h: dict[str, str], **params: Any) -> Any:
    return client.get("/v1/regulator/summary", params={"as_of": AS_OF, **params}, headers=h)


def poppler(tmp_path: Path, pdf: bytes, *cmd: str) -> str:
    """What a poppler tool prints for ``pdf`` (pdftotext writes to stdout with "-")."""
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    tail = ["-"] if cmd[0] == "pdftotext" else []
    return subprocess.run([*cmd, str(path), *tail], check=True, capture_output=True,
                          text=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def row_found(lines: list[list[str]], name: str, values: list[str]) -> bool:
    """A table row: ``name`` followed by exactly these values, as pdftotext -layout sets it."""
    return any(toks[i + 1:i + 1 + len(values)] == values
               for toks in lines for i, t in enumerate(toks) if t == name)


def shown(v: Any) -> str:
    return "—" if v is None else str(v)


def test_the_pdf_prints_every_figure_of_the_json_and_the_charts_as_vector_figures(
        service: tuple[TestClient, Any], scenario: dict[str, Any], tmp_path: Path) -> None:
    client, ctx = service
    reg = key_headers(ctx, "应急管理局报", "regulator", ["济南市", "成都市"])
    s = get(client, reg).json()
    r = get(client, reg, format="pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and b"/ByteRange" not in r.content  # not signed
    if os.environ.get("AZX_KEEP_REPORT"):  # to look at it
        Path(os.environ["AZX_KEEP_REPORT"]).write_bytes(r.content)
    text = poppler(tmp_path, r.content, "pdftotext", "-layout")
    lines = [ln.split() for ln in text.splitlines()]
    assert "安全生产责任保险事故预防服务监管汇总报告" in text
    assert "、".join(s["regions"]) in text and "2026年10月20日" in text
    # the tables: every row by region, industry and insurer, and the total, as in the JSON
    for dim in ("region", "industry", "insurer"):
        assert s[f"by_{dim}"], dim
        for row in s[f"by_{dim}"]:
            assert row_found(lines, str(row[dim]), [shown(row[k]) for k in FIGURES]), (dim, row)
        assert row_found(lines, "合计", [shown(s["total"][k]) for k in FIGURES])
    for g in s["groups"]:
        assert row_found(lines, g["insurer"], [shown(g[k]) for k in FIGURES]), g
    assert {g["region"] for g in s["by_region"]} == {"济南市", "济南市历城区", "成都市"}
    [fee] = s["fees"]
    [floor] = fee["floors"]
    assert row_found(lines, "山东", [fee[k] for k in ("premium", "accrued", "spent", "pooled",
                                                     "balance")] + [str(fee["entries"])])
    assert row_found(lines, floor["clause"].split()[-1],
                     [floor["required"], floor["actual"], "未达标"])
    # the seven charts, each captioned with its clause; the figures' values are text
    body = flat(text)
    for number, name in enumerate(ORDER, start=1):
        title, clause = chart_title(name)
        assert flat(f"图{number}　{title}（依据：{clause}）") in body, name
    for clause in CLAUSES.values():  # the note on how figures are computed
        assert flat(clause) in body
    jinan = next(x for x in s["by_region"] if x["region"] == "济南市")
    assert jinan["realtime_percent"] == "100.00" and "100.00%（1/1）" in text
    assert "1,200.00元" in body  # the 山东 7.2 floor drawn in the fee chart
    # vector figures: no raster image at all (SVG became paths and text)
    images = poppler(tmp_path, r.content, "pdfimages", "-list").splitlines()
    assert len(images) == 2, images  # the header lines only
    # another region's policies, figures and fee entry never appear
    assert "青岛" not in text and "88803" not in text and "港口装卸" not in text
    # audited like every read of the summary
    with ctx.engine.connect() as conn:
        last = conn.execute(select(audit_events.c.action, audit_events.c.detail)
                            .order_by(audit_events.c.seq.desc()).limit(1)).one()
    assert last.action == "regulator.summary" and last.detail["format"] == "pdf"
    assert sorted(last.detail["regions"]) == ["成都市", "济南市"]


def test_the_pdf_follows_the_query_and_a_key_bound_to_one_region_sees_only_it(
        service: tuple[TestClient, Any], scenario: dict[str, Any], tmp_path: Path) -> None:
    client, ctx = service
    reg = key_headers(ctx, "成都应急局报", "regulator", ["成都市"])
    s = get(client, reg).json()
    text = poppler(tmp_path, get(client, reg, format="pdf").content, "pdftotext", "-layout")
    [row] = s["by_region"]
    assert row["major_hazards_open"] == 1
    assert row_found([ln.split() for ln in text.splitlines()], "成都市",
                     [shown(row[k]) for k in FIGURES])
    assert "济南" not in text and JINAN not in text and "88801" not in text
    assert "费用年度内没有注明本辖区保单的事故预防费用记录" in text
    both = key_headers(ctx, "应急管理局报二", "regulator", ["济南市", "成都市"])
    text = poppler(tmp_path, get(client, both, format="pdf", insurer=CHENGDU).content,
                   "pdftotext", "-layout")
    assert f"承保机构：{CHENGDU}" in text and JINAN not in text and "济南市历城区" not in text


def test_only_a_regulator_reads_the_pdf_and_bad_queries_are_422_in_both_languages(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    for role in ("insurer", "technician", "auditor", "admin"):
        r = get(client, key_headers(ctx, JINAN, role), format="pdf")
        assert r.status_code == 403, (role, r.text)
    assert client.get("/v1/regulator/summary", params={"format": "pdf"}).status_code == 401
    reg = key_headers(ctx, "应急管理局报三", "regulator", ["济南市"])
    assert get(client, reg, format="pdf", region="成都市").status_code == 403
    for params in ({"format": "pdf", "chart": "fee_floors"}, {"format": "pdf", "quarter": "2026Q5"},
                   {"format": "pdf", "year": "1"}, {"format": "pdf", "as_of": "2026-02-30"},
                   {"format": "pdf", "region": "济" * 101}):
        r = get(client, reg, **params)
        assert r.status_code == 422, (params, r.text)
        for p in r.json()["problems"]:
            assert any("\u4e00" <= c <= "\u9fff" for c in p["message_zh"]), p
            assert p["message_en"] and p["message_en"].isascii(), p
