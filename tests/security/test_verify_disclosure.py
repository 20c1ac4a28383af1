"""The public verify shows a stranger only what anyone may know — ID, type, authentic or not —
and whoever holds the document (the QR code's signed token) what its page prints plus the status
an auditor needs. Names are shown without bidi or zero-width marks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from api.main import create_app
from core.settings import Settings
from services.keys import create_key
from services.verify import find_verify_urls
from storage.tables import records
from tests.conftest import TestClient

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


@dataclass
class Held:
    """A record that was corrected, put under legal hold and kept longer: what a stranger
    must not learn from its ID."""

    client: TestClient
    id: str
    token_path: str  # /verify/<id>?h=…&k=…&s=… from its QR code
    successor: str
    insured: str
    engine: Any


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Held]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("disclosure")))
    with TestClient(app) as client:
        engine = app.state.ctx.engine
        admin = {"Authorization": "Bearer " + create_key(engine, "人保济南", "admin")}
        body = json.loads((EXAMPLES / "report-shandong.json").read_text("utf-8"))
        rec = client.post("/v1/documents", json=body, headers=admin).json()
        rid = rec["id"]
        assert client.post(f"/v1/documents/{rid}/legal-hold", headers=admin,
                           json={"on": True, "reason": "理赔争议"}).status_code == 200
        assert client.post(f"/v1/documents/{rid}/retention", headers=admin, json={
            "retain_until": "2045-06-30T00:00:00+00:00", "reason": "事故调查"}).status_code == 200
        new = client.post("/v1/documents", headers=admin, json=body | {"supersedes": rid}).json()
        pdf = client.get(f"/v1/documents/{rid}.pdf", headers=admin).content
        (url,) = set(find_verify_urls(pdf) or [])
        parts = urlsplit(url)
        yield Held(client, rid, f"{parts.path}?{parts.query}", new["id"], rec["insured"], engine)


def test_without_the_token_a_stranger_learns_id_type_and_authenticity_only(held: Held) -> None:
    body = held.client.get(f"/v1/verify/{held.id}").json()
    assert body["authentic"] is True and body["type"] == "report"
    assert body["disclosure"] == "public"
    for key in ("legal_hold", "retain_until", "superseded_by", "supersedes", "created_at",
                "insured", "policy_no", "current", "sha256"):
        assert body[key] is None, key
    assert body["notices"] == []  # not even "superseded"
    page = held.client.get(f"/verify/{held.id}").text
    for secret in (held.successor, "2045", "法律保全", "已被更正", held.insured):
        assert secret not in page, secret
    assert "真实有效" in page and "扫描文书上的二维码" in page


def test_with_the_token_the_holder_sees_status_as_dates(held: Held) -> None:
    body = held.client.get(f"/v1{held.token_path}").json()
    assert body["disclosure"] == "holder"
    assert body["legal_hold"] is True and body["superseded_by"] == held.successor
    assert body["current"] is False and body["retain_until"] == "2045-06-30"
    assert len(body["created_at"]) == 10  # the day, never the exact moment
    page = held.client.get(held.token_path).text
    assert held.successor in page and "2045-06-30" in page and "是 / yes" in page


def test_a_forged_token_is_a_stranger(held: Held) -> None:
    forged = held.token_path.replace("&s=", "&s=A", 1)
    body = held.client.get(f"/v1{forged}").json()
    assert body["authentic"] is False and body["disclosure"] == "public"
    assert body["legal_hold"] is None and body["superseded_by"] is None


def test_names_are_shown_without_bidi_or_zero_width_marks(held: Held) -> None:
    disguised = held.insured[:2] + "\u202e\u200b" + held.insured[2:]
    with held.engine.begin() as conn:  # a name stored before such characters were refused
        conn.execute(update(records).where(records.c.id == held.id)
                     .values(insured_name=disguised))
    try:
        body = held.client.get(f"/v1{held.token_path}").json()
        assert body["insured"] == held.insured
        assert "\u202e" not in held.client.get(held.token_path).text
    finally:
        with held.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == held.id)
                         .values(insured_name=held.insured))
