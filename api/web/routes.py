"""The ``/app`` pages: thin handlers over the same services as the API (keys, forms, archive,
verification), rendered with Jinja2 templates from ``templates/web/``.

Every page needs a session (else a redirect to ``/app/login``); every POST carries the
session's CSRF token (else 403); roles and tenants are the API's (``domain.access``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from api.body import limited
from domain.access import Action, Caller, require
from domain.budget import check_pdf_upload
from domain.catalog import CATALOG, PROFILES, get_kind
from domain.errors import DomainValidationError, Forbidden, NotFound, Problem
from domain.ids import InvalidRecordId, parse_record_id
from services.archive import IdempotencyKey
from services.context import AppContext
from services.keys import AuthError, authenticate
from services.render import render_blank, render_data
from services.web_files import PhotoStash, SessionFull, data_uri, page_count, preview_pages
from services.web_forms import Bound, bind, check, collect, each_bound, form_specs
from services.web_labels_en import english
from services.web_record import audit_trail, seal_of
from services.web_sessions import Session, SessionKeeper, load_secret

__all__ = ["router"]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "web"
SESSION_COOKIE = "azx_session"
LOGIN_COOKIE = "azx_login"
LANG_COOKIE = "azx_lang"
_MAX_FORM_FIELDS = 20_000
_MAX_FORM_FILES = 60  # photos posted at once from one page (each field takes at most six)

_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)
_CHINA = timezone(timedelta(hours=8))


def _china_time(iso: str | None) -> str:
    """An ISO timestamp as China time, to the minute: ``2026-03-20 10:30``."""
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone(_CHINA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


_env.filters["china_time"] = _china_time
_env.filters["en"] = english  # a form's or a profile's name in English (services.web_labels_en)

#: Words of the pages: Chinese first; English when the English switch is on.
_EN = {
    "表单": "Forms", "档案": "Records", "核验": "Verify", "退出": "Sign out", "登录": "Sign in",
    "API 密钥": "API key", "空白": "Blank", "填写": "Fill in", "检查": "Check",
    "下载 PDF": "Download PDF", "下载 Word": "Download Word", "提交归档": "Submit for archiving",
    "增加一行": "Add a row", "删除此行": "Remove this row", "查询": "Search",
    "保单号": "Policy no.", "被保险人": "Insured", "类型": "Type", "起": "From", "止": "To",
    "核验 PDF": "Verify a PDF", "上传": "Upload", "必填": "required", "预览": "Preview",
    "清除草稿": "Clear the draft", "扫码核验": "Scan a QR code", "扫码": "Scan", "打开": "Open",
}


def _t(lang: str) -> Callable[[str], str]:
    def t(zh: str) -> str:
        return _EN.get(zh, zh) if lang == "en" else zh
    return t


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""


class CsrfRefused(Exception):
    """A POST without the session's CSRF token."""


@dataclass(frozen=True)
class WebUser:
    caller: Caller
    session: Session
    csrf: str


class _WebRoute(APIRoute):
    """Turns the errors of a page into pages (the API's handlers answer JSON)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return RedirectResponse("/app/login", status_code=303)
            except CsrfRefused:
                return _message(request, 403, "请求已拒绝（页面已过期，请返回重试）",
                                "refused: the page expired (CSRF check); go back and retry")
            except NotFound:
                return _message(request, 404, "未找到", "not found")
            except Forbidden as exc:
                return _message(request, 403, exc.message_zh, exc.message_en)
            except AuthError:
                return RedirectResponse("/app/login", status_code=303)

        return guarded


router = APIRouter(prefix="/app", route_class=_WebRoute, include_in_schema=False)


# -- plumbing ------------------------------------------------------------------------------


def _ctx(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _keeper(request: Request) -> SessionKeeper:
    """The app's session keeper, made on the first /app request (the data dir exists then)."""
    keeper = getattr(request.app.state, "web_sessions", None)
    if keeper is None:
        settings = _ctx(request).settings
        secret = settings.web_session_secret
        keeper = SessionKeeper(
            load_secret(secret.get_secret_value() if secret else None, settings.data_dir),
            lifetime_seconds=settings.web_session_hours * 3600, engine=_ctx(request).engine)
        request.app.state.web_sessions = keeper
    return keeper


def _stash(request: Request) -> PhotoStash:
    """The app's store of photos posted from the fill-in pages (per session, on local disk)."""
    stash = getattr(request.app.state, "web_photos", None)
    if stash is None:
        settings = _ctx(request).settings
        stash = PhotoStash(settings.data_dir / "web-uploads",
                           lifetime_seconds=settings.web_session_hours * 3600)
        request.app.state.web_photos = stash
    return stash


def _lang(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def _user(request: Request) -> WebUser:
    keeper = _keeper(request)
    session = keeper.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired
    caller = keeper.caller(_ctx(request).engine, session)
    if caller is None:
        raise SignInRequired
    return WebUser(caller, session, keeper.csrf(session))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _render(request: Request, template: str, user: WebUser | None, status: int = 200,
            **values: Any) -> HTMLResponse:
    lang = _lang(request)
    html = _env.get_template(template).render(
        user=user, lang=lang, t=_t(lang), path=request.url.path,
        can_archive=bool(user and user.caller.can(Action.CREATE)),
        can_read=bool(user and user.caller.can(Action.READ)), **values)
    return HTMLResponse(html, status_code=status)


def _message(request: Request, status: int, zh: str, en: str) -> HTMLResponse:
    try:
        user: WebUser | None = _user(request)
    except SignInRequired:
        user = None
    return _render(request, "message.html", user, status, title_zh=zh, title_en=en)


async def _form(request: Request, *, files: int = 0) -> FormData:
    settings = _ctx(request).settings
    return await limited(request, settings.max_body_bytes).form(
        max_files=files, max_fields=_MAX_FORM_FIELDS, max_part_size=settings.max_body_bytes)


def _values(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(name, []).append(value)
    return out


def _checked_user(request: Request, form: FormData) -> WebUser:
    user = _user(request)
    token = form.get("csrf")
    if not _keeper(request).csrf_ok(user.session, token if isinstance(token, str) else None):
        raise CsrfRefused
    return user


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{filename}\"; "
                               f"filename*=UTF-8''{quote(filename)}"})


# -- sign-in -------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def home(request: Request) -> Response:
    _user(request)
    return RedirectResponse("/app/forms", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _login_page(request, 200)


def _login_page(request: Request, status: int, error: tuple[str, str] | None = None) -> Response:
    keeper = _keeper(request)
    if status == 200 and keeper.read(request.cookies.get(SESSION_COOKIE)) is not None:
        try:
            _user(request)
            return RedirectResponse("/app/forms", status_code=303)
        except SignInRequired:
            pass
    nonce = secrets.token_urlsafe(18)
    page = _render(request, "login.html", None, status, csrf=keeper.login_csrf(nonce), error=error)
    page.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path="/app", httponly=True,
                    secure=_secure(request), samesite="strict")
    return page


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _form(request)
    keeper = _keeper(request)
    csrf, key = form.get("csrf"), form.get("key")
    if not keeper.login_csrf_ok(request.cookies.get(LOGIN_COOKIE),
                                csrf if isinstance(csrf, str) else None):
        return _login_page(request, 403, ("页面已过期，请重新输入密钥", "the page expired; enter the key again"))
    try:
        caller = await run_in_threadpool(authenticate, _ctx(request).engine,
                                         key.strip() if isinstance(key, str) else None)
    except AuthError:
        return _login_page(request, 401, ("密钥无效或已吊销", "the key is unknown or revoked"))
    done = RedirectResponse("/app/forms" if caller.can(Action.FORMS) else "/app/records",
                            status_code=303)
    done.set_cookie(SESSION_COOKIE, keeper.issue(caller), path="/app", httponly=True,
                    secure=_secure(request), samesite="strict")
    done.delete_cookie(LOGIN_COOKIE, path="/app")
    return done


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    form = await _form(request)
    user = _checked_user(request, form)
    _keeper(request).end(user.session)
    done = RedirectResponse("/app/login", status_code=303)
    done.delete_cookie(SESSION_COOKIE, path="/app", httponly=True, secure=_secure(request),
                       samesite="strict")
    return done


@router.get("/lang", response_class=HTMLResponse)
def switch_language(request: Request, to: Literal["zh", "en"] = "zh",
                    next: str = "/app/forms") -> Response:
    target = next if next.startswith("/app") and not next.startswith("//") else "/app/forms"
    done = RedirectResponse(target, status_code=303)
    done.set_cookie(LANG_COOKIE, to, max_age=365 * 86400, path="/app", httponly=True,
                    secure=_secure(request), samesite="strict")
    return done


# -- forms ---------------------------------------------------------------------------------


@router.get("/forms", response_class=HTMLResponse)
def forms_page(request: Request) -> Response:
    user = _user(request)
    require(user.caller, Action.FORMS)
    by_profile = [(profile, name, [k for k in CATALOG.values() if k.profile == profile])
                  for profile, name in PROFILES.items()]
    return _render(request, "forms.html", user, by_profile=by_profile)


@router.get("/forms/{doc_type}/blank.{fmt}")
def blank(request: Request, doc_type: str, fmt: str, profile: str | None = None) -> Response:
    user = _user(request)
    require(user.caller, Action.FORMS)
    if fmt not in ("pdf", "docx"):
        raise NotFound("表单", f"{doc_type}.{fmt}")
    kind = _kind_or_404(doc_type, profile)
    form = render_blank(kind.type, kind.profile, fmt,  # type: ignore[arg-type]
                        engine=_ctx(request).settings.pdf_engine)
    return _download(form.content, form.media_type, form.filename)


def _kind_or_404(doc_type: str, profile: str | None) -> Any:
    try:
        return get_kind(doc_type, profile)
    except DomainValidationError:
        raise NotFound("表单", doc_type) from None


@router.get("/forms/{doc_type}/fill", response_class=HTMLResponse)
def fill_page(request: Request, doc_type: str, profile: str | None = None) -> Response:
    user = _user(request)
    require(user.caller, Action.FORMS)
    kind = _kind_or_404(doc_type, profile)
    fields, _ = bind(form_specs(kind.type, kind.profile), {}, [])
    return _render(request, "fill.html", user, kind=kind, fields=fields, problems=[],
                   checked=False, fresh=True)


async def _take_photos(request: Request, user: WebUser, form: FormData,
                       values: dict[str, list[str]]) -> None:
    """Stash the files posted as ``<field>.__file`` and keep them as ``<field>.__photo``."""
    stash = _stash(request)
    for name, item in form.multi_items():
        if not isinstance(item, UploadFile) or not name.endswith(".__file") or not item.filename:
            continue
        content = await item.read()
        if not content:
            continue
        field_name = name[: -len(".__file")]
        try:
            kept = await run_in_threadpool(stash.put, user.session.sid, item.filename, content)
        except SessionFull as exc:
            raise DomainValidationError.single(
                ("data", *field_name.split(".")), "too_many_photos",
                f"本次登录已上传 {exc.args[0]} 张照片，请下载或归档后重新登录再继续",
                f"this session holds {exc.args[0]} photos already: download or archive, then "
                "sign in again") from None
        values.setdefault(name[: -len(".__file")] + ".__photo", []).append(kept.digest)


def _show_photos(request: Request, user: WebUser, fields: list[Bound]) -> list[Bound]:
    stash = _stash(request)
    for b in each_bound(fields):
        if b.spec.kind == "photos":
            for digest in b.values:
                got = stash.get(user.session.sid, digest)
                if got is not None:
                    thumb = data_uri(got[0].thumbnail, "image/jpeg") if got[0].thumbnail else ""
                    b.photos.append((digest, got[0].filename, thumb))
    return fields


@router.post("/forms/{doc_type}/fill", response_class=HTMLResponse)
async def fill(request: Request, doc_type: str, profile: str | None = None) -> Response:
    form = await _form(request, files=_MAX_FORM_FILES)
    user = _checked_user(request, form)
    require(user.caller, Action.FORMS)
    kind = _kind_or_404(doc_type, profile)
    values = _values(form)
    action = (values.get("_action") or ["check"])[-1]
    specs = form_specs(kind.type, kind.profile)

    def page(status: int = 200, problems: Any = (), collected: Any = None, **extra: Any
             ) -> Response:
        fields, placed = bind(specs, values, list(problems),
                              "" if collected else action, collected=collected)
        return _render(request, "fill.html", user, status, kind=kind,
                       fields=_show_photos(request, user, fields),
                       problems=placed, **({"checked": False} | extra))

    try:
        await _take_photos(request, user, form, values)
    except DomainValidationError as exc:
        return page(422, exc.problems, collect(specs, values))
    if action.startswith(("add:", "remove:")) or action == "restore":
        return page(restored=action == "restore")
    stash = _stash(request)

    def photo(digest: str) -> dict[str, str] | None:
        got = stash.get(user.session.sid, digest)
        if got is None:
            return None
        return {"filename": got[0].filename, "data": base64.b64encode(got[1]).decode()}

    collected = await run_in_threadpool(collect, specs, values, "", photo)
    engine = _ctx(request).settings.pdf_engine
    try:
        if action in ("pdf", "docx"):
            fmt: Literal["pdf", "docx"] = "pdf" if action == "pdf" else "docx"
            out = await run_in_threadpool(render_data, kind.type, kind.profile, collected.data,
                                          fmt, engine=engine)
            return _download(out.content, out.media_type, out.filename)
        if action == "preview":
            out = await run_in_threadpool(render_data, kind.type, kind.profile, collected.data,
                                          "pdf", engine=engine)
            pngs = await run_in_threadpool(preview_pages, out.content) or []
            return page(preview=[data_uri(png, "image/png") for png in pngs],
                        preview_total=page_count(out.content), checked=True)
        await run_in_threadpool(check, kind.type, kind.profile, collected.data)
        if action == "archive":
            return await _archive(request, user, kind, collected.data)
    except DomainValidationError as exc:
        return page(422, exc.problems, collected)
    return page(checked=True)


async def _archive(request: Request, user: WebUser, kind: Any, data: dict[str, Any]) -> Response:
    require(user.caller, Action.CREATE)
    body = {"type": kind.type, "profile": kind.profile, "data": data}
    # A second press of the button (or a reload) gives the same record, not a second one.
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
    key = IdempotencyKey(f"web-{user.session.sid}-{digest.hexdigest()[:32]}")
    record = await run_in_threadpool(_ctx(request).archive.create, user.caller, body, key=key)
    return RedirectResponse(f"/app/records/{quote(record['id'])}?new=1", status_code=303)


# -- records (auditors, and whoever may read) -------------------------------------------------


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@router.get("/records", response_class=HTMLResponse)
def records_page(request: Request, policy_no: str = "", insured: str = "", type: str = "",
                 created_from: str = "", created_to: str = "") -> Response:
    user = _user(request)
    require(user.caller, Action.READ)
    query = {"policy_no": policy_no[:200], "insured": insured[:200], "type": type[:40],
             "created_from": created_from[:40], "created_to": created_to[:40]}
    found = _ctx(request).archive.search(
        user.caller, policy_no=query["policy_no"] or None, insured=query["insured"] or None,
        doc_type=query["type"] or None, created_from=_when(query["created_from"]),
        created_to=_when(query["created_to"]), limit=100)
    types = sorted({k.type for k in CATALOG.values()})
    return _render(request, "records.html", user, query=query, found=found, types=types)


@router.get("/records/{rid}", response_class=HTMLResponse)
def record_page(request: Request, rid: str, new: int = 0) -> Response:
    user = _user(request)
    ctx = _ctx(request)
    record = ctx.archive.get(user.caller, rid)  # READ and the tenant, as the API
    seal = seal_of(ctx.verifier, record["id"]) if record.get("status") == "archived" else None
    return _render(request, "record.html", user, record=record, new=bool(new), seal=seal,
                   events=audit_trail(ctx.engine, user.caller, record["id"]))


@router.get("/records/{rid}/file.{part}")
def record_file(request: Request, rid: str, part: str) -> Response:
    user = _user(request)
    if part not in ("pdf", "docx", "json"):
        raise NotFound("记录内容", f"{rid}.{part}")
    got = _ctx(request).archive.part(user.caller, rid, part)
    return _download(got.content, got.media_type, got.filename)


# -- verify an uploaded PDF ------------------------------------------------------------------


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> Response:
    return _render(request, "verify.html", _user(request), result=None, problems=[])


@router.post("/verify", response_class=HTMLResponse)
async def verify_upload(request: Request) -> Response:
    form = await _form(request, files=1)
    user = _checked_user(request, form)
    item = form.get("file")
    problems: list[Problem] = []
    result = None
    if not isinstance(item, UploadFile) or not item.filename:
        problems = [Problem(("file",), "missing", "请选择要核验的 PDF 文件", "choose a PDF file")]
    else:
        pdf = await item.read()
        ctx = _ctx(request)
        try:
            await run_in_threadpool(check_pdf_upload, pdf, ctx.settings.verify_max_pages)
            result = await run_in_threadpool(ctx.verifier.verify_pdf, pdf)
        except DomainValidationError as exc:
            problems = list(exc.problems)
    return _render(request, "verify.html", user, 422 if problems else 200, result=result,
                   problems=problems)


# -- the auditor's records: checklist, 四性 checks, package -------------------------------------


@router.get("/records/{rid}/archive-contents.pdf")
def record_archive_contents(request: Request, rid: str) -> Response:
    """档案内容清单 (AQ 9010.1-2025 表B.1) of the record, as ``GET /v1/documents/{id}/archive-contents.pdf``."""
    from services.render import render_archive_contents

    user = _user(request)
    ctx = _ctx(request)
    form = render_archive_contents(ctx.archive.get(user.caller, rid), "pdf",
                                   engine=ctx.settings.pdf_engine)
    return _download(form.content, form.media_type, form.filename)


@router.get("/records/{rid}/checks.pdf")
def record_checks(request: Request, rid: str) -> Response:
    """四性检测报告 of the one record, as ``GET /v1/checks.pdf?id=…``."""
    user = _user(request)
    ctx = _ctx(request)
    checks = ctx.checks
    ctx.archive.get(user.caller, rid)  # READ and the tenant first: a stranger's ID is not found
    if checks is None:
        raise NotFound("四性检测", rid)
    scope, results = checks.for_set(user.caller, policy_no=None, insured=None, ids=[rid])
    form = checks.render_report(user.caller.tenant, scope, results, "pdf",
                                engine=ctx.settings.pdf_engine)
    return _download(form.content, form.media_type, form.filename)


@router.get("/records/{rid}/package.zip")
async def record_package(request: Request, rid: str) -> Response:
    """The auditor package (BagIt) of the one record, as ``GET /v1/exports?id=…``."""
    from services.auditor_package import export_bag

    user = _user(request)
    ctx = _ctx(request)
    ctx.archive.get(user.caller, rid)
    if ctx.checks is None:
        raise NotFound("审计包", rid)
    package = await run_in_threadpool(
        export_bag, ctx.archive, ctx.checks, user.caller, jwks=ctx.key_ring.jwks(),
        certificate=ctx.signing_certificate, policy_no=None, insured=None, ids=[rid],
        engine=ctx.settings.pdf_engine)
    return _download(package.content, "application/zip", package.filename)


# -- scan a QR code ----------------------------------------------------------------------------


def _verify_target(code: str) -> str | None:
    """The verify page a scanned (or typed) code names, on this service: a record ID, or a QR
    verify URL of any host reduced to its path and its ``h``, ``k``, ``s`` (a code never sends
    the browser elsewhere)."""
    code = code.strip()[:2000]
    try:
        return "/verify/" + quote(parse_record_id(code).canonical)
    except InvalidRecordId:
        pass
    try:
        parts = urlsplit(code)
    except ValueError:
        return None
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 2 or segments[-2] != "verify":
        return None
    try:
        rid = parse_record_id(segments[-1]).canonical
    except InvalidRecordId:
        return None
    query = parse_qs(parts.query)
    kept = {k: query[k][0] for k in ("h", "k", "s") if len(query.get(k, ())) == 1}
    return f"/verify/{quote(rid)}" + (f"?{urlencode(kept)}" if len(kept) == 3 else "")


@router.get("/scan", response_class=HTMLResponse)
def scan_page(request: Request) -> Response:
    return _render(request, "scan.html", _user(request), problem=None)


@router.get("/scan/open", response_class=HTMLResponse)
def scan_open(request: Request, code: str = "") -> Response:
    user = _user(request)
    target = _verify_target(code)
    if target is None:
        return _render(request, "scan.html", user, 422, problem=(
            "无法识别：请扫描文书上的核验二维码，或输入档案编号（AZX- 开头）",
            "not recognised: scan the verify QR code printed on the form, or type the record "
            "ID (it starts with AZX-)"))
    return RedirectResponse(target, status_code=303)
