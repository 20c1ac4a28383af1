"""Ed25519 key ring and signed verify URLs (offline verification with the JWKS only)."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from core.settings import Settings
from domain.ids import new_record_id
from signing.errors import InvalidToken, KeyRingError
from signing.keys import QrKeyRing, b64url, b64url_decode, kid_for
from signing.qr_token import (
    VerifyClaim,
    make_verify_url,
    parse_verify_url,
    public_keys_from_jwks,
    verify_claim,
)

BASE = "https://azx.example.cn"
CONTENT = "安责险事故预防技术服务报告".encode()


@pytest.fixture
def ring(tmp_path: Path) -> QrKeyRing:
    return QrKeyRing.from_settings(Settings(data_dir=tmp_path))


@pytest.fixture
def url(ring: QrKeyRing) -> str:
    rid = new_record_id("report", 2026)
    return make_verify_url(
        rid, hashlib.sha256(CONTENT).digest(), key_ring=ring, public_base_url=BASE + "/"
    )


def _offline_jwks(ring: QrKeyRing) -> dict[str, Any]:
    """What an offline verifier has: the published JWKS, round-tripped through JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(ring.jwks()))
    return loaded


# -- key ring ------------------------------------------------------------------------------


def test_key_files_kid_and_permissions(ring: QrKeyRing, tmp_path: Path) -> None:
    kid = ring.active_kid
    key_dir = tmp_path / "keys" / "qr-ed25519"
    private = key_dir / f"{kid}.key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (key_dir / f"{kid}.pub.pem").is_file()
    (public,) = ring.public_keys().values()
    raw = base64.urlsafe_b64decode(ring.jwks()["keys"][0]["x"] + "=")
    assert len(raw) == 32
    expected = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).decode()[:8]
    assert kid == expected == kid_for(public)
    # another process (a new ring object) sees the same active key
    assert QrKeyRing(key_dir).active_kid == kid


def test_jwks_is_rfc8037(ring: QrKeyRing) -> None:
    first = ring.active_kid
    assert ring.rotate() != first
    jwks = ring.jwks()
    assert len(jwks["keys"]) == 2
    assert jwks["keys"][0]["kid"] == ring.active_kid  # active key first
    for jwk in jwks["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == (
            "OKP",
            "Ed25519",
            "sig",
            "EdDSA",
        )
        assert "=" not in jwk["x"] and len(jwk["x"]) == 43
        assert "d" not in jwk  # never the private part


def test_corrupt_active_file_is_a_key_ring_error(ring: QrKeyRing) -> None:
    _ = ring.active_kid
    (ring.directory / "ACTIVE").write_text("../../etc/passwd")
    with pytest.raises(KeyRingError):
        _ = ring.active_kid


# -- tokens -------------------------------------------------------------------------------


def test_valid_url_verifies_offline(url: str, ring: QrKeyRing) -> None:
    claim = parse_verify_url(url)
    assert verify_claim(claim, _offline_jwks(ring))
    assert verify_claim(claim, ring.public_keys())
    assert claim.matches_content(CONTENT)
    assert not claim.matches_content(CONTENT + b" ")
    assert claim.kid == ring.active_kid


def test_url_shape_and_length(url: str) -> None:
    assert url.startswith(BASE + "/verify/AZX-26RPT-")
    query = url.split("?")[1]
    params = dict(p.split("=") for p in query.split("&"))
    assert list(params) == ["h", "k", "s"]
    assert (len(params["h"]), len(params["k"]), len(params["s"])) == (43, 8, 86)
    assert "=" not in query.replace("h=", "").replace("k=", "").replace("s=", "")
    assert len(url) == len(BASE) + len("/verify/") + 23 + 3 + 43 + 3 + 8 + 3 + 86  # 199


def test_signed_message_is_the_documented_canonical_form(url: str) -> None:
    claim = parse_verify_url(url)
    expected = f"azx-verify/1\n{claim.record_id}\n{b64url(claim.content_sha256)}\n{claim.kid}"
    assert claim.signed_message() == expected.encode("ascii")


def _replace_param(url: str, name: str, value: str) -> str:
    path, query = url.split("?")
    params = dict(p.split("=") for p in query.split("&"))
    params[name] = value
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _other_b64(value: str, index: int) -> str:
    """``value`` with the character at ``index`` changed, keeping canonical base64url."""
    raw = bytearray(b64url_decode(value))
    raw[index % len(raw)] ^= 0x01
    return b64url(bytes(raw))


def test_changed_record_id_is_rejected(url: str, ring: QrKeyRing) -> None:
    claim = parse_verify_url(url)
    other = new_record_id("report", 2026)
    forged = url.replace(claim.record_id, other)
    assert not verify_claim(parse_verify_url(forged), _offline_jwks(ring))


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """A verify URL and the JWKS, shared by the hypothesis tests (module scope)."""
    ring = QrKeyRing(tmp_path_factory.mktemp("qr") / "keys")
    url = make_verify_url(
        new_record_id("callback", 2026),
        hashlib.sha256(CONTENT).digest(),
        key_ring=ring,
        public_base_url=BASE,
    )
    return url, _offline_jwks(ring)


@given(index=st.integers(0, 31))
def test_changed_hash_is_rejected(signed: tuple[str, dict[str, Any]], index: int) -> None:
    url, jwks = signed
    claim = parse_verify_url(url)
    assert verify_claim(claim, jwks)
    forged = _replace_param(url, "h", _other_b64(b64url(claim.content_sha256), index))
    assert not verify_claim(parse_verify_url(forged), jwks)


@given(index=st.integers(0, 63))
def test_changed_signature_is_rejected(signed: tuple[str, dict[str, Any]], index: int) -> None:
    url, jwks = signed
    claim = parse_verify_url(url)
    forged = _replace_param(url, "s", _other_b64(b64url(claim.signature), index))
    assert not verify_claim(parse_verify_url(forged), jwks)


def test_changed_kid_is_rejected(url: str, ring: QrKeyRing) -> None:
    old_kid = ring.active_kid
    ring.rotate()
    jwks = _offline_jwks(ring)
    forged = _replace_param(url, "k", ring.active_kid)  # another key that IS in the JWKS
    assert not verify_claim(parse_verify_url(forged), jwks)
    assert verify_claim(parse_verify_url(url), jwks)
    assert parse_verify_url(url).kid == old_kid


def test_rotated_old_key_still_verifies_and_new_urls_use_new_key(url: str, ring: QrKeyRing) -> None:
    old = parse_verify_url(url)
    new_kid = ring.rotate()
    assert new_kid != old.kid and ring.active_kid == new_kid
    jwks = _offline_jwks(ring)
    assert verify_claim(old, jwks)
    new_url = make_verify_url(
        old.record_id, old.content_sha256, key_ring=ring, public_base_url=BASE
    )
    new = parse_verify_url(new_url)
    assert new.kid == new_kid and verify_claim(new, jwks)
    assert not verify_claim(new, {"keys": [k for k in jwks["keys"] if k["kid"] != new_kid]})


def test_unknown_kid_is_rejected(url: str, tmp_path: Path) -> None:
    stranger = QrKeyRing(tmp_path / "elsewhere")
    claim = parse_verify_url(url)
    assert not verify_claim(claim, _offline_jwks(stranger))
    assert not verify_claim(claim, {})
    assert not verify_claim(claim, {"keys": []})


def test_jwks_entry_with_lying_kid_is_ignored(url: str, tmp_path: Path) -> None:
    claim = parse_verify_url(url)
    stranger = QrKeyRing(tmp_path / "elsewhere")
    jwk = stranger.jwks()["keys"][0] | {"kid": claim.kid}
    assert public_keys_from_jwks({"keys": [jwk]}) == {}
    assert not verify_claim(claim, {"keys": [jwk]})
    assert not verify_claim(claim, {claim.kid: next(iter(stranger.public_keys().values()))})


@pytest.mark.parametrize(
    "bad",
    [
        "https://x.cn/other/AZX-26RPT-00000-00000-0?h=a&k=b&s=c",
        "https://x.cn/verify/NOT-AN-ID?h=a&k=b&s=c",
        "{url}&s=AAAA",  # duplicate parameter
        "{url}&x=1",  # unknown parameter
        "{url_no_k}",
        "{url_bad_k}",
        "{url_padded_h}",
        "{url_short_s}",
    ],
)
def test_malformed_urls_raise_invalid_token(bad: str, url: str) -> None:
    path, query = url.split("?")
    params = dict(p.split("=") for p in query.split("&"))
    text = bad.format(
        url=url,
        url_no_k=f"{path}?h={params['h']}&s={params['s']}",
        url_bad_k=_replace_param(url, "k", "abc"),
        url_padded_h=_replace_param(url, "h", params["h"] + "="),
        url_short_s=_replace_param(url, "s", params["s"][:-4]),
    )
    with pytest.raises(InvalidToken):
        parse_verify_url(text)


def test_url_parsing_tolerates_other_hosts_and_prefixes(url: str, ring: QrKeyRing) -> None:
    moved = url.replace(BASE, "http://10.0.0.5:8000/azx")
    assert verify_claim(parse_verify_url(moved), ring.public_keys())


def test_make_verify_url_rejects_bad_input(ring: QrKeyRing) -> None:
    with pytest.raises(ValueError):
        make_verify_url("nope", b"\0" * 32, key_ring=ring, public_base_url=BASE)
    with pytest.raises(ValueError):
        make_verify_url(
            new_record_id("plan", 2026), b"\0" * 31, key_ring=ring, public_base_url=BASE
        )


def test_claim_is_a_value_object() -> None:
    claim = VerifyClaim("AZX-26RPT-00000-00000-0", b"\0" * 32, "abcdefgh", b"\0" * 64)
    with pytest.raises(AttributeError):
        claim.kid = "x"  # type: ignore[misc]
    key = Ed25519PublicKey.from_public_bytes(b"\x01" * 32)
    assert not verify_claim(claim, {"abcdefgh": key})
