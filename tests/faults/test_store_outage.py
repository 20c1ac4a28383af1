"""The object store stopped, or paused, for 20 s while documents are being archived.

Every document a client posts during the outage is accepted (202, staged in the registry) or
archived (201), never lost and never a 5xx; ``/readyz`` says the service cannot archive; within
a minute of the store coming back every accepted record is under lock, exactly once."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.settings import Settings
from services.keys import create_key
from storage.db import make_engine, migrate
from storage.embedded_s3 import EmbeddedS3
from tests.faults.harness import (
    ServiceProcess,
    assert_archive_whole,
    base_env,
    documents,
    paused,
    poll,
)

pytestmark = [pytest.mark.s3, pytest.mark.slow, pytest.mark.faults]

OUTAGE_S = 20.0


class Client(threading.Thread):
    """Posts documents one after another, each with its own Idempotency-Key, retrying a key
    only when no answer came back; records what the service said."""

    def __init__(self, base: str, auth: dict[str, str], tag: str) -> None:
        super().__init__(daemon=True)
        self.base, self.auth, self.tag = base, auth, tag
        self.stop = threading.Event()
        self.answers: list[tuple[float, str, int, dict[str, Any]]] = []

    def run(self) -> None:
        docs = documents(500, self.tag)
        for n, doc in enumerate(docs):
            if self.stop.is_set():
                return
            key = f"{self.tag}-{n:04d}"
            while not self.stop.is_set():
                try:
                    r = httpx.post(self.base + "/v1/documents", json=doc, timeout=120,
                                   headers=self.auth | {"Idempotency-Key": key})
                except httpx.HTTPError:
                    time.sleep(0.5)
                    continue
                self.answers.append((time.monotonic(), key, r.status_code, r.json()))
                break


def _store(tmp: Path) -> EmbeddedS3:
    return EmbeddedS3(tmp / "s3", "azx-fault", "fault-secret-" + secrets.token_hex(8),
                      stop_timeout=2.0)


@pytest.mark.parametrize("fault", ["stopped", "paused"])
def test_a_store_outage_during_writes_loses_nothing_and_leaves_nothing_pending(
        tmp_path: Path, fault: str) -> None:
    store = _store(tmp_path).start()
    endpoint, secret = store.endpoint, store.secret_key
    data = tmp_path / "data"
    settings = Settings(data_dir=data, s3_endpoint=endpoint, s3_access_key="azx-fault",
                        s3_secret_key=secret)
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    api_key = create_key(engine, "fault-tenant", "insurer")
    engine.dispose()
    env = base_env(data_dir=str(data), s3_endpoint=endpoint, s3_access_key="azx-fault",
                   s3_secret_key=secret, recovery_interval="2")
    service = ServiceProcess(env, tmp_path / "logs" / "service.log").start()
    client: Client | None = None
    try:
        service.wait_ready()
        client = Client(service.base, {"Authorization": f"Bearer {api_key}"}, fault)
        client.start()
        poll(lambda: len(client.answers) >= 3, "the first documents", 60)
        if fault == "stopped":
            store.stop()
            poll(lambda: service.get("/readyz").status_code == 503, "readyz to say 503", 15)
            assert service.get("/healthz").status_code == 200
            time.sleep(OUTAGE_S)
            store = _store(tmp_path)
            store._secret_key = secret
            store.start()
            assert store.endpoint == endpoint, "restarted on its saved ports"
        else:
            assert store.pid is not None
            with paused(store.pid):
                poll(lambda: service.get("/readyz").status_code == 503, "readyz 503", 15)
                time.sleep(OUTAGE_S)
        back = time.monotonic()
        poll(lambda: service.get("/readyz").status_code == 200, "readyz 200 again", 30)
        time.sleep(3)  # a few documents after the outage too
        client.stop.set()
        client.join(150)
        assert not client.is_alive()
        codes = {code for _, _, code, _ in client.answers}
        assert codes <= {201, 202}, [(k, c, b) for _, k, c, b in client.answers if c >= 300]
        accepted = {k: body["id"] for _, k, _, body in client.answers}
        pending_during = sum(1 for _, _, c, _ in client.answers if c == 202)

        def none_pending() -> bool:
            return all(_status(service, api_key, rid) == "archived" for rid in accepted.values())

        poll(none_pending, "every accepted record to be archived", 60, 1.0)
        completed_after = time.monotonic() - back
    finally:
        if client is not None:
            client.stop.set()
        service.stop()
    print(f"\n{fault}: {len(accepted)} documents, {pending_during} accepted while the store was "
          f"away, all archived {completed_after:.1f} s after it came back")
    assert completed_after < 60
    try:
        assert_archive_whole(settings, accepted)
    finally:
        store.stop()


def _status(service: ServiceProcess, api_key: str, rid: str) -> str:
    r = service.get(f"/v1/documents/{rid}", headers={"Authorization": f"Bearer {api_key}"})
    return str(r.json().get("status")) if r.status_code == 200 else f"http {r.status_code}"
