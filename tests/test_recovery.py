"""One owner for a record: ``ArchiveService.complete`` finishes every pending record — at start-up
for a process that died, when a writer's lease ran out, or fails it with a reason when it can
never be completed. None stays pending (AQ 9010-2019 7.4: the archive is kept whole)."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from api.main import create_app
from core.settings import Settings
from domain.access import Caller, Role
from services.archive import ArchiveService, IdempotencyKey
from services.context import AppContext
from storage.tables import records, staged_parts
from tests.conftest import TestClient

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CALLER = Caller("k1", "人保济南", Role.INSURER)


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


class Died(BaseException):
    """The writing process stopped right after staging (as a SIGKILL would stop it)."""


def _staged_only(archive: ArchiveService, monkeypatch: pytest.MonkeyPatch, body: dict[str, Any],
                 key: str) -> str:
    """Create a record whose writer dies after staging; return its ID."""
    def dies(rid: str) -> Any:
        raise Died(rid)

    monkeypatch.setattr(archive, "_finish", dies)
    with pytest.raises(Died) as died:
        archive.create(CALLER, body, key=IdempotencyKey(key))
    monkeypatch.undo()
    return str(died.value)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = Settings(data_dir=tmp_path_factory.mktemp("recovery"), recovery_interval=0.5)
    application = create_app(settings)
    with TestClient(application):
        yield application


def ctx_of(app: Any) -> AppContext:
    return app.state.ctx  # type: ignore[no-any-return]


def test_a_writer_that_holds_its_lease_is_left_alone_then_taken_over(app, monkeypatch):
    archive = ctx_of(app).archive
    rid = _staged_only(archive, monkeypatch, example("callback-shandong"), "lease-1")
    time.sleep(1.5)  # the recovery loop passes several times meanwhile
    assert archive.find(rid).status == "pending"  # its writer may still be writing
    with ctx_of(app).engine.begin() as conn:  # the writer's lease runs out
        conn.execute(update(records).where(records.c.id == rid)
                     .values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    deadline = time.monotonic() + 10
    while archive.find(rid).status == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
    done = archive.find(rid)
    assert done.status == "archived"
    with ctx_of(app).engine.connect() as conn:
        assert conn.execute(select(staged_parts).where(staged_parts.c.record_id == rid)).first() \
            is None


def test_a_part_stored_with_other_bytes_fails_the_record_with_its_reason(app, monkeypatch):
    ctx = ctx_of(app)
    old = ctx.archive.create(CALLER, example("plan-national"))
    body = example("plan-national") | {"supersedes": old["id"]}
    rid = _staged_only(ctx.archive, monkeypatch, body, "integrity-1")
    # something else got to the record's PDF key first
    ctx.store.put_locked(f"records/{rid}/document.pdf", b"%PDF-1.7 not ours", "application/pdf",
                         datetime.now(UTC) + timedelta(days=1))
    with ctx.engine.begin() as conn:
        conn.execute(update(records).where(records.c.id == rid).values(lease_until=None))
    failed = ctx.archive.complete(rid)
    assert failed.status == "failed" and failed.failure is not None
    assert failed.failure["error"] == "integrity" and "document.pdf" in failed.failure["message_en"]
    assert failed.supersedes is None  # its correction slot is free for a good correction
    fixed = ctx.archive.create(CALLER, body)
    assert fixed["status"] == "archived" and fixed["supersedes"] == old["id"]


def test_a_pending_record_with_nothing_staged_fails_with_a_reason(app):
    ctx = ctx_of(app)
    now = datetime.now(UTC)
    with ctx.engine.begin() as conn:  # as an earlier version left one: no staging, no objects
        conn.execute(insert(records).values(
            id="AZX-26CBK-LEGAC-Y0000-0", tenant="人保济南", doc_type="callback",
            profile="shandong", title="回访表", template_version="1", content_sha256="0" * 64,
            parts={}, manifest_key="records/AZX-26CBK-LEGAC-Y0000-0/manifest.json",
            created_at=now, retain_until=now + timedelta(days=1900), legal_hold=False,
            status="pending", key_scope="client"))
    record = ctx.archive.complete("AZX-26CBK-LEGAC-Y0000-0")
    assert record.status == "failed" and record.failure["error"] == "nothing_staged"


def test_records_a_dead_process_left_pending_complete_at_start_off_the_event_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    settings = Settings(data_dir=tmp_path)
    first = create_app(settings)
    with TestClient(first):
        rid = _staged_only(ctx_of(first).archive, monkeypatch, example("report-shandong"), "k9")
        # the dead writer's lease is still running when the next process starts
        assert ctx_of(first).archive.find(rid).lease_until > datetime.now(UTC)
    caplog.set_level(logging.INFO, logger="azx.archive")
    second = create_app(settings)
    with TestClient(second) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 20
        while ctx_of(second).archive.find(rid).status == "pending" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ctx_of(second).archive.find(rid).status == "archived"
    threads = {r.threadName for r in caplog.records if r.getMessage().startswith("recovery:")}
    assert threads == {"azx-recovery"}
