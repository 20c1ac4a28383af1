"""Ed25519 key ring for QR verify-URL tokens, stored under ``<data_dir>/keys/qr-ed25519/``.

Layout::

    <kid>.key.pem   private key, PKCS#8 PEM, mode 0600 (removing it retires the key)
    <kid>.pub.pem   public key, SubjectPublicKeyInfo PEM (kept: old tokens keep verifying)
    ACTIVE          the kid new tokens are signed with
    .lock           flock(2) target serialising creation and rotation across processes

``kid`` = first 8 characters of base64url(SHA-256(raw 32-byte public key)).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from signing.errors import KeyRingError

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ["QrKeyRing", "b64url", "b64url_decode", "jwk_for", "kid_for"]

_KID_RE = re.compile(r"^[A-Za-z0-9_-]{8}$")
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5, RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url`; ``ValueError`` on padding, bad characters or
    non-canonical encodings."""
    if not _B64URL_RE.match(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(public_key: Ed25519PublicKey) -> str:
    """Key id: first 8 characters of base64url(SHA-256(raw public key))."""
    return b64url(hashlib.sha256(_raw(public_key)).digest())[:8]


def jwk_for(public_key: Ed25519PublicKey) -> dict[str, str]:
    """RFC 8037 OKP JWK of an Ed25519 public key."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(_raw(public_key)),
        "kid": kid_for(public_key),
        "use": "sig",
        "alg": "EdDSA",
    }


class QrKeyRing:
    """The service's QR-token signing keys: one active, older ones still verifying."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._private: dict[str, Ed25519PrivateKey] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> QrKeyRing:
        return cls(settings.data_dir / "keys" / "qr-ed25519")

    # -- reading ---------------------------------------------------------------------------

    @property
    def active_kid(self) -> str:
        """The kid new tokens are signed with; creates the first key if there is none."""
        kid = self._read_active()
        if kid is None:
            with self._locked():
                kid = self._read_active() or self._create_and_activate()
        return kid

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """Sign ``message`` with the active key; return ``(kid, 64-byte signature)``."""
        kid = self.active_kid
        return kid, self._private_key(kid).sign(message)

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every key that still verifies (active first), by kid."""
        active = self.active_kid
        keys: dict[str, Ed25519PublicKey] = {}
        for path in sorted(self.directory.glob("*.pub.pem")):
            kid = path.name.removesuffix(".pub.pem")
            key = serialization.load_pem_public_key(path.read_bytes())
            if not isinstance(key, Ed25519PublicKey) or kid_for(key) != kid:
                raise KeyRingError(f"{path} is not the Ed25519 public key of kid {kid!r}")
            keys[kid] = key
        if active not in keys:
            raise KeyRingError(f"active key {active!r} has no public key in {self.directory}")
        return {active: keys.pop(active), **keys}

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """JSON Web Key Set (RFC 7517) of all verifying keys, for offline verifiers."""
        return {"keys": [jwk_for(key) for key in self.public_keys().values()]}

    # -- changing --------------------------------------------------------------------------

    def rotate(self) -> str:
        """Create a new key and make it active; older keys keep verifying. Return its kid."""
        with self._locked():
            return self._create_and_activate()

    # -- internals -------------------------------------------------------------------------

    def _read_active(self) -> str | None:
        try:
            kid = (self.directory / "ACTIVE").read_text("ascii").strip()
        except FileNotFoundError:
            return None
        if not _KID_RE.match(kid):
            raise KeyRingError(f"{self.directory / 'ACTIVE'} does not hold a kid")
        return kid

    def _private_key(self, kid: str) -> Ed25519PrivateKey:
        if kid not in self._private:
            path = self.directory / f"{kid}.key.pem"
            try:
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except FileNotFoundError as exc:
                raise KeyRingError(f"private key {kid!r} missing from {self.directory}") from exc
            if not isinstance(key, Ed25519PrivateKey) or kid_for(key.public_key()) != kid:
                raise KeyRingError(f"{path} is not the Ed25519 private key of kid {kid!r}")
            self._private[kid] = key
        return self._private[kid]

    def _create_and_activate(self) -> str:
        key = Ed25519PrivateKey.generate()
        kid = kid_for(key.public_key())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_new(self.directory / f"{kid}.key.pem", pem, 0o600)
        pub = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write_new(self.directory / f"{kid}.pub.pem", pub, 0o644)
        tmp = self.directory / f".ACTIVE.{os.getpid()}"
        tmp.write_text(kid + "\n", "ascii")
        os.replace(tmp, self.directory / "ACTIVE")  # atomic switch
        self._private[kid] = key
        return kid

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.fchmod(fd, mode)  # independent of the umask
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
