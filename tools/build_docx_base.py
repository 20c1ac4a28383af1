"""Build templates/annex/base.docx, the docxtpl template every DOCX is rendered into.

Run: .venv/bin/python tools/build_docx_base.py   (the result is committed)
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "templates" / "annex" / "base.docx"


def _fonts(style, east_asia: str, latin: str, size: float, bold: bool = False) -> None:
    style.font.name = latin
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _field(paragraph, instr: str) -> None:
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
            run._r.append(el)
        else:
            run.text = text


#: python-docx's default template carries ~130 table styles (Light/Medium/Dark/Colorful …), a
#: 0.4 MB stylesWithEffects.xml and a thumbnail: every DOCX would parse and re-write them.
_UNUSED_STYLE = re.compile(r"^(Light|Medium|Dark|Colorful)")


def _trim(doc) -> None:
    styles = doc.styles.element
    for style in list(styles.findall(qn("w:style"))):
        if _UNUSED_STYLE.match(style.get(qn("w:styleId")) or ""):
            styles.remove(style)
    for part, kind in ((doc.part, "stylesWithEffects"), (doc.part.package, "thumbnail")):
        for rid, rel in list(part.rels.items()):
            if rel.reltype.endswith("/" + kind):
                del part.rels[rid]


def main() -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(22), Mm(20)
    sec.left_margin, sec.right_margin = Mm(22), Mm(18)
    _fonts(doc.styles["Normal"], "宋体", "Times New Roman", 10.5)
    doc.styles["Normal"].paragraph_format.space_after = Pt(2)
    _fonts(doc.styles["Title"], "黑体", "Arial", 16, bold=True)
    title_ppr = doc.styles["Title"].element.get_or_add_pPr()
    for el in title_ppr.findall(qn("w:pBdr")):
        title_ppr.remove(el)
    for name, size in (("Heading 1", 12), ("Heading 2", 11), ("Heading 3", 10.5)):
        _fonts(doc.styles[name], "黑体", "Arial", size, bold=True)
        doc.styles[name].paragraph_format.space_before = Pt(8)
        doc.styles[name].paragraph_format.space_after = Pt(4)
    header = sec.header.paragraphs[0]
    header.text = "{{ record_id }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = sec.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")
    doc.add_paragraph("{{p body }}")
    _trim(doc)
    doc.core_properties.author = "AZX"
    doc.core_properties.title = "安全生产责任保险事故预防技术服务文书"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
