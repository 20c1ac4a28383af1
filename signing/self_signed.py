"""The service's fallback signing identity: a self-signed certificate created once.

Used when no PKCS#12 is configured (``AZX_SIGNING_P12``). Stored as an unencrypted PKCS#12,
mode 0600, at ``<data_dir>/keys/service-signing.p12`` and reused by every process (creation is
serialised with flock(2)). ECDSA P-256, SHA-256; valid for 30 years, because PDFs signed
without a time stamp are validated against the certificate's validity at verification time
and the archive keeps records for years.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

__all__ = ["SELF_SIGNED_CN", "SELF_SIGNED_FILE", "load_or_create_self_signed_p12"]

SELF_SIGNED_CN = "AZX 安责险档案服务 (self-signed)"
SELF_SIGNED_FILE = "service-signing.p12"
_VALIDITY = dt.timedelta(days=30 * 365 + 7)


def _make_p12() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SELF_SIGNED_CN),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AZX"),
        ]
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))  # tolerate clock skew
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # a.k.a. non-repudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        SELF_SIGNED_CN.encode("utf-8"), key, cert, None, serialization.NoEncryption()
    )


def load_or_create_self_signed_p12(keys_dir: Path) -> bytes:
    """PKCS#12 bytes (no password) of the self-signed identity in ``keys_dir``; created once."""
    path = keys_dir / SELF_SIGNED_FILE
    if path.exists():
        return path.read_bytes()
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(keys_dir / ".service-signing.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if path.exists():  # another process won the race
            return path.read_bytes()
        data = _make_p12()
        tmp = keys_dir / f".{SELF_SIGNED_FILE}.{os.getpid()}"
        tmp_fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(tmp_fd, 0o600)
        with os.fdopen(tmp_fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return data
    finally:
        os.close(fd)
