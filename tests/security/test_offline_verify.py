"""Offline verification checks exactly what online verification checks of the file itself
(one shared code path, ``services.verify._check_file``): a change to any class of byte of a
signed PDF — the signed content, the signature value, the padding after it, the byte range,
the case of one hex digit — is refused by both."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from core.settings import Settings
from domain.errors import DomainValidationError
from services.keys import create_key
from services.verify import verify_pdf_offline
from tests.conftest import TestClient

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[bytes, Any, Any, Any]]:
    """(archived PDF, JWKS, certificate PEM, a function posting a PDF to /v1/verify)."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("offline")))
    with TestClient(app) as client:
        key = create_key(app.state.ctx.engine, "人保济南", "insurer")
        auth = {"Authorization": f"Bearer {key}"}
        body = json.loads((EXAMPLES / "callback-shandong.json").read_text("utf-8"))
        rec = client.post("/v1/documents", json=body, headers=auth).json()
        pdf = client.get(f"/v1/documents/{rec['id']}.pdf", headers=auth).content
        jwks = client.get("/.well-known/jwks.json").json()
        cert = client.get("/.well-known/azx-signing-cert.pem").content

        def online(data: bytes) -> dict[str, Any]:
            r = client.post("/v1/verify", content=data,
                            headers={"Content-Type": "application/pdf"})
            assert r.status_code in (200, 422), r.text
            return dict(r.json())

        yield pdf, jwks, cert, online


def _last_gap(pdf: bytes) -> tuple[int, int]:
    """(start, end) of the last signature's /Contents hex string, '<' and '>' included."""
    a, b, c, _ = (int(x) for x in list(_RANGE.finditer(pdf))[-1].groups())
    return a + b, c


def _set(pdf: bytes, at: int, byte: bytes) -> bytes:
    assert pdf[at:at + 1] != byte
    return pdf[:at] + byte + pdf[at + 1:]


def content_byte(pdf: bytes) -> bytes:
    at = pdf.index(b"stream", pdf.index(b"/Length")) + len(b"stream\n") + 10
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


def signature_value(pdf: bytes) -> bytes:
    start, _ = _last_gap(pdf)
    at = start + 200  # well inside the DER of the signature
    return _set(pdf, at, b"A" if pdf[at:at + 1] != b"A" else b"B")


def padding(pdf: bytes) -> bytes:
    _, end = _last_gap(pdf)
    at = end - 10  # the trailing zeros after the DER
    assert pdf[at:at + 1] == b"0"
    return _set(pdf, at, b"7")


def hex_case(pdf: bytes) -> bytes:
    start, _ = _last_gap(pdf)
    at = next(i for i in range(start + 1, start + 400) if pdf[i:i + 1] in b"ABCDEF")
    return _set(pdf, at, pdf[at:at + 1].lower())


def byte_range(pdf: bytes) -> bytes:
    m = list(_RANGE.finditer(pdf))[-1]
    at = m.start(4) + len(m.group(4)) - 1  # the last digit of the last length
    digit = pdf[at:at + 1]
    return _set(pdf, at, b"1" if digit != b"1" else b"2")


MUTATIONS: dict[str, Callable[[bytes], bytes]] = {
    "content": content_byte, "signature_value": signature_value, "padding": padding,
    "hex_case": hex_case, "byte_range": byte_range}


def test_the_untouched_file_is_authentic_online_and_offline(signed: Any) -> None:
    pdf, jwks, cert, online = signed
    assert verify_pdf_offline(pdf, jwks, [cert])["authentic"] is True
    assert online(pdf)["authentic"] is True


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_class_of_changed_byte_is_refused_online_and_offline(signed: Any,
                                                                  mutation: str) -> None:
    pdf, jwks, cert, online = signed
    changed = MUTATIONS[mutation](pdf)
    assert len(changed) == len(pdf) and changed != pdf
    try:
        offline: dict[str, Any] | None = verify_pdf_offline(changed, jwks, [cert])
    except DomainValidationError:  # no longer a readable PDF: refused as such
        offline = None
    if offline is not None:
        assert offline["authentic"] is False, (mutation, offline["signers"])
        assert offline["reasons"]
    answer = online(changed)
    assert answer.get("authentic") is not True, mutation
    if offline is not None:  # the file's own findings are the same online and offline
        file_codes = {"modified", "signature_invalid", "signature_untrusted", "unsigned",
                      "record_id_mismatch", "no_record_id"}
        assert {r["code"] for r in offline["reasons"]} & file_codes <= {
            r["code"] for r in answer["reasons"]}

