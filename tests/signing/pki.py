"""A throw-away PKI on loopback for the long-term signature tests (certomancer's Animator on
werkzeug): a root CA, an OCSP responder and a CRL for it, a time stamp authority and a signer
whose certificate expires after ``signer_days`` — so that a test can validate a signature after
that certificate has expired.

The services answer at one fixed time (the PKI's start), as pyHanko's own tests freeze time:
the signature's time stamp, the OCSP responses and the document time stamp then agree."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server

__all__ = ["TestPki", "running_pki"]

_KEYS = ("root", "ocsp", "tsa", "tsa2", "signer")


@dataclass(frozen=True)
class TestPki:
    __test__ = False  # not a test class

    arch: Any  # certomancer PKIArchitecture
    base_url: str
    started: dt.datetime

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/azx/tsa/tsa"

    @property
    def renewal_tsa_url(self) -> str:
        """A second TSA of the same root whose certificate outlasts the first one's (a TSA's
        next certificate, as a renewal years later would meet)."""
        return f"{self.base_url}/azx/tsa/tsa2"

    def signer_p12(self, password: bytes = b"azx-test") -> bytes:
        data: bytes = self.arch.package_pkcs12("signer", certs_to_embed=["root"],
                                               password=password)
        return data

    def cert(self, label: str) -> Any:
        return self.arch.get_cert(label)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _ku(*params: str) -> dict[str, Any]:
    return {"id": "key_usage", "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(params)}}


@contextmanager
def running_pki(directory: Path, *, signer_days: int = 365,
             tsa_years: int = 15, renewal_tsa_years: int = 20) -> Iterator[TestPki]:
    """Start the PKI's OCSP responder, CRL and TSAs on 127.0.0.1; stop them on exit. ``tsa``'s
    certificate lasts ``tsa_years``, ``tsa2``'s (the renewal's) ``renewal_tsa_years``."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=1)
    for name in _KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        (directory / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    holder: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, lambda env, start_response: holder["app"](
        env, start_response))
    base = f"http://127.0.0.1:{server.server_port}"
    cdp = {"id": "crl_distribution_points",
           "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}}}
    aia = {"id": "authority_information_access",
           "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}}}
    long = {"valid-from": _iso(start), "valid-to": _iso(now + dt.timedelta(days=365 * 25))}
    config = {
        "external-url-prefix": base,
        "keysets": {"azx": {"keys": {n: {"path": f"{n}.key.pem"} for n in _KEYS}}},
        "pki-architectures": {"azx": {
            "keyset": "azx",
            "entity-defaults": {"country-name": "CN", "organization-name": "AZX Test PKI"},
            "entities": {"root": {"common-name": "AZX Test Root"},
                         "ocsp": {"common-name": "AZX Test OCSP"},
                         "tsa": {"common-name": "AZX Test TSA"},
                         "tsa2": {"common-name": "AZX Test TSA 2"},
                         "signer": {"common-name": "AZX archive service (test)"}},
            "certs": {
                "root": {"subject": "root", "subject-key": "root", "issuer": "root",
                         "authority-key": "root", "validity": long,
                         "extensions": [{"id": "basic_constraints", "critical": True,
                                         "value": {"ca": True}},
                                        _ku("digital_signature", "key_cert_sign", "crl_sign")]},
                "ocsp": {"issuer": "root", "validity": long,
                         "extensions": [_ku("digital_signature"),
                                        {"id": "extended_key_usage", "critical": True,
                                         "value": ["ocsp_signing"]},
                                        {"id": "ocsp_no_check"}]},
                "tsa": {"issuer": "root",
                        "validity": {"valid-from": _iso(start),
                                     "valid-to": _iso(now + dt.timedelta(days=365 * tsa_years))},
                        "extensions": [_ku("digital_signature"),
                                       {"id": "extended_key_usage", "critical": True,
                                        "value": ["time_stamping"]}, cdp, aia]},
                "tsa2": {"issuer": "root",
                         "validity": {"valid-from": _iso(start), "valid-to": _iso(
                             now + dt.timedelta(days=365 * renewal_tsa_years))},
                         "extensions": [_ku("digital_signature"),
                                        {"id": "extended_key_usage", "critical": True,
                                         "value": ["time_stamping"]}, cdp, aia]},
                "signer": {"issuer": "root",
                           "validity": {"valid-from": _iso(start),
                                        "valid-to": _iso(now + dt.timedelta(days=signer_days))},
                           "extensions": [_ku("digital_signature", "non_repudiation"), cdp,
                                          aia]},
            },
            "services": {
                "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp",
                                  "signing-key": "ocsp"}},
                "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root",
                                      "simulated-update-schedule": "P90D"}},
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"},
                                  "tsa2": {"signing-key": "tsa2", "signing-cert": "tsa2"}},
            }}}}
    cfg = CertomancerConfig(config, key_search_dir=str(directory))
    holder["app"] = Animator(AnimatorArchStore(cfg.pki_archs), at_time=now, with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, name="azx-test-pki", daemon=True)
    thread.start()
    try:
        yield TestPki(cfg.get_pki_arch("azx"), base, now)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
