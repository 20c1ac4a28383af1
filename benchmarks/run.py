"""Rendering benchmark (not part of the test suite).

    make bench            # or: .venv/bin/python benchmarks/run.py [--runs 5] [--only report]

For a fixed corpus — the service report with 200 hazard rows and 100 risk rows with photos, every
example in examples/ (core documents and the Chengdu tables) — it times in one process:

  baseline  stock WeasyPrint on the system Noto CJK fonts with fontTools subsetting (as on a
            machine without libharfbuzz-subset0) and a fresh font configuration per render;
  product   the product's pipeline: render with the reduced fonts on a warm renderer, stamp the
            QR code, embed the record ID and sign (PAdES);
  docx      the DOCX path.

It prints per document the median of N runs after a warm-up, the ratio to the baseline, pages per
second, the process's peak RSS so far and the output size.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pypdf import PdfReader  # noqa: E402

from core.settings import Settings  # noqa: E402
from domain.catalog import get_kind, parse_data  # noqa: E402
from rendering.docx_writer import document_docx  # noqa: E402
from rendering.html import document_html  # noqa: E402
from rendering.pdf import document_pdf  # noqa: E402
from services.render import build  # noqa: E402

SYSTEM_FONT_CSS = (
    ':root { font-family: "Noto Serif CJK SC", "HanaMinB", "HanaMinA", serif; }'
    ' h1, h2, h3, th { font-family: "Noto Sans CJK SC", "HanaMinB", "HanaMinA", sans-serif; }'
)


def big_report() -> dict:
    body = json.loads((ROOT / "examples" / "report-shandong.json").read_text(encoding="utf-8"))
    data = body["data"]
    risk, hazard = data["risks"][0], data["hazards"][0]
    data["risks"] = []
    for i in range(100):
        r = copy.deepcopy(risk)
        r["name"] = f"{risk['name']}（{i + 1} 号区域）"
        r["area"] = f"区域{i % 8 + 1}"
        data["risks"].append(r)
    data["hazards"] = []
    for i in range(200):
        h = copy.deepcopy(hazard)
        h["description"] = f"第 {i + 1} 项：{hazard['description']}，现场未见定期检查记录，存在较大安全隐患"
        h["photos"] = hazard["photos"] if i % 2 == 0 else []
        data["hazards"].append(h)
    return body


def corpus(only: str | None) -> list[tuple[str, dict]]:
    items = [("report-200-hazards-100-risks", big_report())]
    for path in sorted((ROOT / "examples").glob("*.json")):
        items.append((path.stem, json.loads(path.read_text(encoding="utf-8"))))
    return [(n, b) for n, b in items if not only or only in n]


def median_time(fn: Callable[[], bytes], runs: int) -> tuple[float, bytes]:
    out = fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()

    from font_experiments import fonttools_subsetting
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from services.context import _pdf_signer, _stamper

    tmp = Path(tempfile.mkdtemp(prefix="azx-bench-"))
    settings = Settings(data_dir=tmp)
    stamp, sign = _stamper(settings), _pdf_signer(settings)

    print(f"{'document':38} {'pages':>5} {'baseline':>9} {'product':>8} {'ratio':>6} "
          f"{'pages/s':>8} {'docx':>7} {'pdf KB':>7} {'RSS MB':>7}")
    for name, body in corpus(args.only):
        kind = get_kind(body["type"], body.get("profile"))
        model = parse_data(kind, body["data"])
        rid = "AZX-26RPT-5XR67-E5Q2A-3"

        def baseline() -> bytes:
            doc = build(kind, model)
            html = document_html(doc, font_css=SYSTEM_FONT_CSS)
            with fonttools_subsetting():
                return HTML(string=html).write_pdf(font_config=FontConfiguration()) or b""

        def product() -> bytes:
            doc = build(kind, model, record_id=rid)
            doc.verify_url, qr = stamp(rid, b"\x00" * 32)
            pdf = document_pdf(doc, qr_png=qr)
            return sign(pdf, rid, kind, [])[0]  # type: ignore[no-any-return]

        def docx() -> bytes:
            return document_docx(build(kind, model))

        base_t = float("nan")
        if not args.no_baseline:
            base_t, _ = median_time(baseline, args.runs)
        prod_t, pdf = median_time(product, args.runs)
        docx_t, _ = median_time(docx, args.runs)
        pages = len(PdfReader(__import__("io").BytesIO(pdf)).pages)
        ratio = base_t / prod_t if prod_t else float("nan")
        print(f"{name:38} {pages:5d} {base_t:8.3f}s {prod_t:7.3f}s {ratio:5.1f}x "
              f"{pages / prod_t:8.1f} {docx_t:6.3f}s {len(pdf) / 1024:7.0f} {rss_mb():7.0f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
