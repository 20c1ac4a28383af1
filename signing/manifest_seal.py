"""The service's seal on a record's manifest: a detached Ed25519 signature by the QR key ring.

The QR codes and the manifests share one key family (``<data_dir>/keys``, rotated with
``azx keys rotate-qr``, published as the JWKS), told apart by their signed message's domain:

    azx-manifest/1 \\n <kid> \\n <canonical JSON of the manifest without its "signature">

so a signature made for one can never pass as the other. A manifest whose signature verifies was
written by the service as it stands: any change to a part's hash or version, the tenant, the
insured or the policy number breaks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from signing.keys import QrKeyRing, b64url, b64url_decode, kid_for
from signing.qr_token import public_keys_from_jwks

__all__ = ["MANIFEST_DOMAIN", "RENEWAL_DOMAIN", "ManifestSeal", "seal_manifest", "seal_verifies"]

MANIFEST_DOMAIN = "azx-manifest/1"
#: A time stamp renewal statement (``services.evidence``): same keys, its own domain, so that
#: a statement can never pass as a manifest nor a manifest as a statement.
RENEWAL_DOMAIN = "azx-timestamp-renewal/1"


@dataclass(frozen=True)
class ManifestSeal:
    kid: str
    value: str  # base64url of the 64-byte Ed25519 signature
    alg: str = "EdDSA"


def _message(kid: str, payload: bytes, domain: str = MANIFEST_DOMAIN) -> bytes:
    return f"{domain}\n{kid}\n".encode("ascii") + payload


def seal_manifest(payload: bytes, ring: QrKeyRing, *,
                  domain: str = MANIFEST_DOMAIN) -> ManifestSeal:
    """Sign the canonical bytes of a manifest (without its signature) with the active key;
    ``domain``: what kind of sealed statement it is (a manifest unless told otherwise)."""
    kid = ring.active_kid
    _, signature = ring.sign(_message(kid, payload, domain))
    return ManifestSeal(kid=kid, value=b64url(signature))


def seal_verifies(payload: bytes, seal: ManifestSeal, keys: Mapping[str, Any], *,
                  domain: str = MANIFEST_DOMAIN) -> bool:
    """True if ``seal`` is a signature over ``payload`` by one of ``keys`` (a JWKS dict or
    ``{kid: public key}``) in ``domain``. Works offline."""
    if seal.alg != "EdDSA":
        return False
    by_kid: Mapping[str, Any] = public_keys_from_jwks(keys) if "keys" in keys else keys
    key = by_kid.get(seal.kid)
    if not isinstance(key, Ed25519PublicKey) or kid_for(key) != seal.kid:
        return False
    try:
        signature = b64url_decode(seal.value)
        key.verify(signature, _message(seal.kid, payload, domain))
    except (InvalidSignature, ValueError):
        return False
    return True
