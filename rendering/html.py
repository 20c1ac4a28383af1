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
    Spacer,
    Table,
    Text,
    is_write_in_line,
)
from rendering.layout import (
    cell_blank_em,
    cell_padding_mm,
    cell_widths_em,
    column_widths_mm,
    keep_runs,
    text_width_mm,
)
from rendering.pagination import breakable_rows, lead_ins

__all__ = ["CSS_PATH", "document_html"]

CSS_PATH = Path(__file__).resolve().parent.parent / "templates" / "annex" / "annex.css"


def _text(t: str) -> str:
    # Newlines and tabs in values come out literally: a line break and a tab-wide space.
    return escape(t).replace("\t", '<span class="tab"></span>').replace("\n", "<br>")


def _kept(t: str, width_em: float | None) -> str:
    """``t`` with the words a table cell never breaks (rendering/layout.py) in nowrap spans."""
    if width_em is None:
        return _text(t)
    return "".join(f'<span class="nb">{_text(s)}</span>' if keep else _text(s)
                   for s, keep in keep_runs(t, width_em))


def _inline(i: Inline, width_em: float | None = None, inlines: tuple[Inline, ...] = ()) -> str:
    if isinstance(i, Text):
        s = _kept(i.text, width_em)
        return f"<b>{s}</b>" if i.bold else s
    if isinstance(i, Blank):
        if i.width is None:  # ruled to the right edge of the line (p.fill is a flex row)
            return '<span class="blank fill"></span>'
        return f'<span class="blank" style="width:{cell_blank_em(i, inlines, width_em)}em"></span>'
    if isinstance(i, Check):
        mark = f'<span class="box">{i.mark}</span>'
        if i.style == "paren":
            return f'<span class="opt">{escape(i.label)}（{mark}）</span>'
        # .opt does not wrap (好（☑） 中（□） stay whole), but an item's label can be a sentence
        # (附件3 "(一) 安全生产宣传教育培训: 线下培训方式、…") that would run off the page: let it
        # wrap, keeping only the box with the label's first character.
        if len(i.label) <= 6:  # a short label (□未开展) is one word: never broken
            return f'<span class="opt">{mark}{escape(i.label)}</span>'
        first, rest = i.label[:1], i.label[1:]
        return (f'<span class="opt" style="white-space:normal"><span style="white-space:nowrap">'
                f"{mark}{escape(first)}</span>{escape(rest)}</span>")
    if isinstance(i, Image):
        b64 = base64.b64encode(i.data).decode("ascii")
        cap = f"<figcaption>{escape(i.caption)}</figcaption>" if i.caption else ""
        cls = {"map": "photo map", "chart": "photo chart"}.get(i.kind, "photo")
        return f'<figure class="{cls}"><img src="data:{i.mime};base64,{b64}" alt="">{cap}</figure>'
    raise TypeError(i)


def _inlines(items: tuple[Inline, ...], width_em: float | None = None) -> str:
    return "".join(_inline(i, width_em, items) for i in items)


def _cell(c: Cell, tag: str, width_em: float) -> str:
    attrs = []
    if c.colspan > 1:
        attrs.append(f'colspan="{c.colspan}"')
    if c.rowspan > 1:
        attrs.append(f'rowspan="{c.rowspan}"')
    classes = [f"a-{c.align}"] + (["label"] if c.header else [])
    attrs.append(f'class="{" ".join(classes)}"')
    if c.min_height_mm:
        attrs.append(f'style="height:{c.min_height_mm}mm"')
    return f"<{tag} {' '.join(attrs)}>{_inlines(c.inlines, width_em)}</{tag}>"


def _row(cells: str, breakable: bool) -> str:
    return f"<tr>{cells}</tr>" if breakable else f'<tr class="keep">{cells}</tr>'


def _table(t: Table, landscape: bool) -> str:
    total = text_width_mm(landscape)  # widths from rendering/layout.py, as on the other engines
    cols = "".join(f'<col style="width:{w / total * 100:.3f}%">'
                   for w in column_widths_mm(t, landscape=landscape))
    rows = list(zip(t.rows, breakable_rows(t, landscape=landscape),
                    cell_widths_em(t, landscape=landscape), strict=True))
    head = "".join(_row("".join(_cell(c, "th", w) for c, w in zip(r.cells, ws, strict=True)), brk)
                   for r, brk, ws in rows[: t.header_rows])
    body = "".join(_row("".join(_cell(c, "td", w) for c, w in zip(r.cells, ws, strict=True)), brk)
                   for r, brk, ws in rows[t.header_rows :])
    dense = cell_padding_mm(t, landscape=landscape) < 1.5  # 0.8 mm a side in a dense ledger
    cls = ("grid" + (" small" if t.font_small else "") + (" dense" if dense else "")
           + ("" if t.borders else " plain"))
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


def _block(b: Block, stamp: str = "", landscape: bool = False, lead_in: bool = False) -> str:
    if isinstance(b, Heading):
        if b.level == 0:
            return f'<h1 class="cover">{escape(b.text)}</h1>'
        tag = {1: "h2", 2: "h3"}.get(b.level, "h3")
        return f"<{tag}>{escape(b.text)}</{tag}>"
    if isinstance(b, Paragraph) and is_write_in_line(b):
        return '<p class="writein"></p>'  # 8 mm apart (rendering/blocks.py WRITE_IN_LINE_MM)
    if isinstance(b, Paragraph):
        cls = [f"a-{b.align}"] + (["indent"] if b.indent else []) + (["small"] if b.small else [])
        cls += ["note"] if b.note else []
        cls += ["leadin"] if lead_in else []  # kept with the table after it
        cls += ["fill"] if any(isinstance(i, Blank) and i.width is None for i in b.inlines) else []
        return f'<p class="{" ".join(cls)}">{_inlines(b.inlines)}</p>'
    if isinstance(b, Table):
        return _table(b, landscape)
    if isinstance(b, Signatures):
        return _signatures(b, stamp)
    if isinstance(b, PageBreak):
        return '<div class="pagebreak"></div>'
    if isinstance(b, Spacer):
        return f'<div style="height:{b.mm}mm"></div>'
    raise TypeError(b)


def document_html(doc: Document, *, font_css: str, qr_png: bytes | None = None) -> str:
    """The complete HTML page for ``doc``; the QR code (``qr_png``, ours) with the record ID is
    placed on page 1 and beside the last signature block (AZX issue: QR on the signature page)."""
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
    # the QR code again beside the last signature block (the parties' sign-off)
    sigs = [n for n, b in enumerate(doc.blocks) if isinstance(b, Signatures)]
    last_sig = sigs[-1] if sigs else -1
    leads = lead_ins(doc.blocks)
    for n, b in enumerate(doc.blocks):
        parts.append(_block(b, sig_stamp if n == last_sig else "", doc.landscape, n in leads))
    body = "".join(parts)
    # the record ID in every page's header; page 1 shows it under the QR code instead
    # as Typst's running header: the ID in 8 pt monospace
    running = (f'@page {{ @top-right {{ content: "{rid}"; font-family: "DejaVu Sans Mono", '
               f'monospace; font-size: 8pt; }} }}' if rid else "")
    if rid and stamp:
        running += " @page :first { @top-right { content: none; } }"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)}</title>"
        f"<style>{font_css}\n{css}\n@page {{ size: {page}; }}\n{running}</style></head>"
        f'<body>{stamp}<div class="head{" withqr" if stamp else ""}">{sub}</div>'
        f'<h1>{escape(doc.title)}</h1>{body}</body></html>'
    )
