"""Fixtures for the signing tests: a small Chinese PDF, signing identities, a local TSA."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

from signing.pdf_signer import ServiceSigner


@pytest.fixture(scope="session")
def plain_pdf() -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string="<p>测试：安责险事故预防技术服务报告</p>").write_pdf()
    return pdf


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> ServiceSigner:
    return ServiceSigner.self_signed_in(tmp_path_factory.mktemp("data") / "keys")


def make_cert(
    common_name: str,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    *,
    eku: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    return builder.sign(key, hashes.SHA256())


@pytest.fixture(scope="session")
def party_p12() -> tuple[bytes, str, x509.Certificate]:
    """A party's own PKCS#12 (self-signed, ECDSA P-256), its password and certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make_cert("成都示例化工有限公司", key)
    data = pkcs12.serialize_key_and_certificates(
        b"party", key, cert, None, serialization.BestAvailableEncryption(b"party-pass")
    )
    return data, "party-pass", cert


@pytest.fixture(scope="session")
def tsa() -> Iterator[tuple[str, x509.Certificate]]:
    """An RFC 3161 time stamp authority on loopback (pyHanko's DummyTimeStamper over HTTP)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = make_cert("AZX test TSA", key, eku=ExtendedKeyUsageOID.TIME_STAMPING)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            resp = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(resp)))
            self.end_headers()
            self.wfile.write(resp)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
