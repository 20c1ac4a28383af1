"""The README's page of a computed 山东 附件6: three Shandong policies, their reports, callbacks, a
complaint and the fee ledger archived through the service (embedded SeaweedFS, a throw-away data
dir), then ``POST /v1/evaluations``; page 1 of the archived PDF is written as a PNG, and the page
with the most figures (图 n with its clause, rendering/chart_view.py) as a second one.

Run: .venv/bin/python tools/evaluation_example.py [OUT.png [CHARTS.png]]
(≈ 15 s; needs pdftoppm and pdftotext)
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from core.settings import Settings  # noqa: E402
from services.keys import create_key  # noqa: E402

INSURER = "中国人民财产保险股份有限公司济南市分公司"
POLICIES = [("PZAS202637010000012345", "济南鲁通物流集团有限公司", "128000.00"),
            ("PZAS202637010000012346", "济南泉城危险品运输有限公司", "36000.00"),
            ("PZAS202637010000012347", "章丘顺达货运有限公司", "9600.00")]


def example(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8")))


def post(client: TestClient, path: str, body: Any, h: dict[str, str]) -> dict[str, Any]:
    r = client.post(path, json=body, headers=h)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def page_png(pdf: Path, page: int, out: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(out.with_suffix(""))], check=True,
                   stderr=subprocess.DEVNULL)


def charts_page(pdf: Path) -> int:
    """The page with the most figure captions (图 n …（依据：…）)."""
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")
    counts = [len(re.findall(r"图\d+\s", p)) for p in pages]
    return counts.index(max(counts)) + 1


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs/images/evaluation-shandong-p1.png"
    charts_out = (Path(sys.argv[2]) if len(sys.argv) > 2
                  else ROOT / "docs/images/evaluation-shandong-charts.png")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp), broker_url=None))
        with TestClient(app) as client:
            h = {"Authorization": f"Bearer {create_key(app.state.ctx.engine, '人保济南', 'insurer')}"}
            reports = []
            for i, (no, insured, premium) in enumerate(POLICIES):
                post(client, "/v1/policies", {
                    "policy_no": no, "profile": "shandong", "insured": insured,
                    "premium": premium, "period_start": "2026-01-01",
                    "period_end": "2026-12-31", "branch": "济南市分公司"}, h)
                for visit in ("2026-03-12", "2026-09-18")[: 2 if i == 0 else 1]:
                    body = copy.deepcopy(example("report-shandong"))
                    body["data"]["policy"]["policy_no"] = no
                    body["data"]["policy"]["insured_name"] = insured
                    body["data"]["insured"]["name"] = insured
                    body["data"]["visit"] = {"date": visit}
                    if i == 1:
                        body["data"]["hazards"][0]["grade"] = "重大事故隐患"
                    reports.append(post(client, "/v1/documents", body, h)["id"])
                cb = copy.deepcopy(example("callback-shandong"))
                cb["data"]["policy"]["policy_no"] = no
                cb["data"]["policy"]["insured_name"] = insured
                cb["data"]["insured_name"] = insured
                cb["data"]["service_time"] = "2026-03-12"
                if i == 2:
                    cb["data"]["overall"] = "基本满意"
                post(client, "/v1/documents", cb, h)
            cm = example("complaint-shandong")
            cm["data"]["policy_no"] = POLICIES[0][0]
            cm["data"]["insured_name"] = POLICIES[0][1]
            post(client, "/v1/documents", cm, h)
            base = {"profile": "shandong", "year": 2026, "insurer": INSURER,
                    "branch": "济南市分公司", "date": "2026-03-01"}
            post(client, "/v1/fees", {**base, "kind": "accrual", "premium": "173600.00",
                                      "share_percent": "20"}, h)
            for no, amount in ((POLICIES[0][0], "18600.00"), (POLICIES[1][0], "6200.00")):
                rid = next(r for r in reports)
                post(client, "/v1/fees", {**base, "kind": "expenditure", "amount": amount,
                                          "policy_no": no, "records": [rid],
                                          "invoices": ["37012600000001234567"]}, h)
            ev = post(client, "/v1/evaluations", {
                "profile": "shandong", "year": 2026, "insurer": INSURER, "date": "2027-01-15",
                "experience": "培训与隐患排查相结合，整改闭环率高。",
                "problems": "部分服务报告上传不及时。",
                "next_plan": [{"target": "全部在保道路运输企业", "content": "风险辨识评估与隐患排查",
                               "time": "2027 年 3—11 月", "method": "现场服务",
                               "budget": "40000.00"}],
                "responsible": "王晓明"}, h)
            pdf = client.get(f"/v1/documents/{ev['record']['id']}.pdf", headers=h).content
            src = Path(tmp) / "evaluation.pdf"
            src.write_bytes(pdf)
            page_png(src, 1, out)
            page_png(src, charts_page(src), charts_out)
            print(json.dumps({k: ev["evaluation"][k] for k in ("work_list", "funds")},
                             ensure_ascii=False, indent=1))
            print(out, charts_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
