"""Signed QR verify URLs, checkable offline with nothing but the public JWKS.

URL::

    {public_base_url}/verify/{record id}?h={b64url SHA-256 of content}&k={kid}&s={b64url sig}

The Ed25519 signature covers these ASCII bytes (``\\n``-separated, no trailing newline)::

    azx-verify/1
    <canonical record id>          e.g. AZX-26RPT-7K3M9-Q2X4C-Y
    <h: b64url SHA-256, 43 chars>
    <kid>
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.ids import InvalidRecordId, parse_record_id
from signing.errors import InvalidToken
from signing.keys import QrKeyRing, b64url, b64url_decode, kid_for

__all__ = [
    "TOKEN_DOMAIN",
    "VerifyClaim",
    "make_verify_url",
    "parse_verify_url",
    "public_keys_from_jwks",
    "verify_claim",
]

TOKEN_DOMAIN = "azx-verify/1"
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{8}$")


@dataclass(frozen=True)
class VerifyClaim:
    """What a verify URL asserts: record ``record_id`` has content with this SHA-256."""

    record_id: str  # canonical form
    content_sha256: bytes  # 32 bytes
    kid: str
    signature: bytes  # 64 bytes

    def signed_message(self) -> bytes:
        return _message(self.record_id, self.content_sha256, self.kid)

    def matches_content(self, content: bytes) -> bool:
        """True if ``content`` is the document this claim is about."""
        return hmac.compare_digest(hashlib.sha256(content).digest(), self.content_sha256)


def _message(record_id: str, content_sha256: bytes, kid: str) -> bytes:
    return "\n".join((TOKEN_DOMAIN, record_id, b64url(content_sha256), kid)).encode("ascii")


def make_verify_url(
    record_id: str, content_sha256: bytes, *, key_ring: QrKeyRing, public_base_url: str
) -> str:
    """Sign (record id, content hash, kid) with the active key and return the verify URL."""
    if len(content_sha256) != 32:
        raise ValueError("content_sha256 must be the 32-byte SHA-256 digest")
    canonical = parse_record_id(record_id).canonical
    kid = key_ring.active_kid
    _, signature = key_ring.sign(_message(canonical, content_sha256, kid))
    return (
        f"{public_base_url.rstrip('/')}/verify/{quote(canonical)}"
        f"?h={b64url(content_sha256)}&k={kid}&s={b64url(signature)}"
    )


def parse_verify_url(url: str) -> VerifyClaim:
    """Parse a verify URL (any host: it may come from paper); raise :class:`InvalidToken`."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise InvalidToken(f"not a URL: {exc}") from exc
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 2 or segments[-2] != "verify":
        raise InvalidToken("path must end in /verify/<record id>")
    try:
        record_id = parse_record_id(segments[-1]).canonical
    except InvalidRecordId as exc:
        raise InvalidToken(str(exc)) from exc
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    if sorted(query) != ["h", "k", "s"] or any(len(v) != 1 for v in query.values()):
        raise InvalidToken("query must hold exactly one each of h, k and s")
    kid = query["k"][0]
    if not _KID_RE.match(kid):
        raise InvalidToken("k is not a key id")
    try:
        digest = b64url_decode(query["h"][0])
        signature = b64url_decode(query["s"][0])
    except ValueError as exc:
        raise InvalidToken(f"h or s is not base64url: {exc}") from exc
    if len(digest) != 32 or len(signature) != 64:
        raise InvalidToken("h must be 32 bytes and s 64 bytes")
    return VerifyClaim(record_id, digest, kid, signature)


def public_keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """Ed25519 keys of a JWKS by kid; entries of other types, or whose kid does not match
    their key, are ignored."""
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in jwks.get("keys", []):
        if not isinstance(jwk, Mapping):
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        try:
            key = Ed25519PublicKey.from_public_bytes(b64url_decode(str(jwk.get("x", ""))))
        except ValueError:
            continue
        kid = kid_for(key)
        if jwk.get("kid", kid) == kid:
            keys[kid] = key
    return keys


def verify_claim(claim: VerifyClaim, keys: Mapping[str, Any]) -> bool:
    """True if ``claim`` is signed by one of ``keys`` (a JWKS dict or ``{kid: public key}``).

    Works offline. It does not check the content: use :meth:`VerifyClaim.matches_content`
    or compare ``claim.content_sha256`` with the archived record's hash.
    """
    by_kid: Mapping[str, Any] = public_keys_from_jwks(keys) if "keys" in keys else keys
    key = by_kid.get(claim.kid)
    if not isinstance(key, Ed25519PublicKey) or kid_for(key) != claim.kid:
        return False
    try:
        key.verify(claim.signature, claim.signed_message())
    except InvalidSignature:
        return False
    return True
