"""The /app pages over plain HTTP (no browser): sessions, cookie flags, CSRF, CSP, tenants."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from api.web import CSP
from core.settings import Settings
from services.keys import create_key, revoke_key
from tests.conftest import TestClient

PAGES = ["/app", "/app/forms", "/app/forms/callback/fill?profile=shandong",
         "/app/forms/callback/blank.pdf?profile=shandong", "/app/records", "/app/verify",
         "/app/records/AZX-26CBK-W7ADW-TMR5A-0"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, object]]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("web-http")))
    with TestClient(app, base_url="https://testserver") as client:
        yield client, app


def _key(app: object, tenant: str = "web-t", role: str = "technician") -> str:
    return create_key(app.state.ctx.engine, tenant, role)  # type: ignore[attr-defined]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def _sign_in(client: TestClient, key: str) -> None:
    client.cookies.clear()
    page = client.get("/app/login")
    r = client.post("/app/login", data={"key": key, "csrf": _csrf(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_session(site: tuple[TestClient, object], path: str) -> None:
    client, _ = site
    client.cookies.clear()
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app/login"


def test_the_session_cookie_is_httponly_secure_on_https_samesite_strict_and_holds_no_key(
        site: tuple[TestClient, object]) -> None:
    client, app = site
    key = _key(app)
    page = client.get("/app/login")
    r = client.post("/app/login", data={"key": key, "csrf": _csrf(page.text)},
                    follow_redirects=False)
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("azx_session="))
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/app"} <= flags
    assert key not in cookie and key.split("_", 2)[2] not in cookie
    assert "key=" not in r.headers["location"]


def test_over_plain_http_the_cookie_is_not_marked_secure(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        page = client.get("/app/login")
        r = client.post("/app/login", data={"key": _key(app), "csrf": _csrf(page.text)},
                        follow_redirects=False)
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("azx_session="))
        assert "secure" not in cookie.lower() and "httponly" in cookie.lower()


def test_pages_carry_a_strict_content_security_policy(site: tuple[TestClient, object]) -> None:
    client, app = site
    login = client.get("/app/login")
    assert login.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert "script-src 'self';" in CSP  # scripts only as files served here
    _sign_in(client, _key(app))
    for path in ("/app/forms", "/app/forms/report/fill?profile=shandong", "/app/verify"):
        r = client.get(path)
        assert r.status_code == 200
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["cache-control"] == "no-store"
        scripts = re.findall(r"<script[^>]*>", r.text)
        assert all(re.fullmatch(r'<script src="/app/static/[\w./-]+\.js" defer>', t)
                   for t in scripts), scripts  # no inline script
        assert not re.search(r"\son[a-z]+=", r.text) and " style=" not in r.text
        assert "http://" not in r.text and "https://" not in r.text  # nothing from elsewhere
    css = client.get("/app/static/app.css")
    assert css.status_code == 200 and "url(" not in css.text  # no outside fonts or images


def test_a_post_without_the_csrf_token_is_refused(site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app))
    for path in ("/app/forms/callback/fill?profile=shandong", "/app/logout", "/app/verify"):
        for token in (None, "forged"):
            data = {"_action": "check"} | ({"csrf": token} if token else {})
            r = client.post(path, data=data, follow_redirects=False)
            assert r.status_code == 403, (path, r.status_code)
    assert client.get("/app/forms", follow_redirects=False).status_code == 200  # still signed in


def test_sign_in_itself_needs_the_login_pages_token(site: tuple[TestClient, object]) -> None:
    client, app = site
    client.cookies.clear()
    r = client.post("/app/login", data={"key": _key(app), "csrf": "x"}, follow_redirects=False)
    assert r.status_code == 403 and "azx_session" not in r.headers.get("set-cookie", "")


def test_a_wrong_key_is_refused_without_a_session(site: tuple[TestClient, object]) -> None:
    client, _ = site
    client.cookies.clear()
    page = client.get("/app/login")
    r = client.post("/app/login", data={"key": "azx_000000000000_nope", "csrf": _csrf(page.text)},
                    follow_redirects=False)
    assert r.status_code == 401 and "密钥无效" in r.text
    assert "azx_session" not in r.headers.get("set-cookie", "")


def test_signing_out_ends_the_session_even_for_a_copied_cookie(
        site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app))
    token = client.cookies.get("azx_session")
    page = client.get("/app/forms")
    r = client.post("/app/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app/login"
    client.cookies.set("azx_session", token or "", path="/app")
    assert client.get("/app/forms", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_its_sessions(site: tuple[TestClient, object]) -> None:
    client, app = site
    key = _key(app)
    _sign_in(client, key)
    assert client.get("/app/forms", follow_redirects=False).status_code == 200
    revoke_key(app.state.ctx.engine, key.split("_")[1])  # type: ignore[attr-defined]
    assert client.get("/app/forms", follow_redirects=False).status_code == 303


def test_an_altered_session_token_is_refused(site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app))
    token = client.cookies.get("azx_session") or ""
    body, mac = token.split(".")
    client.cookies.set("azx_session", body[:-2] + "AA." + mac, path="/app")
    assert client.get("/app/forms", follow_redirects=False).status_code == 303


def test_the_fill_page_shows_the_apis_problems_on_the_fields_chinese_first(
        site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app))
    page = client.get("/app/forms/report/fill?profile=shandong")
    # Two hazard rows, the first left empty (dropped), the second without its grade.
    r = client.post("/app/forms/report/fill?profile=shandong", data={
        "csrf": _csrf(page.text), "_action": "check", "hazards.__rows": "2",
        "hazards.1.description": "配电箱未接地"})
    assert r.status_code == 422
    field = re.search(r'<fieldset class="choice invalid" id="f-hazards-1-grade"', r.text)
    assert field, "the missing grade is shown on the second row's grade"
    shown = r.text[field.end():r.text.index("</fieldset>", field.end())]
    zh, en = shown.index("缺少必填字段"), shown.index("is required")
    assert zh < en


def test_rows_are_added_and_removed_without_script(site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app))
    csrf = _csrf(client.get("/app/forms/report/fill?profile=shandong").text)
    r = client.post("/app/forms/report/fill?profile=shandong", data={
        "csrf": csrf, "_action": "add:risks", "risks.__rows": "1", "risks.0.name": "触电"})
    assert 'name="risks.__rows" value="2"' in r.text and 'name="risks.1.name"' in r.text
    r = client.post("/app/forms/report/fill?profile=shandong", data={
        "csrf": csrf, "_action": "remove:risks.0", "risks.__rows": "2", "risks.0.name": "触电",
        "risks.1.name": "高处坠落"})
    assert 'name="risks.__rows" value="1"' in r.text
    assert re.search(r'name="risks.0.name" type="text" value="高处坠落"', r.text)


def test_an_auditor_may_fill_but_not_archive(site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app, role="auditor"))
    page = client.get("/app/forms/callback/fill?profile=shandong")
    assert 'value="archive"' not in page.text
    r = client.post("/app/forms/callback/fill?profile=shandong",
                    data={"csrf": _csrf(page.text), "_action": "archive"})
    assert r.status_code in (403, 422)  # the form is checked first; archiving is refused


# -- preview, photos, maps ---------------------------------------------------------------------

CALLBACK_FIELDS = {"policy.policy_no": "PZAS202637010000012345", "caller": "王晓明",
                   "caller_phone": "0531-88886666", "insured_name": "济南鲁通物流集团有限公司",
                   "service_items": "安全生产宣传教育培训", "process": "开展培训 1 场。",
                   "callback_time": "2026-03-20T10:30", "attitude": "好", "skill": "好",
                   "closure": "已完成", "overall": "非常满意"}


def _png(colour: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_the_preview_shows_every_page_as_an_inline_png(site: tuple[TestClient, object]) -> None:
    import base64
    import io

    from PIL import Image
    from pypdf import PdfReader

    client, app = site
    _sign_in(client, _key(app))
    csrf = _csrf(client.get("/app/forms/callback/fill?profile=shandong").text)
    r = client.post("/app/forms/callback/fill?profile=shandong",
                    data=CALLBACK_FIELDS | {"csrf": csrf, "_action": "preview"})
    assert r.status_code == 200, r.text[:2000]
    pages = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"[^>]*alt="[^"]*第 (\d+) 页预览"',
                       r.text)
    # as many pictures as the downloaded PDF has pages, in order, each a page-shaped PNG
    pdf = client.post("/app/forms/callback/fill?profile=shandong",
                      data=CALLBACK_FIELDS | {"csrf": csrf, "_action": "pdf"}).content
    total = len(PdfReader(io.BytesIO(pdf)).pages)
    assert [int(n) for _, n in pages] == list(range(1, min(total, 6) + 1))
    assert f"共 {total} 页" in r.text
    for b64, _ in pages:
        with Image.open(io.BytesIO(base64.b64decode(b64))) as im:
            assert im.format == "PNG" and 1.3 < im.height / im.width < 1.5  # A4 portrait
    # the values stay in the page for the next step
    assert 'value="0531-88886666"' in r.text


def test_a_photo_is_sent_once_kept_by_digest_and_printed(site: tuple[TestClient, object],
                                                         tmp_path: Path) -> None:
    import hashlib
    import subprocess

    client, app = site
    _sign_in(client, _key(app))
    csrf = _csrf(client.get("/app/forms/callback/fill?profile=shandong").text)
    photo = _png()
    digest = hashlib.sha256(photo).hexdigest()
    r = client.post("/app/forms/callback/fill?profile=shandong",
                    data=CALLBACK_FIELDS | {"csrf": csrf, "_action": "check"},
                    files={"process_photos.__file": ("现场.png", photo, "image/png")})
    assert r.status_code == 200, r.text[:2000]
    assert f'name="process_photos.__photo" value="{digest}" checked' in r.text
    assert '<img src="data:image/jpeg;base64,' in r.text and "现场.png" in r.text
    # the next post carries only the digest
    r = client.post("/app/forms/callback/fill?profile=shandong", data=CALLBACK_FIELDS | {
        "csrf": csrf, "_action": "pdf", "process_photos.__photo": digest})
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    pdf = tmp_path / "filled.pdf"
    pdf.write_bytes(r.content)
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout
    assert any(line.split()[3:5] == ["64", "48"] for line in listed.splitlines()[2:]), listed

    # another session (another tenant) cannot use the digest: no photo in its PDF
    _sign_in(client, _key(app, tenant="web-other"))
    csrf = _csrf(client.get("/app/forms/callback/fill?profile=shandong").text)
    r = client.post("/app/forms/callback/fill?profile=shandong", data=CALLBACK_FIELDS | {
        "csrf": csrf, "_action": "pdf", "process_photos.__photo": digest})
    pdf.write_bytes(r.content)
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout
    assert not any(line.split()[3:5] == ["64", "48"] for line in listed.splitlines()[2:])
    r = client.post("/app/forms/callback/fill?profile=shandong", data=CALLBACK_FIELDS | {
        "csrf": csrf, "_action": "check", "process_photos.__photo": "../" + digest})
    assert r.status_code == 200 and digest not in r.text


def test_a_file_that_is_no_image_is_a_problem_on_the_photo_field(
        site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app))
    csrf = _csrf(client.get("/app/forms/callback/fill?profile=shandong").text)
    r = client.post("/app/forms/callback/fill?profile=shandong",
                    data=CALLBACK_FIELDS | {"csrf": csrf, "_action": "check"},
                    files={"process_photos.__file": ("x.png", b"not an image", "image/png")})
    assert r.status_code == 422
    assert re.search(r'<fieldset class="photos invalid" id="f-process_photos"', r.text)


def _form_values(specs: object, data: object, prefix: str = "") -> dict[str, list[str]]:
    """``data`` as the page's fields would post it."""
    out: dict[str, list[str]] = {}
    for spec in specs:  # type: ignore[attr-defined]
        if not isinstance(data, dict) or spec.key not in data:
            continue
        value, name = data[spec.key], prefix + spec.key
        if spec.kind == "group":
            out |= _form_values(spec.children, value, name + ".")
            if spec.entry:
                out[name + ".__set"] = ["1"]
        elif spec.kind == "rows":
            out[name + ".__rows"] = [str(len(value))]
            for i, row in enumerate(value):
                out |= _form_values(spec.children, row, f"{name}.{i}.")
        elif spec.kind == "choices":
            out[name] = [str(v) for v in value]
        elif spec.kind == "lines":
            out[name] = ["\n".join(value)]
        elif spec.kind == "bool":
            out[name] = ["1"] if value else []
        elif spec.kind == "json":
            import json

            out[name] = [json.dumps(value, ensure_ascii=False)]
        elif spec.kind != "photos":
            out[name] = [str(value)]
    return out


@pytest.mark.parametrize(("doc_type", "profile", "field"), [
    ("callback", "chengdu", "findings"), ("annual_evaluation", "chengdu", "findings"),
    ("annual_evaluation", "wenzhou", "scores"), ("chengdu_table_2", "chengdu", "survey"),
    ("chengdu_table_13", "chengdu", "results"), ("report", "shandong", "costs")])
def test_maps_are_sub_forms_that_give_back_the_examples_data(
        doc_type: str, profile: str, field: str) -> None:
    import json

    from domain.catalog import get_kind, parse_data
    from services.web_forms import collect, form_specs

    specs = form_specs(doc_type, profile)
    spec = next(s for s in specs if s.key == field)
    assert spec.kind == "group" and spec.children and all(c.title != c.key for c in spec.children)
    example = json.loads((Path(__file__).resolve().parent.parent.parent / "examples"
                          / f"{doc_type}-{profile}.json").read_text("utf-8"))["data"]
    got = collect(specs, _form_values(specs, example)).data
    kind = get_kind(doc_type, profile)
    assert parse_data(kind, got).model_dump()[field] == parse_data(kind, example).model_dump()[field]


def test_a_scanned_code_opens_the_verify_page_here_and_never_elsewhere(
        site: tuple[TestClient, object]) -> None:
    client, app = site
    _sign_in(client, _key(app, role="auditor"))
    rid = "AZX-26CBK-W7ADW-TMR5A-0"
    h, k, s = "A" * 43, "k1", "B" * 86
    for code, target in (
            (rid, f"/verify/{rid}"), (rid.lower(), f"/verify/{rid}"),
            (f"https://azx.example.cn/verify/{rid}?h={h}&k={k}&s={s}",
             f"/verify/{rid}?h={h}&k={k}&s={s}"),
            (f"https://evil.example/verify/{rid}?h={h}&k={k}&s={s}&next=//evil",
             f"/verify/{rid}?h={h}&k={k}&s={s}"),
            (f"//evil.example/verify/{rid}", f"/verify/{rid}")):
        r = client.get("/app/scan/open", params={"code": code}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == target, (code, r.headers)
    for code in ("https://evil.example/", "javascript:alert(1)", "AZX-NOPE", ""):
        r = client.get("/app/scan/open", params={"code": code}, follow_redirects=False)
        assert r.status_code == 422 and "无法识别" in r.text
    page = client.get("/app/scan")
    assert '<script src="/app/static/vendor/jsQR-1.4.0.js" defer>' in page.text
    assert client.get("/app/static/vendor/jsQR-1.4.0.js").status_code == 200
    assert "camera=(self)" in page.headers["permissions-policy"]


def test_the_record_page_links_the_checklist_the_checks_and_the_package(
        site: tuple[TestClient, object]) -> None:
    import json

    client, app = site
    owner = _key(app, tenant="web-rec", role="insurer")
    body = json.loads((Path(__file__).resolve().parent.parent.parent / "examples"
                       / "callback-shandong.json").read_text("utf-8"))
    client.cookies.clear()
    r = client.post("/v1/documents", json=body, headers={"Authorization": f"Bearer {owner}"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    _sign_in(client, _key(app, tenant="web-rec", role="auditor"))
    page = client.get(f"/app/records/{rid}")
    for part, magic in (("archive-contents.pdf", b"%PDF-"), ("checks.pdf", b"%PDF-"),
                        ("package.zip", b"PK")):
        assert f'href="/app/records/{rid}/{part}"' in page.text
        got = client.get(f"/app/records/{rid}/{part}")
        assert got.status_code == 200 and got.content.startswith(magic), (part, got.text[:300])
        assert got.headers["content-disposition"].startswith("attachment;")


def test_the_photo_stash_keeps_each_sessions_own_and_has_a_cap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.web_files as wf

    stash = wf.PhotoStash(tmp_path, lifetime_seconds=3600)
    kept = stash.put("session-one", "../../a.png", _png())
    assert kept.filename == "a.png" and kept.thumbnail.startswith(b"\xff\xd8")
    assert stash.get("session-one", kept.digest) is not None
    assert stash.get("session-two", kept.digest) is None
    assert stash.get("session-one", "../" + kept.digest) is None
    with pytest.raises(ValueError):
        stash.put("../escape", "a.png", _png())
    monkeypatch.setattr(wf, "MAX_SESSION_PHOTOS", 2)
    stash.put("session-one", "b.png", _png("blue"))
    stash.put("session-one", "a.png", _png())  # the same photo again: no new one
    with pytest.raises(wf.SessionFull):
        stash.put("session-one", "c.png", _png("green"))


# -- the record page: signature level and audit events -------------------------------------------


def _archived(client: TestClient, app: object, tenant: str) -> str:
    import json

    owner = _key(app, tenant=tenant, role="insurer")
    body = json.loads((Path(__file__).resolve().parent.parent.parent / "examples"
                       / "callback-shandong.json").read_text("utf-8"))
    client.cookies.clear()
    r = client.post("/v1/documents", json=body, headers={"Authorization": f"Bearer {owner}"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _entries(html: str, list_id: str) -> list[dict[str, str]]:
    """The entries of the list ``list_id`` of the record page, by part (at, what, who, detail)."""
    items = html.split(f'id="{list_id}"', 1)[1].split("</ol>", 1)[0].split("</ul>", 1)[0]
    return [{m.group(1): re.sub(r"<[^>]+>", "", m.group(2)).strip()
             for m in re.finditer(r'class="e-(\w+)">(.*?)</(?:span|strong)>', li, re.S)}
            for li in re.findall(r"<li>(.*?)</li>", items, re.S)]


def test_the_record_page_shows_the_signature_level_and_the_tenants_audit_events(
        site: tuple[TestClient, object]) -> None:
    client, app = site
    rid = _archived(client, app, "web-audit")
    reader = _key(app, tenant="web-audit", role="auditor")
    stranger = _key(app, tenant="web-audit-other", role="admin")
    _sign_in(client, stranger)  # a refused look from another tenant: not in this tenant's list
    assert client.get(f"/app/records/{rid}").status_code == 404
    _sign_in(client, reader)
    assert client.get(f"/app/records/{rid}/file.pdf").status_code == 200  # a "read" event
    page = client.get(f"/app/records/{rid}")
    assert page.status_code == 200
    level = re.search(r'<dd id="seal-level">([^<]*)</dd>', page.text)
    assert level and level.group(1) == "PAdES B-B"  # no time stamp authority in the tests
    signatures = _entries(page.text, "signatures")
    assert signatures and signatures[-1]["what"] == "PAdES B-B"
    assert signatures[-1]["detail"] == "有效"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", signatures[-1]["at"])
    events = _entries(page.text, "events")
    actions = [e["what"] for e in events]
    assert actions[0] == "提交归档" and "读取" in actions and "拒绝访问" not in actions
    owner_id = events[0]["who"].split(" · ")[0]
    assert events[0]["who"] == f"{owner_id} · 承保机构" and len(owner_id) <= 16
    assert events[0]["detail"] == "type=callback · profile=shandong"
    reader_id = reader.split("_")[1]
    assert f"{reader_id} · 审计人员" in [e["who"] for e in events]
    assert "part=pdf" in [e.get("detail") for e in events]
    assert stranger.split("_")[1] not in page.text  # another tenant's key never shown
    assert reader not in page.text and reader.split("_", 2)[2] not in page.text  # no secret
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", e["at"]) for e in events)
    # Beijing time: the archiving happened within a minute of now, seen from UTC+8
    from datetime import UTC, datetime, timedelta

    first = datetime.strptime(events[0]["at"], "%Y-%m-%d %H:%M:%S")
    now_beijing = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=8)
    assert abs((now_beijing - first).total_seconds()) < 600
    en = client.get("/app/lang?to=en&next=/app/records/" + rid)
    assert "Signature level" in en.text and "Audit events" in en.text and "read" in en.text
    client.get("/app/lang?to=zh")


def test_the_record_page_names_a_long_term_level_and_survives_a_store_outage(
        site: tuple[TestClient, object], monkeypatch: pytest.MonkeyPatch) -> None:
    from storage import StorageUnavailable

    client, app = site
    rid = _archived(client, app, "web-lta")
    _sign_in(client, _key(app, tenant="web-lta", role="auditor"))
    verifier = app.state.ctx.verifier  # type: ignore[attr-defined]
    real = verifier.verify_id

    def long_term(record_id: str, **kw: bool) -> dict[str, Any]:
        out = real(record_id, **kw)
        out["signers"][-1] |= {"level": "B-LTA", "evidence_until": "2031-03-20T02:00:00Z"}
        out["evidence"] = (out.get("evidence") or {}) | {"renewals": 2}
        return out

    monkeypatch.setattr(verifier, "verify_id", long_term)
    page = client.get(f"/app/records/{rid}")
    assert "PAdES B-LTA · 存档时间戳续期 2 次" in page.text
    assert "证据有效至 2031-03-20" in page.text

    def down(record_id: str, **kw: bool) -> dict[str, Any]:
        raise StorageUnavailable("the store does not answer")

    monkeypatch.setattr(verifier, "verify_id", down)
    page = client.get(f"/app/records/{rid}")
    assert page.status_code == 200 and "暂时无法读取" in page.text and rid in page.text


# -- sessions shared by every API process ---------------------------------------------------------


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_signing_out_on_one_process_ends_the_session_on_every_other(
        db: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from services.web_sessions import prune_ended
    from storage.tables import web_sessions_ended

    url = (request.getfixturevalue("postgres_url") if db == "postgresql"
           else f"sqlite:///{tmp_path / 'shared-registry.sqlite3'}")

    def process(name: str) -> object:  # one registry, one session secret, own data dirs
        return create_app(Settings(data_dir=tmp_path / name, database_url=url,
                                   web_session_secret="one secret for every process"))

    a_app, b_app = process("a"), process("b")
    with TestClient(a_app, base_url="https://testserver") as a, \
            TestClient(b_app, base_url="https://testserver") as b:
        _sign_in(a, _key(a_app, tenant="web-two", role="auditor"))
        token = a.cookies.get("azx_session") or ""
        b.cookies.set("azx_session", token, path="/app")
        assert b.get("/app/records", follow_redirects=False).status_code == 200  # B reads it
        page = a.get("/app/records")
        r = a.post("/app/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
        assert r.status_code == 303
        refused = b.get("/app/records", follow_redirects=False)  # B never saw the sign-out
        assert refused.status_code == 303 and refused.headers["location"] == "/app/login"
        a.cookies.set("azx_session", token, path="/app")
        assert a.get("/app/records", follow_redirects=False).status_code == 303

        engine = b_app.state.ctx.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            rows = conn.execute(select(web_sessions_ended)).all()
        assert len(rows) == 1 and rows[0].expires_at > datetime.now(UTC)
        assert token not in str(tuple(rows[0]))  # the session ID, not the token
        assert b_app.state.ctx.prune_web_sessions() == 0  # type: ignore[attr-defined]
        assert prune_ended(engine, rows[0].expires_at + timedelta(seconds=1)) == 1
