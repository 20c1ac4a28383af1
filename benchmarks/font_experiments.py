"""Font and layout experiments for the WeasyPrint renderer.

Renders a synthetic report shaped like ours (A4, page counter in the footer, a key-value
table, a 200-row hazard table with a photo per row and a repeated ``thead``, text
paragraphs: about 12 pages) and a one-page form, in one process, and prints the median
time of N renders after a warm-up for each variant, with its ratio to the baseline.

    .venv/bin/python benchmarks/font_experiments.py              # every variant
    .venv/bin/python benchmarks/font_experiments.py --only b,e,g  # a few
    .venv/bin/python benchmarks/font_experiments.py --profile e   # cProfile of one
    .venv/bin/python benchmarks/font_experiments.py --typst       # Typst reference too
    .venv/bin/python benchmarks/font_experiments.py --list        # what the letters mean

Each variant is its own ``Variant`` below; ``a`` (fontTools subsetting, as on a machine
without libharfbuzz-subset0) is the baseline of the issue. Variants run round-robin so
that a busy spell on a shared machine slows all alike; the minimum column is the best
guess at an idle machine.

What it found (2 cores shared with other jobs, WeasyPrint 70, min of 5, 13 pages):
fontTools subsetting 17 s -> HarfBuzz 4.4 s -> + table-layout: fixed 3.0 s -> + reduced
fonts 2.2-2.6 s -> + warm FontConfiguration and pre-parsed CSS 2.2 s -> + photos through
a url_fetcher instead of data: URIs 1.6 s (parse 0.1-0.25 s, style + layout 1.1-1.6 s,
draw + PDF 0.4-0.5 s). The reduced fonts matter most for small documents (1-page form
180 -> 71 ms) and memory (peak RSS 296 -> 117 MB for the report). uncompressed_pdf,
hinting, pdf_version, pdf_forms, an image cache, text-align, break-inside and
border-collapse: separate are within the noise; optimize_images, jpeg_quality,
presentational_hints and full_fonts cost time. Typst (warm compiler, reference only):
0.17 s.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import gc
import io
import logging
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SYSTEM_SERIF = ('"Noto Serif CJK SC"', '"HanaMinB"', '"HanaMinA"')
SYSTEM_SANS = ('"Noto Sans CJK SC"', '"HanaMinB"', '"HanaMinA"')

# --------------------------------------------------------------------------- content

_PLACES = [
    "一号车间配电箱", "仓库东侧消防通道", "二楼危化品暂存间", "锅炉房", "食堂燃气管道",
    "厂区西门叉车通道", "喷漆房排风系统", "员工宿舍走廊", "空压机房", "原料堆场",
    "三号生产线冲压机", "办公楼疏散楼梯", "废气处理设施平台", "成品库货架区", "变配电室",
    "焊接作业区", "污水处理池", "液氨制冷机房", "起重机轨道", "临时用电线路",
]
_PROBLEMS = [
    "未设置漏电保护装置，箱门未上锁", "堆放大量纸箱等易燃杂物，占用疏散通道",
    "未按规定张贴安全警示标志和职业危害告知卡", "压力表超过检定有效期，安全阀未定期校验",
    "燃气报警器损坏未及时维修，软管老化开裂", "地面标线模糊，人车未分流",
    "防爆电气设备接线盒盖板缺失，电缆引入口未密封", "应急照明灯和疏散指示标志损坏",
    "防护罩缺失，传动部位裸露", "灭火器压力不足且未按月检查记录",
    "光电保护装置被人为短接失效", "钢梯踏板锈蚀严重，护栏高度不足一点零五米",
    "作业人员未佩戴防护面罩和防护手套", "电缆沿地面敷设未穿管保护，绝缘层破损",
    "限位器失灵，钢丝绳断丝超过报废标准", "有限空间入口未设置警示标识，未配备气体检测仪",
]
_CONSEQUENCES = [
    "，易引发触电事故。", "，一旦发生火灾将影响人员疏散。", "，存在物体打击风险。",
    "，可能导致燃气泄漏爆炸。", "，存在机械伤害隐患。", "，易造成人员中毒窒息。",
    "，存在高处坠落风险。", "。",
]
_TYPES = ["基础管理", "现场管理", "设备设施", "作业行为", "消防安全", "用电安全"]
_BASES = [
    "《中华人民共和国安全生产法》第三十五条",
    "GB 50016-2014《建筑设计防火规范》第6.4.2条",
    "GB 50194-2014《建设工程施工现场供用电安全规范》第8.2.5条",
    "GB/T 8196-2018《机械安全 防护装置》第5.3条",
    "GB 2894-2008《安全标志及其使用导则》",
    "AQ 3009-2007《危险场所电气防爆安全规范》第6.1.1.4条",
    "GB 6067.1-2010《起重机械安全规程 第1部分》第4.2.4条",
    "《工贸企业有限空间作业安全规定》第十二条",
]
_ADVICE = [
    "立即增设漏电保护器，箱门加锁并指定专人管理。", "清理杂物，保持通道畅通。",
    "按标准设置警示标志并公示告知卡。", "送检压力表和安全阀，建立检验台账。",
    "更换报警器及软管，每月检查并记录。", "重新施划标线，设置人车分流设施。",
    "补齐盖板并密封电缆引入口。", "维修或更换应急照明和疏散指示标志。",
    "加装防护罩，班前检查。", "更换灭火器并落实月度检查。",
    "恢复光电保护装置，严禁短接。", "更换踏板，护栏加高至1.05米以上。",
]
_LEVELS = ["一般隐患"] * 9 + ["重大隐患"]
_PARAGRAPH = (
    "根据《安全生产责任保险事故预防技术服务规范》（AQ 9010-2019）及保险合同约定，"
    "服务机构于本次服务期间组织注册安全工程师和行业专家，对投保单位的生产经营场所、"
    "主要设备设施、作业活动及安全管理制度落实情况进行了现场检查，采用资料查阅、现场"
    "询问、实地查看等方式，共排查出事故隐患二百项，其中重大事故隐患二十项。对发现的"
    "问题，服务人员已当场向企业负责人和安全管理人员进行了反馈，并提出了有针对性的整改"
    "建议。企业应按照“五落实”要求（落实整改责任、措施、资金、时限和预案），在规定期限"
    "内完成整改，并将整改情况书面反馈保险公司，服务机构将在十个工作日内进行回访复查。"
)


def hazard_rows(count: int = 200, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        text = ""
        while len(text) < 30:
            text += rng.choice(_PLACES) + rng.choice(_PROBLEMS) + rng.choice(_CONSEQUENCES)
        if len(text) > 60:
            cut = max(text.rfind(mark, 0, 60) for mark in "，。")
            text = text[: cut if cut >= 30 else 59] + "。"
        rows.append({
            "no": str(index + 1),
            "text": text,
            "type": rng.choice(_TYPES),
            "basis": rng.choice(_BASES),
            "advice": rng.choice(_ADVICE),
            "level": rng.choice(_LEVELS),
        })
    return rows


def make_photos(count: int = 200, seed: int = 11) -> list[bytes]:
    """Small distinct JPEGs (200x150), like the thumbnails of site photos."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    photos = []
    for _ in range(count):
        image = Image.new("RGB", (200, 150), tuple(rng.randrange(60, 200) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y = rng.randrange(200), rng.randrange(150)
            draw.rectangle(
                (x, y, x + rng.randrange(10, 80), y + rng.randrange(10, 60)),
                fill=tuple(rng.randrange(256) for _ in range(3)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=70)
        photos.append(buffer.getvalue())
    return photos


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def report_css(*, serif: str, sans: str, fixed: bool, collapse: bool = True,
               avoid: bool = True, justify: bool = True) -> str:
    table_layout = "table-layout: fixed;" if fixed else ""
    if collapse:
        borders = ("table { border-collapse: collapse; }\n"
                   "th, td { border: 0.5pt solid #000; }")
    else:  # the same look, each rule drawn once, without the collapsing-border model
        # (the repeated thead carries the top rule on every page)
        borders = ("table { border-collapse: separate; border-spacing: 0; "
                   "border-left: 0.5pt solid #000; }\n"
                   "table.kv, th { border-top: 0.5pt solid #000; }\n"
                   "th, td { border-right: 0.5pt solid #000; "
                   "border-bottom: 0.5pt solid #000; }")
    avoid_rule = "table.hz tr { break-inside: avoid; }" if avoid else ""
    align = "text-align: justify;" if justify else ""
    return f"""
@page {{
  size: A4; margin: 20mm 18mm 20mm 18mm;
  @bottom-center {{
    content: "第 " counter(page) " 页 共 " counter(pages) " 页";
    font-family: {serif}; font-size: 9pt;
  }}
}}
html {{ font-family: {serif}; font-size: 10.5pt; line-height: 1.5; }}
h1, h2, th {{ font-family: {sans}; }}
h1 {{ font-size: 18pt; text-align: center; margin: 0 0 6mm; }}
h2 {{ font-size: 12pt; margin: 5mm 0 2mm; }}
p {{ text-indent: 2em; margin: 0 0 2mm; {align} }}
table {{ width: 100%; {table_layout} }}
{borders}
th, td {{ padding: 1mm 1.2mm; vertical-align: middle; }}
table.kv td.k {{ width: 18%; background: #eee; font-weight: bold; }}
table.kv td.v {{ width: 32%; }}
table.hz {{ font-size: 8pt; line-height: 1.3; }}
table.hz td {{ padding: 0.6mm 1mm; }}
table.hz thead th {{ background: #ddd; font-weight: bold; text-align: center; }}
table.hz td.c {{ text-align: center; }}
table.hz img {{ width: 14mm; height: 10.5mm; display: block; margin: 0 auto; }}
{avoid_rule}
.sign {{ margin-top: 10mm; }}
"""


_KV = [
    ("投保单位", "山东某某化工有限公司", "统一社会信用代码", "91370100MA3C0XXXXX"),
    ("保险公司", "某某财产保险股份有限公司山东分公司", "保单号", "PZAA202437010000001234"),
    ("服务机构", "山东某某安全技术咨询有限公司", "服务类型", "隐患排查 ☑ 风险辨识 ☑ 教育培训 □"),
    ("服务日期", "2024年5月20日至5月22日", "服务人员", "张三（注安师）、李四、王五"),
    ("企业地址", "济南市历城区工业北路888号", "联系人及电话", "赵六 0531-88888888"),
    ("行业类别", "危险化学品生产", "从业人数", "356人"),
]
_COLUMNS = ("序号", "问题描述", "现场照片", "类型", "依据", "整改建议", "隐患级别")
_COLGROUP = (
    '<colgroup><col style="width:5%"><col style="width:30%"><col style="width:12%">'
    '<col style="width:8%"><col style="width:19%"><col style="width:18%">'
    '<col style="width:8%"></colgroup>'
)


def report_body(photo_srcs: list[str], rows: list[dict[str, str]]) -> str:
    parts = ['<h1>安全生产责任保险事故预防技术服务报告</h1>', '<table class="kv">']
    for k1, v1, k2, v2 in _KV:
        parts.append(
            f'<tr><td class="k">{k1}</td><td class="v">{v1}</td>'
            f'<td class="k">{k2}</td><td class="v">{v2}</td></tr>')
    parts.append("</table>")
    parts.append("<h2>一、服务概况</h2>")
    parts.extend(f"<p>{_PARAGRAPH}</p>" for _ in range(2))
    parts.append("<h2>二、隐患排查清单</h2>")
    parts.append('<table class="hz">' + _COLGROUP + "<thead><tr>")
    parts.extend(f"<th>{name}</th>" for name in _COLUMNS)
    parts.append("</tr></thead><tbody>")
    for row, src in zip(rows, photo_srcs, strict=True):
        parts.append(
            f'<tr><td class="c">{row["no"]}</td><td>{row["text"]}</td>'
            f'<td><img src="{src}" alt=""></td><td class="c">{row["type"]}</td>'
            f'<td>{row["basis"]}</td><td>{row["advice"]}</td>'
            f'<td class="c">{row["level"]}</td></tr>')
    parts.append("</tbody></table>")
    parts.append("<h2>三、整改建议</h2>")
    parts.extend(f"<p>{_PARAGRAPH}</p>" for _ in range(2))
    parts.append("<h2>四、服务结论</h2>")
    parts.extend(f"<p>{_PARAGRAPH}</p>" for _ in range(2))
    parts.append(
        '<p class="sign">服务人员（签字）：＿＿＿＿＿＿　　企业负责人（签字）：＿＿＿＿＿＿</p>')
    return "\n".join(parts)


def form_body() -> str:
    """One page: a callback form (回访表) with check boxes."""
    items = [
        "服务人员按约定时间到达现场", "服务内容与服务方案一致", "隐患描述清楚、依据准确",
        "整改建议具有可操作性", "服务报告按时送达", "服务人员专业能力满足要求",
        "对本次服务总体评价", "是否愿意继续接受服务",
    ]
    parts = ['<h1>事故预防技术服务回访表</h1>', '<table class="kv">']
    for k1, v1, k2, v2 in _KV[:4]:
        parts.append(
            f'<tr><td class="k">{k1}</td><td class="v">{v1}</td>'
            f'<td class="k">{k2}</td><td class="v">{v2}</td></tr>')
    parts.append('</table><h2>回访内容</h2><table class="kv">')
    for index, item in enumerate(items, 1):
        parts.append(
            f'<tr><td class="v">{index}. {item}</td>'
            '<td class="v">☑ 满意　□ 基本满意　□ 不满意</td></tr>')
    parts.append("</table><h2>意见和建议</h2>")
    parts.append(f"<p>{_PARAGRAPH[:120]}</p>")
    parts.append('<p class="sign">回访人：＿＿＿＿　　被回访人：＿＿＿＿　　日期：2024年6月1日</p>')
    return "\n".join(parts)


def html_document(body: str, css: str | None) -> str:
    style = f"<style>{css}</style>" if css is not None else ""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>报告</title>{style}</head><body>{body}</body></html>")


# --------------------------------------------------------------------------- variants


@dataclass
class Variant:
    key: str
    label: str
    run: Callable[[], bytes]
    doc: str = "report"


@contextlib.contextmanager
def fonttools_subsetting() -> Iterator[None]:
    """Make WeasyPrint take its fontTools branch, as if libharfbuzz-subset were missing."""
    from weasyprint.pdf import fonts as pdf_fonts

    saved = pdf_fonts.harfbuzz_subset
    pdf_fonts.harfbuzz_subset = None
    try:
        yield
    finally:
        pdf_fonts.harfbuzz_subset = saved


def photo_fetcher(photos: list[bytes]) -> object:
    """URL fetcher serving ``photo:N`` from memory (no data: URIs in the HTML)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PhotoFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if url.startswith("photo:"):
                return URLFetcherResponse(
                    url, photos[int(url[6:])], {"Content-Type": "image/jpeg"})
            return super().fetch(url, headers)

    return PhotoFetcher()


RARE = "𠮷䶮𪚥"  # outside Noto CJK SC's reduced set, 𪚥 outside Noto altogether


def build_variants(photos: list[bytes]) -> list[Variant]:
    import weasyprint
    from weasyprint import CSS, HTML

    from rendering import fonts as azx_fonts

    rows = hazard_rows(len(photos))
    rare_rows = [dict(row) for row in rows]
    rare_rows[5]["text"] = f"吉林{RARE[0]}野化工仓库{RARE[1]}{RARE[2]}" + rare_rows[5]["text"]
    uris = [data_uri(photo) for photo in photos]
    photo_urls = [f"photo:{index}" for index in range(len(photos))]
    body = report_body(uris, rows)
    serif_sys, sans_sys = ", ".join(SYSTEM_SERIF), ", ".join(SYSTEM_SANS)
    serif_azx = azx_fonts.css_family_list(azx_fonts.SERIF_STACK)
    sans_azx = azx_fonts.css_family_list(azx_fonts.SANS_STACK)

    def azx_css(**knobs: bool) -> str:
        return report_css(serif=serif_azx, sans=sans_azx, **{"fixed": True, **knobs})

    stock_auto = html_document(body, report_css(serif=serif_sys, sans=sans_sys, fixed=False))
    stock_fixed = html_document(body, report_css(serif=serif_sys, sans=sans_sys, fixed=True))
    reduced_fontface = html_document(body, azx_fonts.font_face_css() + azx_css())
    reduced_plain = html_document(body, azx_css())
    bare = html_document(body, None)
    bare_photo_urls = html_document(report_body(photo_urls, rows), None)
    bare_rare = html_document(report_body(photo_urls, rare_rows), None)
    form_bare = html_document(form_body(), None)
    form_rare = html_document(form_body().replace("回访人", f"回访人{RARE}"), None)
    form_stock = html_document(
        form_body(), report_css(serif=serif_sys, sans=sans_sys, fixed=True))
    fetcher = photo_fetcher(photos)

    # (e): one warm FontConfiguration (reduced fonts registered once) and the
    # stylesheet parsed once, reused by every render.
    config = azx_fonts.font_configuration()

    def parsed(**knobs: bool) -> CSS:
        return CSS(string=azx_css(**knobs), font_config=config)

    warm_css = parsed()
    separate_css = parsed(collapse=False)
    noto_css = CSS(string=report_css(serif=serif_sys, sans=sans_sys, fixed=True),
                   font_config=config)

    def stock(html: str) -> Callable[[], bytes]:
        return lambda: HTML(string=html).write_pdf()

    def fonttools(run: Callable[[], bytes]) -> Callable[[], bytes]:
        def wrapped() -> bytes:
            with fonttools_subsetting():
                return run()
        return wrapped

    def fresh_fontconfig() -> bytes:
        fresh = azx_fonts.new_font_configuration()
        return HTML(string=reduced_plain).write_pdf(font_config=fresh)

    def warm(html: str = bare, css: CSS = warm_css, url_fetcher: object = None,
             **options: object) -> Callable[[], bytes]:
        def run() -> bytes:
            return HTML(string=html, url_fetcher=url_fetcher).write_pdf(
                stylesheets=[css], font_config=config, **options)
        return run

    image_cache: dict[str, object] = {}
    # border-collapse: separate (f10) is not in it: the profile shows WeasyPrint's generic
    # per-cell draw_border costing more than draw_collapsed_borders.
    recommended = warm(bare_photo_urls, warm_css, fetcher)

    variants = [
        Variant("a", "stock Noto, fontTools subsetting (no hb-subset)",
                fonttools(stock(stock_auto))),
        Variant("b", "stock Noto, HarfBuzz subsetting", stock(stock_auto)),
        Variant("c", "(b) + table-layout: fixed", stock(stock_fixed)),
        Variant("d", "(c) + reduced fonts, @font-face, fresh config",
                stock(reduced_fontface)),
        Variant("d2", "(c) + reduced fonts, added to fontconfig, fresh config",
                fresh_fontconfig),
        Variant("e", "(d) + warm FontConfiguration + pre-parsed CSS", warm()),
        Variant("e-ft", "(e) with fontTools subsetting (no hb-subset)", fonttools(warm())),
        Variant("f1", "(e) + uncompressed_pdf", warm(uncompressed_pdf=True)),
        Variant("f2", "(e) + optimize_images", warm(optimize_images=True)),
        Variant("f3", "(e) + presentational_hints", warm(presentational_hints=True)),
        Variant("f4", "(e) + hinting (keep hints)", warm(hinting=True)),
        Variant("f5", "(e) + full_fonts (no subsetting)", warm(full_fonts=True)),
        Variant("f6", "(e) + pdf_version 1.7, pdf_forms False",
                warm(pdf_version="1.7", pdf_forms=False)),
        Variant("f7", "(e) + image cache shared across renders", warm(cache=image_cache)),
        Variant("f8", "(e) + photos by url_fetcher, not data: URIs",
                warm(bare_photo_urls, url_fetcher=fetcher)),
        Variant("f9", "(e) + jpeg_quality 60 (re-encode)", warm(jpeg_quality=60)),
        Variant("f10", "(e) + border-collapse: separate (same rules)", warm(css=separate_css)),
        Variant("f11", "(e) - break-inside: avoid on rows", warm(css=parsed(avoid=False))),
        Variant("f12", "(e) - text-align: justify", warm(css=parsed(justify=False))),
        Variant("r", "recommended: (e) + f8", recommended),
        Variant("r-noto", "(r) with the full system Noto fonts instead of the reduced ones",
                warm(bare_photo_urls, noto_css, fetcher)),
        Variant("r-rare", "(r) with 𠮷䶮𪚥 in one row (full-font fall-back)",
                warm(bare_rare, warm_css, fetcher)),
        Variant("r-ft", "(r) with fontTools subsetting (no hb-subset)", fonttools(recommended)),
        Variant("g-stock", "1-page form, stock Noto, HarfBuzz, fresh config",
                stock(form_stock), doc="form"),
        Variant("g", "1-page form, recommended path", warm(form_bare, warm_css), doc="form"),
        Variant("g-noto", "(g) with the full system Noto fonts instead of the reduced ones",
                warm(form_bare, noto_css), doc="form"),
        Variant("g-rare", "(g) with 𠮷䶮𪚥 (full-font fall-back)",
                warm(form_rare, warm_css), doc="form"),
    ]
    assert set(weasyprint.DEFAULT_OPTIONS) >= {
        "uncompressed_pdf", "optimize_images", "presentational_hints", "hinting",
        "full_fonts", "pdf_version", "pdf_forms", "cache", "jpeg_quality"}
    return variants


def recommended_phases(photos: list[bytes], repeat: int) -> dict[str, float]:
    from weasyprint import CSS, HTML

    from rendering import fonts as azx_fonts

    config = azx_fonts.font_configuration()
    css = CSS(string=report_css(
        serif=azx_fonts.css_family_list(azx_fonts.SERIF_STACK),
        sans=azx_fonts.css_family_list(azx_fonts.SANS_STACK), fixed=True),
        font_config=config)
    html = html_document(
        report_body([f"photo:{i}" for i in range(len(photos))], hazard_rows(len(photos))),
        None)
    fetcher = photo_fetcher(photos)
    found: dict[str, list[float]] = {"parse HTML": [], "style + layout": [], "draw + PDF": []}
    for index in range(repeat + 1):
        t0 = time.perf_counter()
        document = HTML(string=html, url_fetcher=fetcher)
        t1 = time.perf_counter()
        rendered = document.render(stylesheets=[css], font_config=config)
        t2 = time.perf_counter()
        rendered.write_pdf()
        t3 = time.perf_counter()
        if index:
            for key, value in zip(found, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                found[key].append(value)
    return {key: statistics.median(values) * 1000 for key, values in found.items()}


# --------------------------------------------------------------------------- typst


def typst_source(rows: list[dict[str, str]]) -> str:
    def esc(text: str) -> str:
        return "".join("\\" + ch if ch in '\\#[]*_`$<>@"' else ch for ch in text)

    cells = []
    for index, row in enumerate(rows):
        cells.append(
            f'[{row["no"]}], [{esc(row["text"])}], '
            f'[#image("p{index}.jpg", width: 14mm, height: 10.5mm)], [{esc(row["type"])}], '
            f'[{esc(row["basis"])}], [{esc(row["advice"])}], [{esc(row["level"])}],')
    kv = "\n".join(
        f"[*{k1}*], [{esc(v1)}], [*{k2}*], [{esc(v2)}]," for k1, v1, k2, v2 in _KV)
    para = f"#par(first-line-indent: 2em, justify: true)[{esc(_PARAGRAPH)}]\n"
    return f"""
#set page(paper: "a4", margin: (x: 18mm, y: 20mm),
  footer: context align(center, text(size: 9pt)[第 #counter(page).display() 页 共
    #counter(page).final().first() 页]))
#set text(font: ("Noto Serif CJK SC", "HanaMinB", "HanaMinA"), size: 10.5pt, lang: "zh")
#set par(leading: 0.75em)
#align(center, text(font: "Noto Sans CJK SC", size: 18pt, weight: "bold")[
  安全生产责任保险事故预防技术服务报告])
#table(columns: (18%, 32%, 18%, 32%), stroke: 0.5pt, {kv})
== 一、服务概况
{para * 2}
== 二、隐患排查清单
#set text(size: 8pt)
#table(columns: (5%, 30%, 12%, 8%, 19%, 18%, 8%), stroke: 0.5pt,
  table.header(repeat: true, {", ".join(f"[*{c}*]" for c in _COLUMNS)}),
  {"".join(cells)}
)
#set text(size: 10.5pt)
== 三、整改建议
{para * 2}
== 四、服务结论
{para * 2}
"""


def typst_reference(photos: list[bytes], repeat: int) -> tuple[float, int]:
    """The same report with Typst (reference bar only): median ms and page count.

    Each timed compile gets new row texts (another seed): Typst memoizes layout, and an
    unchanged source compiles again in a few ms, which would not be a fair bar.
    """
    import typst

    with tempfile.TemporaryDirectory(prefix="azx-typst-") as tmp:
        folder = Path(tmp)
        main_typ = folder / "main.typ"
        for index, photo in enumerate(photos):
            (folder / f"p{index}.jpg").write_bytes(photo)
        main_typ.write_text(typst_source(hazard_rows(len(photos))), encoding="utf-8")
        start = time.perf_counter()
        typst.compile(str(main_typ), root=str(folder))
        cold = time.perf_counter() - start
        compiler = typst.Compiler(str(main_typ), root=str(folder))
        compiler.compile()  # warm-up: fonts and images loaded once
        start = time.perf_counter()
        compiler.compile()
        memoized = time.perf_counter() - start
        times = []
        for seed in range(100, 100 + repeat):
            main_typ.write_text(
                typst_source(hazard_rows(len(photos), seed=seed)), encoding="utf-8")
            start = time.perf_counter()
            pdf = compiler.compile()
            times.append(time.perf_counter() - start)
    print(f"typst: cold typst.compile {cold * 1000:.0f} ms (font discovery included); "
          f"same source again {memoized * 1000:.0f} ms (memoized)")
    return statistics.median(times) * 1000, page_count(pdf)


# --------------------------------------------------------------------------- driver


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM: ru_maxrss survives exec on Linux)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_once(run: Callable[[], bytes]) -> tuple[float, float, bytes]:
    gc.collect()
    cpu, start = time.process_time(), time.perf_counter()
    pdf = run()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, pdf


def measure(run: Callable[[], bytes], repeat: int, warmup: int
            ) -> tuple[float, float, bytes]:
    """Median wall-clock and CPU milliseconds of ``repeat`` runs after ``warmup``."""
    pdf = b""
    for _ in range(warmup):
        pdf = run()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, pdf = time_once(run)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus), pdf


def measure_interleaved(variants: list[Variant], repeat: int, warmup: int
                        ) -> list[tuple[Variant, float, float, float, bytes]]:
    """Like :func:`measure`, but round-robin: one run of each variant per round.

    On a shared machine a busy spell then slows every variant alike instead of a few;
    the minimum is the best estimate of the cost on an idle machine.
    """
    pdfs = {}
    for variant in variants:
        for _ in range(warmup):
            pdfs[variant.key] = variant.run()
    walls: dict[str, list[float]] = {v.key: [] for v in variants}
    cpus: dict[str, list[float]] = {v.key: [] for v in variants}
    for round_ in range(repeat):
        for variant in variants:
            wall, cpu, pdfs[variant.key] = time_once(variant.run)
            walls[variant.key].append(wall)
            cpus[variant.key].append(cpu)
        print(f"  round {round_ + 1}/{repeat} done", file=sys.stderr, flush=True)
    return [(v, statistics.median(walls[v.key]), min(walls[v.key]),
             statistics.median(cpus[v.key]), pdfs[v.key]) for v in variants]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated variant keys")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--profile", metavar="KEY", help="cProfile one variant and exit")
    parser.add_argument("--typst", action="store_true", help="also time Typst (reference)")
    parser.add_argument("--list", action="store_true", help="list the variants and exit")
    parser.add_argument("--phases", action="store_true", help="time (r) by phase")
    parser.add_argument("--rss", metavar="KEYS", help="peak RSS of each variant, alone")
    parser.add_argument("--rss-self", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    # WeasyPrint warns once per font and render on the fontTools branch: keep output short.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    photos = make_photos()
    variants = build_variants(photos)
    if args.list:
        for variant in variants:
            print(f"{variant.key:8} {variant.label}")
        return 0
    if args.only:
        wanted = args.only.split(",")
        variants = [variant for variant in variants if variant.key in wanted]

    if args.rss_self:
        for variant in variants:
            measure(variant.run, args.repeat, args.warmup)
        print(f"{peak_rss_mb():.0f} MB")
        return 0

    if args.profile:
        (variant,) = [v for v in variants if v.key == args.profile]
        variant.run()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            variant.run()
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return 0

    results = [
        (variant, wall, best, cpu, page_count(pdf), len(pdf))
        for variant, wall, best, cpu, pdf in measure_interleaved(variants, args.repeat,
                                                                 args.warmup)]

    baselines = {doc: next((wall for v, wall, *_ in results if v.doc == doc), None)
                 for doc in ("report", "form")}
    print(f"\nmedian of {args.repeat} rounds (round-robin) after {args.warmup} warm-up, one "
          "process; ratio: wall time to the first row of its document")
    print(f"{'key':7} {'wall ms':>7} {'min ms':>7} {'CPU ms':>7} {'ratio':>6} {'pages':>5}"
          f" {'PDF kB':>7}  variant")
    for variant, wall, best, cpu, pages, size in results:
        base = baselines[variant.doc] or wall
        print(f"{variant.key:7} {wall:7.0f} {best:7.0f} {cpu:7.0f} {wall / base:6.2f} {pages:5d}"
              f" {size / 1024:7.0f}  {variant.label}")
    print(f"peak RSS of this process (all variants): {peak_rss_mb():.0f} MB")
    if args.phases:
        print("\nrecommended path (r), by phase (median ms):")
        for phase, ms in recommended_phases(photos, args.repeat).items():
            print(f"  {phase:15} {ms:6.0f}")
    if args.typst:
        ms, pages = typst_reference(photos, args.repeat)
        base = baselines["report"] or ms
        print(f"{'typst':7} {ms:7.0f} {'':>7} {'':>7} {ms / base:6.2f} {pages:5d} {'':>7}  "
              "Typst, warm Compiler, new row texts each time (reference only)")
    if args.rss:
        print("\npeak RSS of a process rendering only one variant:")
        for key in args.rss.split(","):
            child = subprocess.run(
                [sys.executable, __file__, "--only", key, "--repeat", "3", "--rss-self"],
                capture_output=True, text=True, check=True)
            print(f"  {key:7} {child.stdout.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
