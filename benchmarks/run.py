"""Rendering benchmark (not part of the test suite).

    make bench            # or: .venv/bin/python benchmarks/run.py [--runs 5] [--only report]

For a fixed corpus — the service report with 200 hazard rows and 100 risk rows with photos, every
example in examples/ (core documents and the Chengdu tables) — it times in one process:

  baseline  stock WeasyPrint on the system Noto CJK fonts with fontTools subsetting (as on a
            machine without libharfbuzz-subset0) and a fresh font configuration per render;
  product   the product's pipeline: render on the default engine (Typst) with the reduced fonts and
            a warm compiler, stamp the QR code, embed the record ID and sign (PAdES);
  weasy     the same pipeline on the WeasyPrint engine (AZX_PDF_ENGINE=weasyprint), reduced fonts
            and a warm font configuration (with --weasyprint);
  docx      the DOCX path;
  proof     the completeness proof (rendering.completeness.unprinted_values) on the product's
            PDF: every value the form prints is on a page, inside the page's box. ``share`` is
            its time as a part of the product's (target: at most 10 %);
  wproof    the same proof on the WeasyPrint engine's PDF (with --weasyprint), ``wshare`` its
            part of ``weasy``: that PDF is read by PDFium, not by the fast reader, so it is
            slower (no target; the Typst engine is the default).

It prints per document the median of N runs after a warm-up, the ratio to the baseline, pages per
second and the output size; then the peak RSS of a renderer: a separate process that runs the
product's pipeline (PDF and DOCX) over the whole corpus, as a worker does.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pypdf import PdfReader  # noqa: E402

from core.settings import Settings  # noqa: E402
from domain.catalog import FormKind, get_kind, parse_data  # noqa: E402
from domain.errors import DomainValidationError  # noqa: E402
from domain.ids import new_record_id  # noqa: E402
from rendering.blocks import Document  # noqa: E402
from rendering.completeness import unprinted_values  # noqa: E402
from rendering.docx_writer import document_docx  # noqa: E402
from rendering.html import document_html  # noqa: E402
from rendering.pdf import Engine, document_pdf  # noqa: E402
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


#: Values varied per run: every timed document is new to the renderer, as in production (Typst
#: memoises the layout of content it has seen, so re-rendering one document would flatter it).
VARIED_KEYS = {"name", "description", "content", "remark", "measures", "suggestion", "summary",
               "situation", "basis"}


def vary(value: Any, n: int) -> Any:
    if isinstance(value, dict):
        return {k: (f"{v}（{n}）" if k in VARIED_KEYS and isinstance(v, str) and v else vary(v, n))
                for k, v in value.items()}
    if isinstance(value, list):
        return [vary(v, n) for v in value]
    return value


def variants(kind: FormKind, data: dict[str, Any], count: int) -> list[tuple[str, Any]]:
    """``count`` (record ID, model) pairs, each with its own ID and varied values."""
    out = []
    for n in range(count):
        try:
            model = parse_data(kind, vary(data, n))
        except DomainValidationError:  # a varied value broke a rule: the ID still differs
            model = parse_data(kind, data)
        out.append((new_record_id(kind.type, 2026), model))
    return out


def median_time(fn: Callable[[int], bytes], runs: int) -> tuple[float, bytes]:
    out = fn(0)  # warm-up
    times = []
    for n in range(1, runs + 1):
        t0 = time.perf_counter()
        out = fn(n)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def proof_time(rendered: list[tuple[Document, bytes]], name: str) -> float:
    """The median time of the completeness proof over the product's PDFs (the warm-up's too);
    a document with a value off its pages stops the benchmark: it would not be archived."""
    times = []
    for doc, pdf in rendered:
        t0 = time.perf_counter()
        missing = unprinted_values(doc, pdf)
        times.append(time.perf_counter() - t0)
        if missing:
            raise SystemExit(f"{name}: values not on any page: {missing[:3]}")
    return statistics.median(times)


def signing_tools(settings: Settings) -> tuple[Callable[..., Any], Callable[..., bytes]]:
    """(stamp, sign) as the archive uses them: the QR code with its signed URL, and the
    service's PAdES signature."""
    from services.context import _stamper
    from services.produce import DocumentSigner
    from signing.keys import QrKeyRing
    from signing.pdf_signer import ServiceSigner

    stamp = _stamper(settings, QrKeyRing.from_settings(settings))
    signer = DocumentSigner(ServiceSigner.from_settings(settings))

    def sign(pdf: bytes, record_id: str, kind: FormKind) -> bytes:
        return signer.sign(pdf, record_id, kind, [], ())[0]

    return stamp, sign


def rss_mb() -> float:
    """Peak RSS of this process image: VmHWM (ru_maxrss would carry over the parent's peak
    across fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--weasyprint", action="store_true",
                    help="also time the pipeline on the WeasyPrint engine")
    ap.add_argument("--renderer-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.renderer_only:
        return renderer_only(args.only)

    from font_experiments import fonttools_subsetting
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    tmp = Path(tempfile.mkdtemp(prefix="azx-bench-"))
    settings = Settings(data_dir=tmp)
    stamp, sign = signing_tools(settings)

    print(f"{'document':38} {'pages':>5} {'baseline':>9} {'product':>8} {'ratio':>6} "
          f"{'pages/s':>8} {'weasy':>7} {'docx':>7} {'pdf KB':>7} {'proof':>7} {'share':>6} "
          f"{'wproof':>7} {'wshare':>6}")
    for name, body in corpus(args.only):
        kind = get_kind(body["type"], body.get("profile"))
        docs = variants(kind, body["data"], args.runs + 1)

        def baseline(n: int) -> bytes:
            doc = build(kind, docs[n][1])
            html = document_html(doc, font_css=SYSTEM_FONT_CSS)
            with fonttools_subsetting():
                return HTML(string=html).write_pdf(font_config=FontConfiguration()) or b""

        rendered: list[tuple[Document, bytes]] = []  # the product's, for the proof
        rendered_weasy: list[tuple[Document, bytes]] = []

        def pipeline(engine: Engine) -> Callable[[int], bytes]:
            def run(n: int) -> bytes:
                rid, model = docs[n]
                doc = build(kind, model, record_id=rid)
                doc.verify_url, qr = stamp(rid, b"\x00" * 32)
                pdf = document_pdf(doc, qr_png=qr, engine=engine)
                (rendered if engine == "typst" else rendered_weasy).append((doc, pdf))
                return sign(pdf, rid, kind)
            return run

        def docx(n: int) -> bytes:
            return document_docx(build(kind, docs[n][1]))

        base_t = float("nan")
        if not args.no_baseline:
            base_t, _ = median_time(baseline, args.runs)
        prod_t, pdf = median_time(pipeline("typst"), args.runs)
        weasy_t = float("nan")
        if args.weasyprint:
            weasy_t, _ = median_time(pipeline("weasyprint"), args.runs)
        docx_t, _ = median_time(docx, args.runs)
        proof_t = proof_time(rendered, name)
        wproof_t = proof_time(rendered_weasy, name) if args.weasyprint else float("nan")
        pages = len(PdfReader(__import__("io").BytesIO(pdf)).pages)
        ratio = base_t / prod_t if prod_t else float("nan")
        print(f"{name:38} {pages:5d} {base_t:8.3f}s {prod_t:7.3f}s {ratio:5.1f}x "
              f"{pages / prod_t:8.1f} {weasy_t:6.3f}s {docx_t:6.3f}s {len(pdf) / 1024:7.0f} "
              f"{proof_t:6.3f}s {proof_t / prod_t:6.1%} {wproof_t:6.3f}s {wproof_t / weasy_t:6.1%}",
              flush=True)
    print("proof: on the Typst engine's PDF (the default), read by the fast reader: at most 10 % of"
          " product; wproof: on the WeasyPrint engine's PDF, read by PDFium: slower, no target")
    cmd = [sys.executable, __file__, "--renderer-only"] + (["--only", args.only] if args.only else [])
    rss = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    print(f"renderer peak RSS (product pipeline, PDF + DOCX, whole corpus): {rss} MB")
    return 0


def renderer_only(only: str | None) -> int:
    """Child process: the product's pipeline over the corpus, then print the peak RSS in MB."""
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="azx-bench-")))
    stamp, sign = signing_tools(settings)
    for _, body in corpus(only):
        kind = get_kind(body["type"], body.get("profile"))
        for rid, model in variants(kind, body["data"], 2):
            doc = build(kind, model, record_id=rid)
            doc.verify_url, qr = stamp(rid, b"\x00" * 32)
            pdf = document_pdf(doc, qr_png=qr)
            unprinted_values(doc, pdf)
            sign(pdf, rid, kind)
            document_docx(doc)
    print(f"{rss_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
