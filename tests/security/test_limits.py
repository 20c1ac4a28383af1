"""Limits: what one caller, and one request, may cost (issue "No one in, nothing altered unseen", 5).

Finding: no rate limits — an unauthenticated ``POST /v1/verify`` with a 19 MiB padded PDF cost
7.5 s of CPU, and 112 photos of 40 MP in one form cost 50 s.

Rate limits are tested on apps of their own with small limits (the session app keeps the
generous defaults the rest of the suite runs under); the shared Redis store on a random database
(1–14) of the machine's Redis. The budgets are tested through the routes, with photos that are
large in pixels but tiny in bytes (a single-colour 6000×6000 PNG is a few kB) and PDFs made here.
"""

from __future__ import annotations

import base64
import copy
import io
import logging
import secrets
import socket
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.settings import Settings
from tests.conftest import TestClient, bearer

RECORD = "AZX-26RPT-5XR67-E5Q2A-3"  # well formed, not archived
PUBLIC = ["/healthz", f"/v1/verify/{RECORD}", f"/verify/{RECORD}", "/.well-known/jwks.json"]


def limited_app(tmp_path: Path, **limits: Any) -> Any:
    from api.main import create_app

    everything_off = {"rate_limit_address": "0", "rate_limit_key": "0", "rate_limit_verify": "0"}
    return create_app(Settings(data_dir=tmp_path, **{**everything_off, **limits}))


def assert_rate_limited(r: Any) -> int:
    """A 429 with the service's bilingual body and a whole-second Retry-After; returns it."""
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["error"] == "rate_limited"
    assert "频繁" in body["message_zh"] and "retry after" in body["message_en"]
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    return retry_after


# -- rate limits ------------------------------------------------------------------------------


def test_an_address_over_its_limit_gets_429_with_retry_after_on_every_route(
        tmp_path: Path) -> None:
    app = limited_app(tmp_path, rate_limit_address="4/minute")
    with TestClient(app, client=("198.51.100.7", 40000)) as client:
        # the public routes, the verify page a QR code opens included, each count
        assert [client.get(path).status_code for path in PUBLIC] == [200, 200, 200, 200]
        for path in [*PUBLIC, "/v1/forms"]:
            assert_rate_limited(client.get(path))
        # another address has its own allowance
        other = TestClient(app, client=("198.51.100.8", 40000))
        assert other.get("/healthz").status_code == 200


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app limiting keys to 3 and POST /v1/verify to 2 requests a minute (addresses off)."""
    app = limited_app(tmp_path_factory.mktemp("keyed"), rate_limit_key="3/minute",
                      rate_limit_verify="2/minute")
    with TestClient(app) as client:
        yield client


def test_a_key_over_its_limit_gets_429_and_other_keys_keep_theirs(keyed: TestClient) -> None:
    from services.keys import create_key

    engine = keyed.app.state.ctx.engine  # type: ignore[attr-defined]
    mine, theirs = (create_key(engine, "限流", "insurer") for _ in range(2))
    assert [keyed.get("/v1/forms", headers=bearer(mine)).status_code
            for _ in range(3)] == [200, 200, 200]
    assert_rate_limited(keyed.get("/v1/forms", headers=bearer(mine)))
    # the same address, another key: not limited (the limit is the key's)
    assert keyed.get("/v1/forms", headers=bearer(theirs)).status_code == 200
    # a wrong secret with the same key id is another bucket: it cannot spend a key's allowance
    key_id = theirs.split("_")[1]
    for _ in range(3):
        assert keyed.get("/v1/forms", headers=bearer(f"azx_{key_id}_wrong")).status_code == 401
    assert keyed.get("/v1/forms", headers=bearer(theirs)).status_code == 200


def test_post_verify_has_its_own_lower_limit(keyed: TestClient) -> None:
    def post() -> Any:
        return keyed.post("/v1/verify", content=b"not a pdf",
                          headers={"Content-Type": "application/pdf"})

    assert [post().status_code for _ in range(2)] == [422, 422]
    assert_rate_limited(post())
    # the cheap public routes of the same address are not held by the verify limit
    assert keyed.get(f"/v1/verify/{RECORD}").status_code == 200


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(tmp_path: Path) -> None:
    spoofing = TestClient(limited_app(tmp_path / "a", rate_limit_address="2/minute"),
                          client=("203.0.113.9", 1))
    answers = [spoofing.get("/healthz", headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
               for i in range(3)]
    assert answers == [200, 200, 429]  # a client cannot name itself someone else

    proxied = TestClient(limited_app(tmp_path / "b", rate_limit_address="2/minute",
                                     trusted_proxies=["203.0.113.0/24"]),
                         client=("203.0.113.9", 1))

    def via_proxy(client_ip: str) -> int:
        # what the client wrote, then what the trusted proxy saw
        xff = f"10.9.9.9, {client_ip}"
        return int(proxied.get("/healthz", headers={"X-Forwarded-For": xff}).status_code)

    assert [via_proxy("192.0.2.1") for _ in range(3)] == [200, 200, 429]
    assert via_proxy("192.0.2.2") == 200  # another client behind the same proxy


def _redis_db() -> int:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1.0):
            pass
    except OSError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    return secrets.choice(range(1, 15))


def test_counts_in_redis_are_shared_by_two_app_instances(tmp_path: Path) -> None:
    import redis

    db, prefix = _redis_db(), f"azxlim{secrets.token_hex(4)}"
    store = f"redis://127.0.0.1:6379/{db}"
    apps = [limited_app(tmp_path / name, rate_limit_address="3/minute", rate_limit_storage=store,
                        queue_prefix=prefix) for name in ("one", "two")]
    one, two = (TestClient(app, client=("198.51.100.20", 1)) for app in apps)
    try:
        assert [c.get("/healthz").status_code for c in (one, two, one)] == [200, 200, 200]
        # three requests spent between the two processes: both refuse the fourth
        assert_rate_limited(two.get("/healthz"))
        assert_rate_limited(one.get("/healthz"))
        assert redis.Redis(db=db).keys(f"{prefix}:limits*")  # the counts are in Redis
    finally:
        r = redis.Redis(db=db)
        for key in r.scan_iter(f"{prefix}:limits*"):
            r.delete(key)


def test_the_embedded_default_counts_in_process_and_never_needs_redis(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import redis.connection

    def no_redis(*_: Any, **__: Any) -> None:
        raise AssertionError("the embedded default opened a Redis connection")

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", no_redis)
    defaults = Settings(data_dir=tmp_path)
    assert defaults.broker_url is None and defaults.rate_limit_storage is None
    # the defaults are on, and generous: hundreds of quick calls of the test suite pass
    assert defaults.rate_limit_address and defaults.rate_limit_key and defaults.rate_limit_verify
    client = TestClient(limited_app(tmp_path, rate_limit_address="2/minute"))
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]


def test_an_unreachable_redis_falls_back_to_counting_in_process(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = limited_app(tmp_path, rate_limit_address="2/minute",
                      rate_limit_storage=f"redis://127.0.0.1:{port}/0")
    client = TestClient(app)
    with caplog.at_level(logging.WARNING, logger="azx.ratelimit"):
        assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]
    assert "counting in this process" in caplog.text


# -- the photo budget -------------------------------------------------------------------------


@cache
def big_photo(side: int = 6000) -> str:
    """A single-colour PNG of side × side pixels: 36 MP, a few kB."""
    out = io.BytesIO()
    Image.new("1", (side, side), 1).save(out, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def photos(n: int) -> list[dict[str, str]]:
    return [{"filename": f"现场{i}.png", "data": big_photo()} for i in range(n)]


@pytest.fixture(scope="module")
def report(examples: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
    """The report example with ``n`` 36 MP photos on its first hazard."""
    def make(n: int) -> dict[str, Any]:
        body = copy.deepcopy(examples["report-shandong"])
        body["data"]["hazards"][0]["photos"] = photos(n)
        return body

    return make


def problems_of(r: Any) -> dict[str, str]:
    """rule → path of each problem of a 422."""
    assert r.status_code == 422, r.text[:500]
    return {p["rule"]: p["path"] for p in r.json()["problems"]}


def test_a_prefilled_form_over_the_photo_budget_is_refused_naming_the_photo(
        app_client: TestClient, insurer_headers: dict[str, str],
        report: Callable[[int], dict[str, Any]]) -> None:
    from domain.common import MAX_PHOTO_PIXELS, Photo

    # each photo: a few kB, within the per-photo limit, accepted on its own; five fit the
    # request's 200 MP, the sixth crosses it
    assert len(base64.b64decode(big_photo().split(",", 1)[1])) < 20_000
    assert MAX_PHOTO_PIXELS >= 6000 * 6000
    Photo.model_validate({"data": big_photo()})
    body = report(6)
    r = app_client.post("/v1/forms/report.docx", json=body["data"], headers=insurer_headers)
    assert problems_of(r) == {"photo_budget": "data.hazards[0].photos[5]"}
    assert "200" in r.json()["problems"][0]["message_zh"]


def test_a_document_over_the_photo_budget_is_refused_with_its_other_problems(
        app_client: TestClient, insurer_headers: dict[str, str],
        report: Callable[[int], dict[str, Any]]) -> None:
    body = report(6)
    body["supersedes"] = RECORD  # not archived: a second problem, reported at once
    r = app_client.post("/v1/documents", json=body, headers=insurer_headers)
    assert problems_of(r) == {"photo_budget": "data.hazards[0].photos[5]",
                              "unknown_record": "supersedes"}
    # an async job is checked the same way when it is accepted
    r = app_client.post("/v1/documents?mode=async", json=body, headers=insurer_headers)
    assert problems_of(r)["photo_budget"] == "data.hazards[0].photos[5]"


def test_hazard_changes_over_the_photo_budget_are_refused_before_anything_else(
        app_client: TestClient, insurer_headers: dict[str, str],
        examples: dict[str, Any]) -> None:
    r = app_client.post("/v1/hazards/hz_0000000000000000/rectify",
                        json={"note": "已整改", "photos": photos(6)}, headers=insurer_headers)
    assert problems_of(r) == {"photo_budget": "photos[5]"}
    row = copy.deepcopy(examples["chengdu_table_9-chengdu"]["data"]["rows"][0])
    row.update(photos=photos(3), rectification_photos=photos(3))
    r = app_client.post("/v1/hazards", json={"policy_no": "P-1", "insured_name": "某公司",
                                            "hazard": row}, headers=insurer_headers)
    assert problems_of(r) == {"photo_budget": "hazard.rectification_photos[2]"}


def test_the_photo_budget_reads_headers_only_and_lets_five_photos_through(
        monkeypatch: pytest.MonkeyPatch, report: Callable[[int], dict[str, Any]]) -> None:
    from domain.budget import MAX_REQUEST_PHOTO_PIXELS, photo_budget_problem
    from domain.catalog import get_kind

    def no_decoding(*_: Any, **__: Any) -> None:
        raise AssertionError("a photo was decoded")

    big_photo()  # made (and so drawn) before decoding is forbidden
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    model = get_kind("report", "shandong").model
    assert MAX_REQUEST_PHOTO_PIXELS == 200_000_000
    assert photo_budget_problem(model, report(5)["data"], ("data",)) is None
    spread = report(0)["data"]  # counted across rows and tables, in document order
    spread["risks"][0]["photos"] = photos(3)
    spread["hazards"][1]["photos"] = photos(3)
    problem = photo_budget_problem(model, spread, ("data",))
    assert problem is not None and problem.pointer == "data.hazards[1].photos[2]"


# -- PDFs posted to verify --------------------------------------------------------------------


def blank_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def post_pdf(client: TestClient, pdf: bytes) -> Any:
    return client.post("/v1/verify", content=pdf, headers={"Content-Type": "application/pdf"})


def test_a_pdf_over_the_page_budget_is_refused_before_any_signature_work(
        app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.verify

    checked: list[int] = []
    monkeypatch.setattr(services.verify, "inspect_pdf_signatures",
                        lambda pdf, roots: checked.append(len(pdf)) or [])
    limit = Settings().verify_max_pages
    r = post_pdf(app_client, blank_pdf(limit + 1))
    assert problems_of(r) == {"pdf_pages": "body"}
    assert f"{limit + 1}" in r.json()["problems"][0]["message_en"]
    assert checked == []  # refused before the signatures were looked at
    assert post_pdf(app_client, blank_pdf(3)).status_code == 200  # within the budget: checked
    assert len(checked) == 1


def test_a_padded_pdf_is_refused_early(app_client: TestClient) -> None:
    pdf = blank_pdf(1)
    padded = {
        "spaces after %%EOF": pdf + b" " * (2 * 1024 * 1024),
        "blanks before startxref": pdf.replace(b"startxref", b" " * (2 * 1024 * 1024)
                                               + b"startxref"),
        "a comment before startxref": pdf.replace(b"startxref", b"%" + b"A" * (2 * 1024 * 1024)
                                                  + b"\nstartxref"),
        "many comment lines": pdf.replace(b"startxref", b"%AAAAAAA\n" * 400_000 + b"startxref"),
    }
    for what, body in padded.items():
        assert problems_of(post_pdf(app_client, body)) == {"pdf_padding": "body"}, what


def test_a_pdf_with_a_bloated_incremental_update_is_refused(app_client: TestClient) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(blank_pdf(1)))
    pad = generic.ArrayObject(w.add_object(generic.NumberObject(i)) for i in range(60_000))
    w.root[generic.NameObject("/Pad")] = w.add_object(pad)
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    assert problems_of(post_pdf(app_client, out.getvalue())) == {"pdf_revisions": "body"}


def test_the_service_s_own_pdfs_are_within_every_pdf_rule(
        settings: Settings, examples: dict[str, Any]) -> None:
    from domain.budget import check_pdf_upload
    from domain.catalog import get_kind, parse_data
    from services.render import build, render_document
    from signing.pdf_meta import embed_record_id
    from signing.pdf_signer import ServiceSigner

    kind = get_kind("report", "shandong")
    data = copy.deepcopy(examples["report-shandong"]["data"])
    data["hazards"] = data["hazards"] * 200  # a long report: long structure lines, 40+ pages
    pdf = render_document(build(kind, parse_data(kind, data), record_id=RECORD), "pdf")
    signed = ServiceSigner.from_settings(settings).sign_pdf(
        embed_record_id(pdf, RECORD), field_name="AZX-Service", reason="t", signer_name="AZX")
    check_pdf_upload(signed, Settings().verify_max_pages)  # no problem raised
