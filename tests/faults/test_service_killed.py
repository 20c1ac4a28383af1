"""kill -9 of the service in the middle of a batch, then a restart (embedded mode: SQLite and
the service's own SeaweedFS). The store the killed service left running is found and stopped,
every accepted document is archived exactly once, nothing stays pending."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import Settings
from services.keys import create_key
from storage.db import make_engine, migrate
from tests.faults.harness import (
    ServiceProcess,
    assert_archive_whole,
    base_env,
    children,
    documents,
    poll,
    process_alive,
)

pytestmark = [pytest.mark.s3, pytest.mark.slow, pytest.mark.faults]

N = 120


def test_kill_9_mid_batch_then_restart_archives_every_document_exactly_once(tmp_path: Path):
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    key = create_key(engine, "fault-tenant", "insurer")
    engine.dispose()
    env = base_env(data_dir=str(data), recovery_interval="1", job_threads="2")
    auth = {"Authorization": f"Bearer {key}"}
    body = "\n".join(json.dumps(d, ensure_ascii=False) for d in documents(N, "K9"))

    first = ServiceProcess(env, tmp_path / "logs" / "first.log").start()
    second = ServiceProcess(env, tmp_path / "logs" / "second.log")
    try:
        first.wait_ready()
        import httpx

        r = httpx.post(first.base + "/v1/batches", content=body.encode(), timeout=60,
                       headers=auth | {"Content-Type": "application/x-ndjson",
                                       "Idempotency-Key": "batch-k9"})
        assert r.status_code == 202, r.text
        batch = r.json()

        def some_done() -> bool:
            counts = first.get(f"/v1/batches/{batch['id']}", headers=auth).json()["counts"]
            return counts["done"] >= 15

        poll(some_done, "a part of the batch to be archived", 120)
        assert first.proc is not None
        weeds = children(first.proc.pid, "weed")
        assert len(weeds) == 1
        first.kill9()
        assert process_alive(weeds[0]), "the killed service's SeaweedFS outlived it (as it does)"

        second.start()
        second.wait_ready()
        assert not process_alive(weeds[0]), "the left-over SeaweedFS was stopped at start-up"

        def finished() -> dict | None:
            b = second.get(f"/v1/batches/{batch['id']}", headers=auth).json()
            return b if b["status"] == "done" else None

        done = poll(finished, "the batch to finish after the restart", 240, 1.0)
        assert done["counts"]["done"] == N and done["counts"]["failed"] == 0, done
        jobs_csv = second.get(f"/v1/batches/{batch['id']}/results.csv", headers=auth).text
    finally:
        first.stop()
        second.stop()
    rows = [line.split(",") for line in jobs_csv.lstrip("\ufeff").splitlines()[1:]]
    accepted = {row[1]: row[5] for row in rows}  # job id → record id
    assert len(accepted) == N and all(accepted.values())
    assert_archive_whole(settings, accepted, scope="job")
