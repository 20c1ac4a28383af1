"""Webhooks reach public addresses only, and their log is no port scanner (issue 12, finding 3).

A tenant's webhook URL makes the service send requests on the tenant's behalf. These tests try
what a tenant with an insurer key could: register loopback, private, link-local, metadata,
multicast, reserved and IPv4-in-IPv6 addresses in every spelling, a name that resolves to one, a
name re-pointed to loopback after registration (DNS rebinding), and read network detail from the
delivery log. Names are answered by a fake resolver (``socket.getaddrinfo`` patched) so nothing
leaves the machine; the receivers listen on loopback, reachable only where the allow-list says.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.main import create_app
from core.settings import Settings
from services.jobs import verify_signature
from services.keys import create_key
from storage.tables import webhook_deliveries

PUBLIC = "93.184.215.14"  # a globally routed address; never connected to by these tests
NO_ANSWER = "failed: no answer / 投递失败：无应答"
NETWORK_WORDS = ("Errno", "refused", "timed out", "timeout", "reset", "unreachable", "URLError",
                 "OSError", "socket", "gaierror", "resolve", "Name or service", "SSL",
                 "Traceback", "127.0.0.")


# -- helpers ---------------------------------------------------------------------------------------

class Listener:
    """An HTTP receiver on one loopback address that counts every TCP connection it accepts
    (not only whole requests) and answers scripted status codes per path."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 tls: ssl.SSLContext | None = None) -> None:
        self.connections = 0
        self.requests: list[tuple[str, Any, bytes]] = []
        self.codes: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.append((self.path, self.headers, body))
                self.send_response(outer.codes.get(self.path, 204))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def process_request(self, request: Any, client_address: Any) -> None:
                outer.connections += 1
                super().process_request(request, client_address)

        self.server = Server((host, port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


class FakeResolver:
    """``socket.getaddrinfo`` for the names a test sets; others go to the real resolver.

    ``answer(name, [a, b], [c])``: the first lookup gets a and b, every later one c (the last
    answer repeats); an empty list is "no such name"."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def answer(self, name: str, *answers: list[str]) -> None:
        self.answers[name] = list(answers)

    def __call__(self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                 flags: int = 0) -> Any:
        if host not in self.answers:
            return self.real(host, port, family, type, proto, flags)
        self.asked.append(host)
        queue = self.answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        port = int(port or 0)
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    fake = FakeResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


class Service:
    """One app (embedded jobs, SQLite) and a way to act as a fresh tenant on it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.ctx = client.app.state.ctx  # type: ignore[attr-defined]
        self._n = 0

    def tenant(self) -> dict[str, str]:
        self._n += 1
        key = create_key(self.ctx.engine, f"webhook-test-{self._n}", "insurer")
        return {"Authorization": f"Bearer {key}"}

    def register(self, auth: dict[str, str], url: str) -> Any:
        return self.client.post("/v1/webhooks", json={"url": url}, headers=auth)

    def fire_event(self, auth: dict[str, str]) -> None:
        """A batch whose items are all malformed completes at once: a cheap batch.completed."""
        assert self.client.post("/v1/batches", json=[1], headers=auth).status_code == 202

    def attempted(self, auth: dict[str, str], count: int = 1) -> list[dict[str, Any]]:
        """The tenant's delivery log once ``count`` deliveries have had their first attempt."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            items = self.client.get("/v1/webhooks/deliveries", headers=auth).json()["items"]
            done = [d for d in items if d["status"] == "delivered" or d["last_error"]]
            if len(done) >= count:
                return items
            time.sleep(0.05)
        raise AssertionError("no delivery attempt within 30 s")


@contextmanager
def running(tmp: Any, **settings: Any) -> Iterator[Service]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AZX_BROKER_URL", raising=False)
        mp.delenv("AZX_WEBHOOK_ALLOW_HOSTS", raising=False)
        app = create_app(Settings(data_dir=tmp, broker_url=None, **settings))
        with TestClient(app) as client:
            yield Service(client)


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The default: no allow-list."""
    with running(tmp_path_factory.mktemp("webhooks-strict"), webhook_timeout=2.0) as service:
        yield service


@pytest.fixture(scope="module")
def allowing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A private deployment that lets webhooks reach 127.0.0.1 (and nothing else non-public)."""
    with running(tmp_path_factory.mktemp("webhooks-allowing"), webhook_timeout=2.0,
                 webhook_allow_hosts=["127.0.0.1"]) as service:
        yield service


def assert_forbidden(r: Any, url: str) -> None:
    assert r.status_code == 422, (url, r.status_code, r.text)
    (problem,) = r.json()["problems"]
    assert problem["path"] == "url" and problem["rule"] == "url_forbidden_address", problem
    assert "公网" in problem["message_zh"] and "public" in problem["message_en"]


def when(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp).timestamp()


def certificate_for(name: str, where: Path) -> tuple[Path, Path]:
    """A self-signed certificate (its own trust anchor) naming ``name``: (cert, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = where / "cert.pem", where / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


# -- registration -----------------------------------------------------------------------------------

FORBIDDEN_URLS = [
    "http://127.0.0.1:{port}/hook",  # loopback
    "http://127.8.9.10/",  # all of 127/8
    "http://localhost:{port}/",  # the real resolver: 127.0.0.1
    "http://LOCALHOST./",  # case and the root dot
    "http://127.0.0.1./",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0x7f.1/",  # hex, short form
    "http://0x7f000001/",
    "http://0177.0.0.1/",  # octal
    "http://127.1/",  # short form
    "http://0/",  # 0.0.0.0: the local host on Linux
    "http://0.0.0.0:{port}/",
    "http://[::]/",
    "http://[::1]:{port}/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]:{port}/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64 of loopback
    "http://[2002:7f00:1::1]/",  # 6to4 of loopback
    "http://[::127.0.0.1]/",  # IPv4-compatible (deprecated)
    "http://10.0.0.5/",  # RFC 1918
    "http://172.16.3.4/",
    "http://172.31.255.254/",
    "http://192.168.1.1/",
    "http://[fd00::1]/",  # ULA fc00::/7
    "http://[fc00::1]/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://169.254.1.1/",
    "http://[fe80::1]/",  # IPv6 link-local
    "http://[fe80::1%25eth0]/",
    "http://[fec0::1]/",  # site-local (deprecated)
    "http://224.0.0.1/",  # multicast
    "http://239.255.255.250:1900/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",  # broadcast
    "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "http://198.18.0.1/",  # benchmarking
    "http://198.19.255.1/",
    "http://240.0.0.1/",  # reserved
    "http://192.0.2.1/",  # documentation
    "http://192.0.0.8/",  # IETF protocol assignments
    "http://[2001:db8::1]/",
    "http://[2001::1]/",  # Teredo
    "https://127.0.0.1:{port}/",
]


@pytest.mark.parametrize("template", FORBIDDEN_URLS)
def test_a_non_public_address_in_any_spelling_is_refused_at_registration(
        strict: Service, listener: Listener, template: str) -> None:
    auth = strict.tenant()
    url = template.format(port=listener.port)
    assert_forbidden(strict.register(auth, url), url)
    assert strict.client.get("/v1/webhooks", headers=auth).json()["items"] == []


@pytest.mark.parametrize(("name", "answer"), [
    ("metadata.attacker.example", ["169.254.169.254"]),
    ("intranet.attacker.example", ["10.20.30.40"]),
    ("loopback.attacker.example", ["127.0.0.1"]),
    ("v6.attacker.example", ["::1"]),
    ("mapped.attacker.example", ["::ffff:127.0.0.1"]),
    ("ula.attacker.example", ["fd12:3456::1"]),
    ("cgnat.attacker.example", ["100.100.100.200"]),
    ("mixed.attacker.example", [PUBLIC, "127.0.0.1"]),  # every address is checked
    ("mixed6.attacker.example", ["2606:4700::1111", "fe80::1"]),
    ("nxdomain.attacker.example", []),  # no answer: refused alike, so no name is confirmed
])
def test_a_host_name_resolving_to_a_non_public_address_is_refused_at_registration(
        strict: Service, dns: FakeResolver, name: str, answer: list[str]) -> None:
    dns.answer(name, answer)
    auth = strict.tenant()
    assert_forbidden(strict.register(auth, f"https://{name}/hooks/azx"), name)
    assert name in dns.asked


@pytest.mark.parametrize("url", ["http://134744072/", "http://0x08.0x08.0x08.0x08/",
                                 "http://010.010.010.010/", "http://8.526344/"])
def test_an_ipv4_address_written_other_than_dotted_decimal_is_refused(
        strict: Service, url: str) -> None:
    r = strict.register(strict.tenant(), url)
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    assert problem["path"] == "url" and problem["rule"] == "url_invalid"


# -- delivery ---------------------------------------------------------------------------------------

def test_a_name_re_pointed_to_loopback_after_registration_is_never_connected_to(
        strict: Service, dns: FakeResolver, listener: Listener,
        caplog: pytest.LogCaptureFixture) -> None:
    """DNS rebinding: public when registered, 127.0.0.1 when delivered."""
    caplog.set_level(logging.INFO, logger="azx.webhooks")
    auth = strict.tenant()
    name = "rebind.attacker.example"
    dns.answer(name, [PUBLIC])
    r = strict.register(auth, f"http://{name}:{listener.port}/steal")
    assert r.status_code == 201, r.text  # public at registration: accepted
    dns.answer(name, ["127.0.0.1"])
    strict.fire_event(auth)
    (entry,) = strict.attempted(auth)
    assert listener.connections == 0 and listener.requests == []
    assert entry["status"] == "pending" and entry["attempts"] == 1
    assert entry["last_error"] == NO_ANSWER and entry["last_status_code"] is None
    # the reason is the operator's to read, in the service's own log
    assert any("127.0.0.1" in rec.getMessage() and rec.name == "azx.webhooks"
               for rec in caplog.records)


def test_an_allow_listed_loopback_target_is_reached_at_the_checked_address_under_its_name(
        strict: Service, allowing: Service, dns: FakeResolver, listener: Listener) -> None:
    """The allow-list opens 127.0.0.1 and nothing more; the delivery connects to the address it
    checked (a later lookup answering 127.0.0.3 is never used) and still names the URL's host."""
    name = "hooks.internal.example"
    url = f"http://{name}:{listener.port}/azx-events"
    dns.answer(name, ["127.0.0.1"])
    assert_forbidden(strict.register(strict.tenant(), url), url)  # without the allow-list
    for other in ("http://127.0.0.2/", "http://[::1]/", "http://10.0.0.1/",
                  "http://169.254.169.254/"):
        assert_forbidden(allowing.register(allowing.tenant(), other), other)

    auth = allowing.tenant()
    r = allowing.register(auth, url)
    assert r.status_code == 201, r.text
    decoy = Listener("127.0.0.3", listener.port)
    try:
        dns.answer(name, ["127.0.0.1"], ["127.0.0.3"])  # the delivery's check, then any other
        allowing.fire_event(auth)
        (entry,) = allowing.attempted(auth)
    finally:
        decoy.close()
    assert decoy.connections == 0
    assert entry["status"] == "delivered" and entry["last_error"] is None
    assert entry["last_status_code"] == 204
    ((path, headers, body),) = listener.requests
    assert path == "/azx-events" and headers["Host"] == f"{name}:{listener.port}"
    assert verify_signature(r.json()["secret"], headers["AZX-Signature"], body)
    assert json.loads(body)["type"] == "batch.completed"


def test_an_https_delivery_verifies_the_urls_name_at_the_checked_address(
        strict: Service, allowing: Service, dns: FakeResolver, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Connecting to an address, not a name, must not weaken TLS: SNI, the Host header and the
    certificate check all use the URL's host name."""
    caplog.set_level(logging.WARNING, logger="azx.webhooks")
    name, wrong = "tls.internal.example", "wrong.internal.example"
    dns.answer(name, ["127.0.0.1"])
    dns.answer(wrong, ["127.0.0.1"])
    cert, key = certificate_for(name, tmp_path)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    sni: list[str | None] = []
    served.sni_callback = lambda _sock, server_name, _ctx: sni.append(server_name)
    trusted = ssl.create_default_context  # the service trusts this test's certificate only
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: trusted(cafile=str(cert)))
    tls = Listener(tls=served)
    try:
        url = f"https://{name}:{tls.port}/tls"
        assert_forbidden(strict.register(strict.tenant(), url), url)  # without the allow-list
        auth = allowing.tenant()
        assert allowing.register(auth, url).status_code == 201
        assert allowing.register(auth, f"https://{wrong}:{tls.port}/wrong").status_code == 201
        allowing.fire_event(auth)
        log = {d["url"].split("/")[-1]: d for d in allowing.attempted(auth, count=2)}
    finally:
        tls.close()
    assert log["tls"]["status"] == "delivered" and log["tls"]["last_status_code"] == 204
    assert log["wrong"]["last_error"] == NO_ANSWER  # the certificate does not name it
    ((path, headers, _),) = tls.requests
    assert path == "/tls" and headers["Host"] == f"{name}:{tls.port}"
    assert sni.count(name) == 1 and sni.count(wrong) == 1
    assert "CERTIFICATE_VERIFY_FAILED" in " ".join(r.getMessage() for r in caplog.records)


def test_the_delivery_log_shows_our_outcome_and_no_network_detail(
        allowing: Service, listener: Listener, caplog: pytest.LogCaptureFixture) -> None:
    """A closed port, a port that never answers and a receiver answering 500 read as "no
    answer", "no answer" and "HTTP 500"; every time shown is the attempt's start, so a time-out
    (10 s by default, 2 s here) cannot be told from a refusal."""
    caplog.set_level(logging.WARNING, logger="azx.webhooks")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    silent = socket.socket()  # accepts connections in the kernel, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    listener.codes["/broken"] = 500
    auth = allowing.tenant()
    urls = {"closed": f"http://127.0.0.1:{closed}/", "silent": (
        f"http://127.0.0.1:{silent.getsockname()[1]}/"),
        "broken": f"http://127.0.0.1:{listener.port}/broken"}
    for url in urls.values():
        assert allowing.register(auth, url).status_code == 201
    try:
        allowing.fire_event(auth)
        log = allowing.attempted(auth, count=3)
        r = allowing.client.get("/v1/webhooks/deliveries", headers=auth)
    finally:
        silent.close()
    by_url = {d["url"]: d for d in log}
    closed_entry, silent_entry, broken_entry = (by_url[urls[k]] for k in
                                                ("closed", "silent", "broken"))
    assert closed_entry["last_error"] == silent_entry["last_error"] == NO_ANSWER
    assert closed_entry["last_status_code"] is silent_entry["last_status_code"] is None
    assert broken_entry["last_error"] == "failed: HTTP 500 / 投递失败：HTTP 500"
    assert broken_entry["last_status_code"] == 500
    for entry in (closed_entry, silent_entry):
        assert when(entry["updated_at"]) - when(entry["created_at"]) < 1.5, entry
    shown = json.dumps([{k: v for k, v in d.items() if k != "url"} for d in r.json()["items"]])
    for word in NETWORK_WORDS:
        assert word.lower() not in shown.lower(), word
    # the detail is kept where the operator reads it
    told = " ".join(rec.getMessage() for rec in caplog.records if rec.name == "azx.webhooks")
    assert "Connection refused" in told and "timed out" in told


def test_network_detail_stored_by_an_earlier_version_is_not_shown(
        allowing: Service, listener: Listener) -> None:
    """Rows written before this change carry exception texts; the log never shows them."""
    listener.codes["/old"] = 503
    auth = allowing.tenant()
    assert allowing.register(auth, f"http://127.0.0.1:{listener.port}/old").status_code == 201
    allowing.fire_event(auth)
    (entry,) = allowing.attempted(auth)
    with allowing.ctx.engine.begin() as conn:
        conn.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == entry["id"])
                     .values(last_status_code=None, last_error=(
                         "URLError: <urlopen error [Errno 111] Connection refused>")))
    (shown,) = allowing.client.get("/v1/webhooks/deliveries", headers=auth).json()["items"]
    assert shown["last_error"] == NO_ANSWER
