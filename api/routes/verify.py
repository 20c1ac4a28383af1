"""Public verification (no API key): the page a QR code opens, its JSON twin, PDF upload,
and the public keys offline verifiers need."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from cryptography.hazmat.primitives.serialization import Encoding
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.body import limited, read_limited
from api.deps import Ctx
from domain.budget import check_pdf_upload
from domain.errors import DomainValidationError

router = APIRouter(tags=["verify"])

_CHINA = timezone(timedelta(hours=8), "CST")
Token = Annotated[str | None, Query(max_length=200, description="from the QR verify URL")]
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}}}}}


@router.get("/verify/{record_id}", response_class=HTMLResponse, include_in_schema=False)
def verify_page(record_id: str, ctx: Ctx, h: Token = None, k: Token = None,
                s: Token = None) -> HTMLResponse:
    try:
        result = ctx.verifier.verify_query(record_id, h, k, s)
    except DomainValidationError as exc:
        return HTMLResponse(_error_page(exc), status_code=422, headers=_PAGE_HEADERS)
    return HTMLResponse(_page(result), headers=_PAGE_HEADERS)


@router.get("/v1/verify/{record_id}", summary="核验档案编号 / verify a record ID (public)")
def verify_record(record_id: str, ctx: Ctx, h: Token = None, k: Token = None,
                  s: Token = None) -> dict[str, Any]:
    return ctx.verifier.verify_query(record_id, h, k, s)


@router.post("/v1/verify", openapi_extra=_UPLOAD_BODY,
             summary="核验 PDF 文件 / verify a PDF file (raw application/pdf or multipart file)")
async def verify_upload(request: Request, ctx: Ctx) -> dict[str, Any]:
    pdf = await _read_pdf(request, ctx.settings.max_body_bytes)
    await run_in_threadpool(check_pdf_upload, pdf, ctx.settings.verify_max_pages)
    return await run_in_threadpool(ctx.verifier.verify_pdf, pdf)


@router.get("/.well-known/jwks.json", summary="二维码公钥 / QR token public keys (JWKS)")
def jwks(ctx: Ctx) -> JSONResponse:
    return JSONResponse(ctx.key_ring.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/azx-signing-cert.pem",
            summary="PDF 签名证书 / the service's PDF-signing certificate (PEM)")
def signing_cert(ctx: Ctx) -> Response:
    pem = ctx.signing_certificate.public_bytes(Encoding.PEM)
    return Response(pem, media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=300"})


async def _read_pdf(request: Request, limit: int) -> bytes:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await limited(request, limit).form(max_files=1, max_fields=5)
        item = form.get("file")
        if not isinstance(item, UploadFile):
            raise DomainValidationError.single(("file",), "missing", "请在 file 字段上传 PDF",
                                               "upload the PDF in the 'file' field")
        body = await item.read()
    else:
        body = await read_limited(request, limit)
    if not body:
        raise DomainValidationError.single(("body",), "missing", "请求体为空", "the body is empty")
    return body


# -- the page -------------------------------------------------------------------------------

_CSS = """
body{font-family:-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:0;padding:16px;font-size:18px;line-height:1.5;color:#222;background:#f6f6f6}
main{max-width:40em;margin:0 auto}
.banner{border-radius:10px;padding:18px;color:#fff;font-size:28px;font-weight:bold;
text-align:center;margin-bottom:16px}
.banner small{display:block;font-size:16px;font-weight:normal}
.ok{background:#1e8e3e}.warn{background:#c77700}.bad{background:#c5221f}
dl{background:#fff;border-radius:10px;padding:12px 16px;margin:0 0 16px}
dt{color:#666;font-size:15px;margin-top:10px}dd{margin:0;font-size:19px;word-break:break-all}
.hash{font-family:ui-monospace,Menlo,monospace;font-size:14px}
ul{background:#fff;border-radius:10px;padding:12px 16px 12px 36px;margin:0 0 16px}
li{margin:6px 0}
"""


def _date(iso: str | None) -> str:
    """A day (the verify answer gives days, as printed in China) or a full ISO moment."""
    if not iso:
        return "—"
    if len(iso) == 10:
        return iso
    return datetime.fromisoformat(iso).astimezone(_CHINA).strftime("%Y-%m-%d")


def _row(label: str, value: str, *, raw: bool = False, cls: str = "") -> str:
    shown = value if raw else escape(value or "—")
    attr = f' class="{cls}"' if cls else ""
    return f"<dt>{escape(label)}</dt><dd{attr}>{shown}</dd>"


def _link(record_id: str) -> str:
    return f'<a href="/verify/{escape(quote(record_id))}">{escape(record_id)}</a>'


def _doc(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _level(seal: dict[str, Any] | None) -> str:
    """The service seal's PAdES level and, at B-LTA, until when its evidence holds."""
    if seal is None or not seal.get("level"):
        return "—"
    until = seal.get("evidence_until")
    return f"PAdES {seal['level']}" + (f"（证据有效至 / evidence until {_date(until)}）"
                                       if until else "")


def _renewals(evidence: dict[str, Any] | None) -> list[str]:
    """The archive time stamp renewals the level above comes from, when there are any."""
    if not evidence or not evidence.get("renewals"):
        return []
    return [_row("存档时间戳续期 / Time stamp renewals",
                 f"{evidence['renewals']} 次，最近 {_date(evidence.get('renewed_at'))}"
                 f"（{evidence['file']}） / {evidence['renewals']}, last on "
                 f"{_date(evidence.get('renewed_at'))}")]


def _page(r: dict[str, Any]) -> str:
    if r["authentic"] and r["superseded_by"]:
        banner = ("warn", "真实存档，但已被更正", "Authentic, but superseded by a correction")
    elif r["authentic"]:
        banner = ("ok", "真实有效", "Authentic — the archived original")
    else:
        banner = ("bad", "无法验证", "Not verified")
    signers = "、".join(s["name"] or s["subject"] or s["field"] for s in r["signers"])
    rows = [
        _row("编号 / Record ID", r["id"] or ""),
        _row("文书类型 / Document", r["title"] or r["type"] or ""),
    ]
    if r.get("disclosure") != "holder":  # without the QR's token: only what anyone may know
        rows.append(_row("更多信息 / More", "扫描文书上的二维码可查看签署方、日期、保存期限等 / scan "
                                          "the document's QR code to see its signers, dates and "
                                          "retention"))
        return _page_doc(r, banner, rows)
    rows += [
        _row("被保险人 / Insured", r["insured"] or ""),
        _row("保单号 / Policy No.", r["policy_no"] or ""),
        _row("日期 / Date", _date(r["created_at"])),
        _row("签署方 / Signed by", signers),
        _row("签名级别 / Signature level", _level(r["signers"][-1] if r["signers"] else None)),
        *_renewals(r.get("evidence")),
        _row("SHA-256 (PDF)", r["sha256"] or "", cls="hash"),
        _row("保存期限至 / Retained until", _date(r["retain_until"])),
        _row("法律保全 / Legal hold", {True: "是 / yes", False: "否 / no"}.get(
            r["legal_hold"], "—")),
    ]
    if r["superseded_by"]:
        rows.append(_row("已被更正 / Superseded by", _link(r["superseded_by"]), raw=True))
    if r.get("supersedes"):
        rows.append(_row("更正的原记录 / Corrects", _link(r["supersedes"]), raw=True))
    qr = r.get("qr")
    if qr is not None:
        rows.append(_row("二维码 / QR code",
                         "签名有效 / genuine" if qr.get("signature_valid") and not any(
                             x["code"].startswith("qr_") for x in r["reasons"])
                         else "无效 / not genuine"))
    return _page_doc(r, banner, rows)


def _page_doc(r: dict[str, Any], banner: tuple[str, str, str], rows: list[str]) -> str:
    items = "".join(
        f"<li>{escape(x['message_zh'])}<br><small>{escape(x['message_en'])}</small></li>"
        for x in [*r["reasons"], *r["notices"]])
    cls, zh, en = banner
    return _doc(f"{zh} · {r['id'] or ''}", (
        f'<div class="banner {cls}">{escape(zh)}<small>{escape(en)}</small></div>'
        + (f"<ul>{items}</ul>" if items else "")
        + f"<dl>{''.join(rows)}</dl>"
    ))


def _error_page(exc: DomainValidationError) -> str:
    items = "".join(f"<li>{escape(p.message_zh)}<br><small>{escape(p.message_en)}</small></li>"
                    for p in exc.problems)
    return _doc("无法验证", '<div class="banner bad">无法验证<small>Not verified</small></div>'
                        f"<ul>{items}</ul>")
