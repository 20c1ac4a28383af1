"""Asynchronous jobs and batches: their state in the database, the task bodies that run them.

The database is the source of truth; the queue only carries IDs::

    POST /v1/documents?mode=async ─┐                     ┌─ azx.run_job(job_id)
    POST /v1/batches ──────────────┼─ jobs/batches rows ─┤    → ArchiveService.create
                                   │  (one transaction)   │      (key: the job id, scope "job")
                                   │                      └─ azx.fanout_batch(batch_id)
                                   │                           → azx.run_job × N
    job/batch finished ─ webhook_deliveries rows (same transaction as the status change)
                       └─ azx.deliver_webhook(delivery_id), rescheduled via next_attempt_at
    azx.sweep ─ re-sends what a lost message, a killed worker or an unreachable broker left
                behind, and completes records left pending (ArchiveService.recover)

Job states: ``queued → running → done | failed``. A job is claimed by any worker that gets its
message (status ``queued`` or ``running``); running it twice is harmless because the record is
created with the job id as its key in the service's own ``job`` key scope (the registry admits
one record per key), and a record left ``pending`` by a killed worker is finished by
``ArchiveService.complete`` from what it staged. Counting into the batch happens only in the
transaction that moves a job out of ``running``, so a job is counted once however often it runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.settings import Settings
from domain.access import Action, Caller, Role, require
from domain.errors import (
    Conflict,
    DomainError,
    DomainValidationError,
    ErrorBody,
    NotFound,
    Problem,
    error_body,
)
from domain.retention import add_years
from services.archive import ArchiveService, IdempotencyKey
from services.audit import AuditLog
from services.jobs.batchfiles import (
    BatchItem,
    check_item,
    documents_zip,
    parse_batch_body,
    results_csv,
)
from services.jobs.dispatch import (
    TASK_DELIVER,
    TASK_FANOUT,
    TASK_RUN_JOB,
    TRANSIENT,
    CeleryDispatcher,
    Dispatcher,
    LocalDispatcher,
    dispatch_new,
)
from services.jobs.ids import new_id
from services.jobs.webhooks import Webhooks
from services.obligations import ObligationService
from services.prepare import prepare, request_sha256
from services.records import RecordPending, iso_utc
from storage.errors import ObjectExists, ObjectNotFound
from storage.tables import batches, jobs, webhook_deliveries

__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "JobService"]

log = logging.getLogger("azx.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
PENDING = "pending"


def _now() -> datetime:
    return datetime.now(UTC)


def _invalid(problems: list[Problem]) -> dict[str, Any]:
    return error_body(DomainValidationError(problems)).as_dict()


class JobService:
    """Submit, run and report asynchronous archive jobs, batches and webhooks (tenant-scoped)."""

    def __init__(self, *, engine: Engine, settings: Settings, audit: AuditLog,
                 archive: ArchiveService, dispatcher: Dispatcher | None = None,
                 clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.settings = settings
        self.audit = audit
        self.archive = archive
        self.clock = clock
        if dispatcher is None:
            dispatcher = (CeleryDispatcher(settings) if settings.broker_url
                          else LocalDispatcher(settings))
        self.dispatcher: Dispatcher = dispatcher
        if isinstance(dispatcher, LocalDispatcher):
            dispatcher.bind(self)
        self.webhooks = Webhooks(engine=engine, settings=settings,
                                 dispatcher=lambda: self.dispatcher, clock=lambda: self.clock())
        #: obligation.due_soon / obligation.overdue, judged by the sweep (services/obligations.py)
        self.obligations = ObligationService(engine=engine, store=archive.store,
                                             settings=settings, clock=lambda: self.clock())
        #: Exceptions run_job lets through untouched (a worker's soft time limit).
        self.passthrough: tuple[type[BaseException], ...] = ()

    def start(self) -> None:
        """Begin background work (embedded mode: resume jobs, retry webhooks). Idempotent."""
        self.dispatcher.start(self)

    def close(self) -> None:
        self.dispatcher.close()

    # -- submitting -------------------------------------------------------------------------
    def submit_document(self, caller: Caller, body: Any, *,
                        idempotency_key: str | None = None) -> dict[str, Any]:
        """Accept one document for archiving later; everything about it is checked now (→ 422,
        all problems at once, nothing stored)."""
        require(caller, Action.CREATE)
        sha = request_sha256(body)
        if idempotency_key:
            existing = self._job_by_key(caller.tenant, idempotency_key)
            if existing is not None:
                return self._same_request(existing, sha, self.describe_job)
        request, problems = check_item(BatchItem(body))
        try:
            prepare(body, caller, find_record=self.archive.find)
        except DomainValidationError as exc:
            problems += [p for p in exc.problems if p not in problems]
        if problems or request is None:
            raise DomainValidationError(problems)
        now = self.clock()
        stored = request.stored()
        row = {"id": new_id("job"), "tenant": caller.tenant, "kind": "document",
               "status": QUEUED, "doc_type": request.type, "profile": request.profile,
               "request": stored, "attempts": 0, "created_by": caller.key_id,
               "role": caller.role.value, "idempotency_key": idempotency_key,
               "request_sha256": sha, "dispatched_at": now, "created_at": now,
               "updated_at": now}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(jobs).values(**row))
        except IntegrityError:
            if idempotency_key:  # a concurrent request with the same key won
                return self.submit_document(caller, body, idempotency_key=idempotency_key)
            raise
        dispatch_new(self.dispatcher, self.engine, jobs, str(row["id"]), TASK_RUN_JOB,
                     "interactive")
        return self.describe_job(row)

    def submit_batch(self, caller: Caller, raw: bytes, content_type: str, *,
                     idempotency_key: str | None = None) -> dict[str, Any]:
        """Accept a batch (JSON array or NDJSON). Structurally broken items fail at once."""
        require(caller, Action.CREATE)
        items = parse_batch_body(raw, content_type)
        limit = self.settings.batch_max_items
        if not items:
            raise DomainValidationError.single(("body",), "empty", "批次中没有文书",
                                               "the batch holds no documents")
        if len(items) > limit:
            raise DomainValidationError.single(
                ("body",), "too_many_items", f"一个批次最多 {limit} 份文书，收到 {len(items)} 份",
                f"a batch holds at most {limit} documents; got {len(items)}")
        sha = hashlib.sha256(raw).hexdigest()
        if idempotency_key:
            existing = self._batch_by_key(caller.tenant, idempotency_key)
            if existing is not None:
                return self._same_request(existing, sha, self._describe_batch_live)
        now = self.clock()
        bid = new_id("bat")
        rows: list[dict[str, Any]] = []
        failed = 0
        for n, item in enumerate(items, 1):
            request, problems = check_item(item)
            if request is None:
                failed += 1
            rows.append({
                "id": new_id("job"), "tenant": caller.tenant, "kind": "document",
                "status": FAILED if request is None else QUEUED,
                "doc_type": request.type if request else None,
                "profile": request.profile if request else None,
                "request": request.stored() if request is not None else None,
                "error": _invalid(problems) if request is None else None, "attempts": 0,
                "batch_id": bid, "item_index": n, "created_by": caller.key_id,
                "role": caller.role.value, "created_at": now, "updated_at": now,
                "finished_at": now if request is None else None})
        complete = failed == len(rows)
        batch = {"id": bid, "tenant": caller.tenant, "status": DONE if complete else QUEUED,
                 "total": len(rows), "done_count": 0, "failed_count": failed,
                 "created_by": caller.key_id, "role": caller.role.value,
                 "idempotency_key": idempotency_key, "request_sha256": sha,
                 "created_at": now, "updated_at": now, "dispatched_at": now,
                 "completed_at": now if complete else None}
        deliveries: list[str] = []
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(batches).values(**batch))
                for i in range(0, len(rows), 1000):
                    conn.execute(insert(jobs), rows[i:i + 1000])
                if complete:
                    deliveries = self.webhooks.emit(conn, caller.tenant, "batch.completed",
                                            self.describe_batch(batch))
        except IntegrityError:
            if idempotency_key:
                return self.submit_batch(caller, raw, content_type,
                                         idempotency_key=idempotency_key)
            raise
        if complete:
            self._after_batch_completed(bid, deliveries)
        else:
            dispatch_new(self.dispatcher, self.engine, batches, bid, TASK_FANOUT, "interactive")
        return self.describe_batch(batch)

    @staticmethod
    def _same_request(existing: dict[str, Any], sha: str,
                      describe: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        if existing["request_sha256"] != sha:
            raise Conflict("该 Idempotency-Key 已用于另一内容不同的请求",
                           "this Idempotency-Key was already used with a different request body")
        return describe(existing)

    def _job_by_key(self, tenant: str, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(jobs).where(jobs.c.tenant == tenant,
                                                jobs.c.idempotency_key == key)).mappings().first()
        return dict(r) if r else None

    def _batch_by_key(self, tenant: str, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(batches).where(
                batches.c.tenant == tenant, batches.c.idempotency_key == key)).mappings().first()
        return dict(r) if r else None

    # -- running (the task bodies; safe to run twice, concurrently or after a kill) ----------
    def run_job(self, job_id: str) -> str:
        """Archive the job's document. Returns what happened; raises only :data:`TRANSIENT`."""
        job = self._claim(job_id)
        if job is None:
            return "skipped"  # vanished, or finished by an earlier run
        if job["attempts"] > self.settings.job_max_attempts:
            self._finish(job_id, FAILED, error=ErrorBody(
                "too_many_attempts", f"已尝试 {job['attempts'] - 1} 次仍未完成，已放弃",
                f"gave up after {job['attempts'] - 1} attempts").as_dict())
            return FAILED
        caller = Caller(job["created_by"] or "job", job["tenant"], Role(job["role"]))
        key = IdempotencyKey(job_id, "job")
        try:
            record = self.archive.create(caller, job["request"], key=key)
        except (*TRANSIENT, *self.passthrough):
            raise
        except DomainError as exc:
            self._finish(job_id, FAILED, error=error_body(exc).as_dict())
            return FAILED
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
            # the record may have been archived before the fault (e.g. in the audit append)
            done = self.archive.find_by_key(job["tenant"], key)
            if done is not None and done.status == "archived":
                self._finish(job_id, DONE, record_id=done.id)
                return DONE
            self._finish(job_id, FAILED, error=ErrorBody(
                "internal", "服务内部错误，已记录", "internal error; logged").as_dict())
            return FAILED
        if record["status"] == "pending":  # accepted, store away: retried like a transient fault
            raise RecordPending(record["id"])
        if record["status"] != "archived":  # failed with a reason: the job fails with it
            self._finish(job_id, FAILED, record_id=record["id"], error=record.get("failure"))
            return FAILED
        self._finish(job_id, DONE, record_id=record["id"])
        return DONE

    def deliver(self, delivery_id: str) -> str:
        """The task body of a webhook delivery (see :class:`Webhooks`)."""
        return self.webhooks.deliver(delivery_id)

    def fail_job(self, job_id: str, code: str, zh: str, en: str) -> None:
        """Record a failure decided outside :meth:`run_job` (e.g. the soft time limit)."""
        self._finish(job_id, FAILED, error=ErrorBody(code, zh, en).as_dict())

    def _claim(self, job_id: str) -> dict[str, Any] | None:
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
            if row is None or row["status"] not in (QUEUED, RUNNING):
                return None
            res = conn.execute(update(jobs).where(
                jobs.c.id == job_id, jobs.c.status.in_((QUEUED, RUNNING))).values(
                status=RUNNING, attempts=jobs.c.attempts + 1, updated_at=now,
                lease_until=now + timedelta(seconds=self.settings.job_lease)))
            if res.rowcount != 1:
                return None
        return dict(row) | {"attempts": row["attempts"] + 1}

    def _finish(self, job_id: str, status: str, *, record_id: str | None = None,
                error: dict[str, Any] | None = None) -> bool:
        """``running`` → done|failed, counted into its batch once; events in the same commit."""
        now = self.clock()
        deliveries: list[str] = []
        completed_batch: str | None = None
        with self.engine.begin() as conn:
            res = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == RUNNING)
                               .values(status=status, record_id=record_id, error=error,
                                       lease_until=None, updated_at=now, finished_at=now))
            if res.rowcount != 1:
                return False
            job = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().one()
            bid = job["batch_id"]
            if bid is None:
                event = "job.completed" if status == DONE else "job.failed"
                deliveries = self.webhooks.emit(conn, job["tenant"], event, self.describe_job(dict(job)))
            else:
                col = batches.c.done_count if status == DONE else batches.c.failed_count
                conn.execute(update(batches).where(batches.c.id == bid)
                             .values({col: col + 1, batches.c.updated_at: now}))
                res = conn.execute(update(batches).where(
                    batches.c.id == bid, batches.c.status != DONE,
                    batches.c.done_count + batches.c.failed_count >= batches.c.total,
                ).values(status=DONE, completed_at=now, updated_at=now))
                if res.rowcount == 1:
                    completed_batch = bid
                    batch = conn.execute(select(batches).where(batches.c.id == bid)
                                         ).mappings().one()
                    deliveries = self.webhooks.emit(conn, job["tenant"], "batch.completed",
                                            self.describe_batch(dict(batch)))
        if completed_batch is not None:
            self._after_batch_completed(completed_batch, deliveries)
        else:
            self.webhooks.send(deliveries)
        return True

    def _after_batch_completed(self, bid: str, deliveries: list[str]) -> None:
        self.webhooks.send(deliveries)
        try:
            self._store_report(bid)
        except Exception as exc:  # best effort: results.csv is also made from the table
            log.warning("could not store the report of batch %s: %s", bid, exc)

    def _store_report(self, bid: str) -> None:
        """Archive results.csv of a finished batch (locked like every archived object)."""
        store = self.archive.store
        key = f"reports/batches/{bid}/results.csv"
        until = add_years(self.clock(), self.settings.retention_years)
        with contextlib.suppress(ObjectExists):  # written by an earlier run
            store.put_locked(key, results_csv(self.engine, bid), "text/csv; charset=utf-8", until,
                             metadata={"batch-id": bid})
        with self.engine.begin() as conn:
            conn.execute(update(batches).where(batches.c.id == bid).values(report_key=key))

    def fanout_batch(self, batch_id: str) -> str:
        """Send one run_job message per queued item (again after a crash: duplicates are
        harmless), then mark the batch running."""
        with self.engine.connect() as conn:
            batch = conn.execute(select(batches.c.status).where(batches.c.id == batch_id)).first()
        if batch is None:
            return "skipped"
        if batch.status == QUEUED:
            last = 0
            while True:
                with self.engine.connect() as conn:
                    page = conn.execute(
                        select(jobs.c.id, jobs.c.item_index).where(
                            jobs.c.batch_id == batch_id, jobs.c.status == QUEUED,
                            jobs.c.item_index > last).order_by(jobs.c.item_index).limit(500)
                    ).all()
                if not page:
                    break
                ids = [r.id for r in page]
                self.dispatcher.send_many(TASK_RUN_JOB, ids, queue="batch")
                with self.engine.begin() as conn:
                    conn.execute(update(jobs).where(jobs.c.id.in_(ids))
                                 .values(dispatched_at=self.clock()))
                last = page[-1].item_index
            now = self.clock()
            with self.engine.begin() as conn:
                conn.execute(update(batches).where(batches.c.id == batch_id,
                                                   batches.c.status == QUEUED)
                             .values(status=RUNNING, dispatched_at=now, updated_at=now))
        return "dispatched"

    # -- recovery -----------------------------------------------------------------------------
    def sweep(self, _ident: str | None = None, *, requeue: bool = True) -> dict[str, int]:
        """Re-send what lost messages or vanished workers left: due webhook deliveries, running
        jobs whose lease ran out and (``requeue``) jobs and batches whose message may be lost.
        Safe to run anywhere, any number of times at once (every pick is a conditional
        update)."""
        now = self.clock()
        stale = now - timedelta(seconds=self.settings.job_requeue_after)
        settle = now - timedelta(seconds=30)  # leave the submitter time to dispatch itself
        d = webhook_deliveries
        due_cond = and_(d.c.status == PENDING, d.c.next_attempt_at <= now,
                        or_(d.c.locked_until.is_(None), d.c.locked_until < now),
                        or_(d.c.dispatched_at.is_(None), d.c.dispatched_at < d.c.next_attempt_at,
                            d.c.dispatched_at < now - timedelta(minutes=5)))
        lease_cond = and_(jobs.c.status == RUNNING, jobs.c.lease_until < now)
        queued_cond = and_(jobs.c.status == QUEUED, or_(
            and_(jobs.c.batch_id.is_(None), jobs.c.dispatched_at.is_(None),
                 jobs.c.created_at < settle),
            jobs.c.dispatched_at < stale))
        batch_cond = and_(batches.c.status == QUEUED, or_(
            and_(batches.c.dispatched_at.is_(None), batches.c.created_at < settle),
            batches.c.dispatched_at < stale))
        out = {}
        out["deliveries"] = self._pick(d, due_cond, {"dispatched_at": now}, TASK_DELIVER,
                                       lambda _: "webhooks")
        out["expired"] = self._pick(jobs, lease_cond, {"status": QUEUED, "lease_until": None,
                                                       "dispatched_at": now}, TASK_RUN_JOB,
                                    self._job_queue)
        if requeue:
            out["requeued"] = self._pick(jobs, queued_cond, {"dispatched_at": now},
                                         TASK_RUN_JOB, self._job_queue)
            out["batches"] = self._pick(batches, batch_cond, {"dispatched_at": now},
                                        TASK_FANOUT, lambda _: "interactive")
            # many machines: records whose writer died or met a store outage are finished here
            out["records"] = self.archive.recover().completed
        try:  # every AZX_OBLIGATION_SCAN_INTERVAL s; a fault there never stops the sweep
            out["obligation_events"] = self.obligations.scan_if_due(self.webhooks.emit,
                                                                    self.webhooks.send)
        except Exception:
            log.exception("obligation scan failed; tried again at the next interval")
        if any(out.values()):
            log.info("sweep re-sent %s", out)
        return out

    def _job_queue(self, ident: str) -> str:
        with self.engine.connect() as conn:
            bid = conn.execute(select(jobs.c.batch_id).where(jobs.c.id == ident)).scalar()
        return "batch" if bid else "interactive"

    def _pick(self, table: Any, cond: Any, values: dict[str, Any], task: str,
              queue: Callable[[str], str], limit: int = 500) -> int:
        with self.engine.connect() as conn:
            ids = list(conn.execute(select(table.c.id).where(cond).limit(limit)).scalars())
        sent = 0
        for ident in ids:
            with self.engine.begin() as conn:
                if conn.execute(update(table).where(table.c.id == ident, cond)
                                .values(**values)).rowcount != 1:
                    continue  # another sweep took it
            self.dispatcher.send(task, ident, queue=queue(ident))
            sent += 1
        return sent

    def resume_all(self) -> int:
        """Embedded mode, at start: every unfinished job and batch is sent again."""
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.status == RUNNING)
                         .values(status=QUEUED, lease_until=None, updated_at=now))
            job_rows = conn.execute(select(jobs.c.id, jobs.c.batch_id).join(
                batches, batches.c.id == jobs.c.batch_id, isouter=True).where(
                jobs.c.status == QUEUED,
                or_(jobs.c.batch_id.is_(None), batches.c.status != QUEUED))).all()
            batch_ids = list(conn.execute(select(batches.c.id).where(
                batches.c.status == QUEUED)).scalars())
        for r in job_rows:
            self.dispatcher.send(TASK_RUN_JOB, r.id, queue="batch" if r.batch_id else "interactive")
        for bid in batch_ids:
            self.dispatcher.send(TASK_FANOUT, bid, queue="interactive")
        if job_rows or batch_ids:
            log.info("resumed %d unfinished jobs and %d batches", len(job_rows), len(batch_ids))
        return len(job_rows) + len(batch_ids)

    # -- reading ------------------------------------------------------------------------------
    def describe_job(self, row: dict[str, Any]) -> dict[str, Any]:
        jid, rid, bid = row["id"], row.get("record_id"), row.get("batch_id")
        links = {"self": f"/v1/jobs/{jid}"}
        if rid:
            links |= {"record": f"/v1/documents/{rid}", "pdf": f"/v1/documents/{rid}.pdf"}
        if bid:
            links["batch"] = f"/v1/batches/{bid}"
        return {
            "id": jid, "kind": row["kind"], "status": row["status"], "type": row.get("doc_type"),
            "profile": row.get("profile"), "batch_id": bid, "item": row.get("item_index"),
            "attempts": row.get("attempts") or 0, "record_id": rid, "error": row.get("error"),
            "created_at": iso_utc(row["created_at"]), "updated_at": iso_utc(row["updated_at"]),
            "finished_at": iso_utc(row.get("finished_at")), "links": links,
        }

    def describe_batch(self, row: dict[str, Any],
                       counts: dict[str, int] | None = None) -> dict[str, Any]:
        bid = row["id"]
        if counts is None:
            done, failed = row["done_count"], row["failed_count"]
            counts = {QUEUED: row["total"] - done - failed, RUNNING: 0, DONE: done,
                      FAILED: failed}
        return {
            "id": bid, "status": row["status"], "total": row["total"], "counts": counts,
            "created_at": iso_utc(row["created_at"]), "updated_at": iso_utc(row["updated_at"]),
            "completed_at": iso_utc(row.get("completed_at")),
            "links": {"self": f"/v1/batches/{bid}",
                      "results": f"/v1/batches/{bid}/results.csv",
                      "documents": f"/v1/batches/{bid}/documents.zip"},
        }

    def _describe_batch_live(self, row: dict[str, Any]) -> dict[str, Any]:
        with self.engine.connect() as conn:
            found: dict[str, int] = dict(conn.execute(select(jobs.c.status, func.count()).where(
                jobs.c.batch_id == row["id"]).group_by(jobs.c.status)).tuples().all())
        counts = {s: int(found.get(s, 0)) for s in (QUEUED, RUNNING, DONE, FAILED)}
        return self.describe_batch(row, counts)

    def get_job(self, caller: Caller, job_id: str) -> dict[str, Any]:
        require(caller, Action.READ)
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        if row is None or row["tenant"] != caller.tenant:
            raise NotFound("任务", job_id)
        out = self.describe_job(dict(row))
        if row["status"] == DONE and row["record_id"]:
            out["record"] = self.archive.get(caller, row["record_id"])
        return out

    def _visible_batch(self, caller: Caller, batch_id: str) -> dict[str, Any]:
        require(caller, Action.READ)
        with self.engine.connect() as conn:
            row = conn.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
        if row is None or row["tenant"] != caller.tenant:
            raise NotFound("批次", batch_id)
        return dict(row)

    def get_batch(self, caller: Caller, batch_id: str) -> dict[str, Any]:
        return self._describe_batch_live(self._visible_batch(caller, batch_id))

    def batch_results_csv(self, caller: Caller, batch_id: str) -> bytes:
        """Per-item results (UTF-8 with BOM, for spreadsheet programs); live until finished."""
        row = self._visible_batch(caller, batch_id)
        if row["status"] == DONE and row["report_key"]:
            try:
                return self.archive.store.get(row["report_key"])
            except ObjectNotFound:
                pass
        return results_csv(self.engine, batch_id)

    def batch_documents_zip(self, caller: Caller, batch_id: str) -> IO[bytes]:
        """A ZIP of the batch's PDFs and results.csv (once the batch is finished)."""
        row = self._visible_batch(caller, batch_id)
        if row["status"] != DONE:
            raise Conflict("批次尚未完成，请稍后再取（GET /v1/batches/{id} 查看进度）",
                           "the batch is not finished yet; poll GET /v1/batches/{id}")
        spool, count = documents_zip(self.engine, self.archive.store, batch_id, caller.tenant)
        self.audit.append("export", tenant=caller.tenant, actor=caller.key_id,
                          detail={"batch": batch_id, "documents": count})
        return spool

