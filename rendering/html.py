"""Document tree → HTML (for WeasyPrint). Every value is escaped: data never becomes markup."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from rendering.blocks import (
    Blank,
    Block,
    Cell,
    Check,
    Document,
    Heading,
    Image,
    Inline,
    PageBreak,
    Paragraph,
    Signatures,
    Table,
    Text,
)
from rendering.pagination import breakable_rows

__all__ = ["CSS_PATH", "document_html"]

CSS_PATH = Path(__file__).resolve().parent.parent / "templates" / "annex" / "annex.css"


def _text(t: str) -> str:
    # Newlines and tabs in values come out literally: a line break and a tab-wide space.
    return escape(t).replace("\t", '<span class="tab"></span>').replace("\n", "<br>")


def _inline(i: Inline) -> str:
    if isinstance(i, Text):
        s = _text(i.text)
        return f"<b>{s}</b>" if i.bold else s
    if isinstance(i, Blank):
        return f'<span class="blank" style="width:{i.width}em"></span>'
    if isinstance(i, Check):
        mark = f'<span class="box">{i.mark}</span>'
        if i.style == "paren":
            return f'<span class="opt">{escape(i.label)}（{mark}）</span>'
        # .opt does not wrap (好（☑） 中（□） stay whole), but an item's label can be a sentence
        # (附件3 "(一) 安全生产宣传教育培训: 线下培训方式、…") that would run off the page: let it
        # wrap, keeping only the box with the label's first character.
        first, rest = i.label[:1], i.label[1:]
        return (f'<span class="opt" style="white-space:normal"><span style="white-space:nowrap">'
                f"{mark}{escape(first)}</span>{escape(rest)}</span>")
    if isinstance(i, Image):
        b64 = base64.b64encode(i.data).decode("ascii")
        cap = f"<figcaption>{escape(i.caption)}</figcaption>" if i.caption else ""
        cls = "photo map" if i.kind == "map" else "photo"
        return f'<figure class="{cls}"><img src="data:{i.mime};base64,{b64}" alt="">{cap}</figure>'
    raise TypeError(i)


def _inlines(items: tuple[Inline, ...]) -> str:
    return "".join(_inline(i) for i in items)


def _cell(c: Cell, tag: str) -> str:
    attrs = []
    if c.colspan > 1:
        attrs.append(f'colspan="{c.colspan}"')
    if c.rowspan > 1:
        attrs.append(f'rowspan="{c.rowspan}"')
    classes = [f"a-{c.align}"] + (["label"] if c.header else [])
    attrs.append(f'class="{" ".join(classes)}"')
    if c.min_height_mm:
        attrs.append(f'style="height:{c.min_height_mm}mm"')
    return f"<{tag} {' '.join(attrs)}>{_inlines(c.inlines)}</{tag}>"


def _row(cells: str, breakable: bool) -> str:
    return f"<tr>{cells}</tr>" if breakable else f'<tr class="keep">{cells}</tr>'


def _table(t: Table, landscape: bool) -> str:
    total = sum(t.widths) or 1
    cols = "".join(f'<col style="width:{w / total * 100:.2f}%">' for w in t.widths)
    rows = list(zip(t.rows, breakable_rows(t, landscape=landscape), strict=True))
    head = "".join(_row("".join(_cell(c, "th") for c in r.cells), brk)
                   for r, brk in rows[: t.header_rows])
    body = "".join(_row("".join(_cell(c, "td") for c in r.cells), brk)
                   for r, brk in rows[t.header_rows :])
    cls = "grid" + (" small" if t.font_small else "") + ("" if t.borders else " plain")
    cap = f'<p class="caption">{escape(t.caption)}</p>' if t.caption else ""
    thead = f"<thead>{head}</thead>" if head else ""
    return f'{cap}<table class="{cls}"><colgroup>{cols}</colgroup>{thead}<tbody>{body}</tbody></table>'


def _signatures(s: Signatures, stamp: str = "") -> str:
    items = []
    for sig in s.items:
        name = f'<span class="signame">{escape(sig.name)}</span>' if sig.name else (
            '<span class="blank" style="width:10em"></span>')
        date = ""
        if sig.with_date:
            date = f'<div class="sigdate">{escape(sig.date) if sig.date else "年　　月　　日"}</div>'
        items.append(f'<div class="sig"><div>{escape(sig.label)}{name}</div>{date}</div>')
    return f'<div class="sigs cols{s.columns}">{stamp}{"".join(items)}</div>'


def _block(b: Block, stamp: str = "", landscape: bool = False) -> str:
    if isinstance(b, Heading):
        tag = {0: "h1", 1: "h2", 2: "h3"}.get(b.level, "h3")
        return f"<{tag}>{escape(b.text)}</{tag}>"
    if isinstance(b, Paragraph):
        cls = [f"a-{b.align}"] + (["indent"] if b.indent else []) + (["small"] if b.small else [])
        return f'<p class="{" ".join(cls)}">{_inlines(b.inlines)}</p>'
    if isinstance(b, Table):
        return _table(b, landscape)
    if isinstance(b, Signatures):
        return _signatures(b, stamp)
    if isinstance(b, PageBreak):
        return '<div class="pagebreak"></div>'
    raise TypeError(b)


def document_html(doc: Document, *, font_css: str, qr_png: bytes | None = None) -> str:
    """The complete HTML page for ``doc``; the QR code (``qr_png``, ours) with the record ID is
    placed on page 1 and beside the first signature block (AZX issue: QR on the signature page)."""
    css = CSS_PATH.read_text(encoding="utf-8")
    rid = escape(doc.record_id) if doc.record_id else ""
    stamp = ""
    sig_stamp = ""
    if qr_png and doc.record_id:
        src = "data:image/png;base64," + base64.b64encode(qr_png).decode("ascii")
        stamp = f'<div class="qr"><img src="{src}" alt=""><div class="qrid">{rid}</div></div>'
        sig_stamp = stamp.replace('class="qr"', 'class="qr sigqr"')
    sub = f'<p class="subtitle">{escape(doc.subtitle)}</p>' if doc.subtitle else ""
    page = "A4 landscape" if doc.landscape else "A4"
    parts = []
    for b in doc.blocks:
        parts.append(_block(b, sig_stamp, doc.landscape))
        if isinstance(b, Signatures):
            sig_stamp = ""
    body = "".join(parts)
    running = f'@page {{ @top-right {{ content: "{rid}"; }} }}' if rid else ""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)}</title>"
        f"<style>{font_css}\n{css}\n@page {{ size: {page}; }}\n{running}</style></head>"
        f'<body>{stamp}{sub}<h1>{escape(doc.title)}</h1>{body}</body></html>'
    )
