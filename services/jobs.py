"""Generation at scale: asynchronous jobs, batches of up to 10,000 documents, signed webhooks.

The database is the source of truth; the queue only carries IDs::

    POST /v1/documents?mode=async ─┐                     ┌─ azx.run_job(job_id)
    POST /v1/batches ──────────────┼─ jobs/batches rows ─┤    → ArchiveService.create
                                   │  (one transaction)   │      (Idempotency-Key = job id)
                                   │                      └─ azx.fanout_batch(batch_id)
                                   │                           → azx.run_job × N
    job/batch finished ─ webhook_deliveries rows (same transaction as the status change)
                       └─ azx.deliver_webhook(delivery_id), rescheduled via next_attempt_at
    azx.sweep ─ re-sends what a lost message, a killed worker or an unreachable broker left
                behind: due deliveries, running jobs whose lease ran out, undispatched jobs

Job states: ``queued → running → done | failed``. A job is claimed by any worker that gets its
message (status ``queued`` or ``running``); running it twice is harmless because the record is
created with the job id as Idempotency-Key (the registry's unique index admits one record per
key) and a record left ``pending`` by a killed worker is finished from the job's own request.
Counting into the batch happens only in the transaction that moves a job out of ``running``, so
a job is counted once however often it runs.

Two dispatchers carry the IDs:

* ``LocalDispatcher`` (no ``AZX_BROKER_URL``, the default): thread pools inside the API process
  and one loop thread for retries and sweeps; nothing else to install or run.
* ``CeleryDispatcher`` (``AZX_BROKER_URL=redis://…``): Celery messages (JSON) to
  ``celery -A workers worker`` processes on any number of machines (``workers/``).

Both call the same methods of :class:`JobService`; only named transient faults
(:data:`TRANSIENT`) are retried, with exponential backoff and jitter.

Webhook requests carry ``AZX-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``;
:func:`verify_signature` is the receiver's check. Deliveries are at least once: receivers
deduplicate by the payload's ``id`` (also sent as ``AZX-Event-Id``).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import heapq
import hmac
import http.client
import io
import itertools
import json
import logging
import random
import secrets
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from core.settings import Settings
from domain.access import Action, Caller, Role, require
from domain.catalog import get_kind, parse_data
from domain.errors import Conflict, DomainError, DomainValidationError, NotFound, Problem
from domain.retention import add_years, retention_years
from services.archive import ArchiveService, canonical_json, sha256_hex
from services.audit import AuditLog
from storage.errors import ObjectExists, ObjectNotFound, StorageUnavailable
from storage.objectstore import IntegrityError as ObjectIntegrityError
from storage.tables import batches, jobs, records, webhook_deliveries, webhooks

__all__ = [
    "TASK_DELIVER",
    "TASK_FANOUT",
    "TASK_RUN_JOB",
    "TASK_SWEEP",
    "TRANSIENT",
    "CeleryDispatcher",
    "Dispatcher",
    "JobOptions",
    "JobService",
    "LocalDispatcher",
    "celery_config",
    "parse_batch_body",
    "queue_names",
    "signature_header",
    "verify_signature",
]

log = logging.getLogger("azx.jobs")

#: The only faults a job or a delivery is retried for: the archive store or the database is
#: (for the moment) unreachable. Everything else is a result, recorded on the job.
TRANSIENT: tuple[type[Exception], ...] = (StorageUnavailable, OperationalError)

TASK_RUN_JOB = "azx.run_job"
TASK_FANOUT = "azx.fanout_batch"
TASK_DELIVER = "azx.deliver_webhook"
TASK_SWEEP = "azx.sweep"

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
PENDING, DELIVERED = "pending", "delivered"
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl",
                "application/x-jsonlines")
_ITEM_KEYS = frozenset({"type", "profile", "data", "supersedes", "signatures"})


class JobOptions(BaseSettings):
    """Tuning of jobs, workers and webhooks (``AZX_*`` variables; defaults suit one machine)."""

    model_config = SettingsConfigDict(env_prefix="AZX_", extra="ignore")

    job_threads: int = Field(2, ge=1, le=64, description="Embedded mode: threads rendering jobs")
    queue_prefix: str = Field("azx", pattern=r"^[A-Za-z0-9_.\-]{1,40}$",
                              description="Celery queues <prefix>.interactive|batch|webhooks")
    task_soft_time_limit: int = Field(600, ge=1, description="Celery: seconds before a job is "
                                      "told to stop (it fails with 'timeout')")
    task_time_limit: int = Field(660, ge=2, description="Celery: seconds before the worker "
                                 "process running a job is killed")
    broker_visibility_timeout: int = Field(3600, ge=5, description="Redis: seconds before a "
                                           "message taken by a vanished worker is redelivered")
    job_max_attempts: int = Field(10, ge=1, description="Claims of one job before it fails")
    job_requeue_after: int = Field(3600, ge=10, description="Seconds before a queued job whose "
                                   "message may have been lost is sent again")
    batch_max_items: int = Field(10_000, ge=1, le=100_000)
    batch_max_bytes: int = Field(256 * 1024 * 1024, ge=1024)
    sweep_interval: float = Field(15.0, gt=0, description="Celery: seconds between sweeps")
    local_poll_interval: float = Field(1.0, gt=0, description="Embedded: retry/sweep loop tick")
    webhook_timeout: float = Field(10.0, gt=0)
    webhook_retry_base: float = Field(30.0, gt=0, description="First retry delay (s), doubling")
    webhook_retry_max: float = Field(7200.0, gt=0, description="Longest delay between retries")
    webhook_retry_window: float = Field(86400.0, gt=0, description="Retry for this long (s)")
    webhooks_per_tenant: int = Field(20, ge=1)

    @property
    def job_lease(self) -> float:
        """How long a claimed job belongs to its worker (a hard-killed task is over by then)."""
        return float(self.task_time_limit + 60)


# -- small helpers ------------------------------------------------------------------------------

def _now() -> datetime:
    return datetime.now(UTC)


def _new_id(prefix: str) -> str:
    """Time-ordered, unguessable: ``job_0192f0c3a1b2…`` (ms timestamp + 64 random bits)."""
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(8)}"


def _aware(v: datetime | None) -> datetime | None:
    if v is not None and v.tzinfo is None:  # SQLite hands back naive UTC
        return v.replace(tzinfo=UTC)
    return v


def _iso(v: datetime | None) -> str | None:
    v = _aware(v)
    return v.isoformat() if v is not None else None


def _error(code: str, zh: str, en: str, problems: Sequence[Problem] | None = None,
           ) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message_zh": zh, "message_en": en}
    if problems is not None:
        body["problems"] = [p.as_dict() for p in problems]
    return body


def _invalid(problems: Sequence[Problem]) -> dict[str, Any]:
    return _error("invalid", "输入有误，请按所列问题修改", "the input is invalid; see problems",
                  problems)


def _backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random."""
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (the scheme Stripe uses)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: float = 300.0,
                     now: float | None = None) -> bool:
    """The receiver's check of ``AZX-Signature``: a matching v1 MAC and a recent timestamp."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        k, _, v = item.strip().partition("=")
        parts.setdefault(k, []).append(v)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError, IndexError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = signature_header(secret, body, t).rsplit("v1=", 1)[1]
    return any(hmac.compare_digest(expected, v) for v in parts.get("v1", []))


# -- parsing a batch ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Unparsable:
    """An NDJSON line that is not JSON."""

    line: int


def parse_batch_body(raw: bytes, content_type: str) -> list[Any]:
    """The items of a batch body: a JSON array, or NDJSON (one document per line).

    A line that is not JSON becomes an item that fails on its own; a body that is not an array
    (or not UTF-8) is refused as a whole.
    """
    ctype = content_type.split(";", 1)[0].strip().lower()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainValidationError.single(
            ("body",), "json_invalid", "请求体不是 UTF-8 编码", "the body is not UTF-8") from None
    if ctype in NDJSON_TYPES:
        items: list[Any] = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                items.append(_Unparsable(n))
        return items
    try:
        value = json.loads(text)
    except ValueError:
        raise DomainValidationError.single(
            ("body",), "json_invalid", "请求体不是有效的 JSON", "the body is not valid JSON",
        ) from None
    if not isinstance(value, list):
        raise DomainValidationError.single(
            ("body",), "array_type",
            "请求体须为文书的 JSON 数组，或 NDJSON（Content-Type: application/x-ndjson）",
            "the body must be a JSON array of documents, or NDJSON "
            "(Content-Type: application/x-ndjson)")
    return value


def _check_item(item: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Structure of one document ``{"type","profile","data","supersedes"}`` (not its data)."""
    if isinstance(item, _Unparsable):
        return None, [Problem((), "json_invalid", f"第 {item.line} 行不是有效的 JSON",
                              f"line {item.line} is not valid JSON")]
    if not isinstance(item, dict):
        return None, [Problem((), "object_type", "每一项须为 JSON 对象 {type, profile, data}",
                              "each item must be a JSON object {type, profile, data}")]
    problems = [Problem((k,), "missing", f"缺少字段「{k}」", f"field {k!r} is required")
                for k in ("type", "data") if k not in item]
    problems += [Problem((k,), "extra_forbidden", f"未知字段「{k}」", f"unknown field {k!r}")
                 for k in sorted(set(item) - _ITEM_KEYS)]
    problems += [Problem((k,), "string_type", "必须是字符串", "must be a string")
                 for k in ("type", "profile", "supersedes")
                 if item.get(k) is not None and not isinstance(item[k], str)]
    signatures = item.get("signatures")
    if signatures is not None and not isinstance(signatures, list):
        problems.append(Problem(("signatures",), "list_type", "必须是 JSON 数组",
                                "must be a JSON array"))
    for i, sig in enumerate(signatures if isinstance(signatures, list) else []):
        if isinstance(sig, dict) and (sig.get("method") == "certificate" or "p12" in sig):
            problems.append(Problem(
                ("signatures", i, "method"), "certificate_async",
                "证书签署只能同步提交（服务不保存签署方的证书和口令）",
                "certificate signatures are accepted only synchronously (the service does not "
                "keep the parties' certificates and passwords)"))
    if problems:
        return None, problems
    try:
        kind = get_kind(item["type"], item.get("profile"))
    except DomainValidationError as exc:
        return None, exc.problems
    request = {"type": kind.type, "profile": kind.profile, "data": item["data"],
               "supersedes": item.get("supersedes")}
    if signatures is not None:
        request["signatures"] = signatures
    return request, []


def _redacted(item: Any) -> Any:
    """A refused item as kept for the record: never a party's certificate or password."""
    if isinstance(item, _Unparsable):
        return None
    if isinstance(item, dict) and isinstance(item.get("signatures"), list):
        sigs = [{k: v for k, v in sig.items() if k not in ("p12", "p12_password")}
                if isinstance(sig, dict) else sig for sig in item["signatures"]]
        return item | {"signatures": sigs}
    return item


# -- dispatchers --------------------------------------------------------------------------------

class Dispatcher(Protocol):
    """Carries task names and IDs to whatever runs them. ``queue``: interactive|batch|webhooks."""

    def start(self, service: JobService) -> None: ...

    def send(self, task: str, ident: str, *, queue: str = "interactive",
             countdown: float = 0.0) -> None: ...

    def send_many(self, task: str, idents: Sequence[str], *, queue: str) -> None: ...

    def close(self) -> None: ...


def queue_names(options: JobOptions) -> dict[str, str]:
    p = options.queue_prefix
    return {q: f"{p}.{q}" for q in ("interactive", "batch", "webhooks")}


def celery_config(settings: Settings, options: JobOptions) -> dict[str, Any]:
    """One Celery configuration for the API (publisher) and the workers (consumers)."""
    from kombu.entity import Queue

    names = queue_names(options)
    vt = options.broker_visibility_timeout
    transport: dict[str, Any] = {"visibility_timeout": vt}
    if vt < 600:  # look for messages of vanished workers often enough to honour a short timeout
        transport |= {"unacked_restore_interval": max(1, vt // 6), "unacked_restore_throttle": 1}
    return {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": transport,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_soft_time_limit": options.task_soft_time_limit,
        "task_time_limit": max(options.task_time_limit, options.task_soft_time_limit + 1),
        "task_default_queue": names["interactive"],
        "task_queues": [Queue(n, routing_key=n) for n in names.values()],  # type: ignore[no-untyped-call]
        "task_routes": {TASK_DELIVER: {"queue": names["webhooks"]},
                        TASK_SWEEP: {"queue": names["webhooks"]}},
    }


class CeleryDispatcher:
    """Publishes task messages (JSON, IDs only) to the broker; workers run them."""

    def __init__(self, settings: Settings, options: JobOptions, app: Any = None) -> None:
        self._owned = app is None
        if app is None:
            from celery import Celery

            app = Celery("azx-publisher", set_as_current=False)
            app.conf.update(celery_config(settings, options))
        self.app = app
        self.queues = queue_names(options)

    def start(self, service: JobService) -> None:
        pass  # the workers sweep (workers.Sweeper)

    def send(self, task: str, ident: str, *, queue: str = "interactive",
             countdown: float = 0.0) -> None:
        self.app.send_task(task, args=[ident], queue=self.queues[queue],
                           countdown=countdown or None)

    def send_many(self, task: str, idents: Sequence[str], *, queue: str) -> None:
        with self.app.producer_or_acquire() as producer:
            for ident in idents:
                self.app.send_task(task, args=[ident], queue=self.queues[queue],
                                   producer=producer)

    def close(self) -> None:
        if self._owned:
            self.app.close()


class LocalDispatcher:
    """Embedded mode: thread pools in this process, one loop thread for retries and sweeps.

    Transient faults are retried with backoff; a job given up on stays ``running`` and its
    lease brings it back through the sweep. At start every unfinished job is resumed (nothing
    else can be running it in this mode).
    """

    def __init__(self, options: JobOptions, *, max_retries: int = 8) -> None:
        self.options = options
        self.max_retries = max_retries
        self._handlers: dict[str, Callable[[str], Any]] = {}
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._delayed: list[tuple[float, int, str, str, str, int]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._service: JobService | None = None
        self._closed = False

    def bind(self, service: JobService) -> None:
        self._service = service
        self._handlers = {TASK_RUN_JOB: service.run_job, TASK_FANOUT: service.fanout_batch,
                          TASK_DELIVER: service.deliver, TASK_SWEEP: service.sweep}

    def start(self, service: JobService) -> None:
        self.bind(service)
        with self._lock:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(target=self._loop, name="azx-jobs-loop", daemon=True)
            self._thread.start()

    def _pool(self, queue: str) -> ThreadPoolExecutor:
        name = "webhooks" if queue == "webhooks" else "jobs"
        with self._lock:
            pool = self._pools.get(name)
            if pool is None:
                size = 2 if name == "webhooks" else self.options.job_threads
                pool = self._pools[name] = ThreadPoolExecutor(size, f"azx-{name}")
            return pool

    def send(self, task: str, ident: str, *, queue: str = "interactive",
             countdown: float = 0.0) -> None:
        self._submit(task, ident, queue, 0, countdown)

    def send_many(self, task: str, idents: Sequence[str], *, queue: str) -> None:
        for ident in idents:
            self._submit(task, ident, queue, 0, 0.0)

    def _submit(self, task: str, ident: str, queue: str, attempt: int, delay: float) -> None:
        if self._closed:
            return
        if delay > 0:
            with self._lock:
                heapq.heappush(self._delayed, (time.monotonic() + delay, next(self._seq), task,
                                               ident, queue, attempt))
            return
        # RuntimeError: shutting down; the job stays in the table and resumes at start
        with contextlib.suppress(RuntimeError):
            self._pool(queue).submit(self._run, task, ident, queue, attempt)

    def _run(self, task: str, ident: str, queue: str, attempt: int) -> None:
        if self._closed:
            return
        try:
            self._handlers[task](ident)
        except TRANSIENT as exc:
            if attempt >= self.max_retries:
                log.warning("%s(%s): %s; giving up for now (the sweep retries later)",
                            task, ident, exc)
                return
            delay = _backoff(attempt + 1, 1.0, 60.0)
            log.info("%s(%s): transient fault %s; retry in %.1fs", task, ident, exc, delay)
            self._submit(task, ident, queue, attempt + 1, delay)
        except Exception:
            log.exception("%s(%s) failed", task, ident)

    def _loop(self) -> None:
        service = self._service
        assert service is not None
        try:
            service.resume_all()
        except Exception:
            log.exception("could not resume unfinished jobs")
        while not self._stop.wait(self.options.local_poll_interval):
            due: list[tuple[float, int, str, str, str, int]] = []
            with self._lock:
                now = time.monotonic()
                while self._delayed and self._delayed[0][0] <= now:
                    due.append(heapq.heappop(self._delayed))
            for _, _, task, ident, queue, attempt in due:
                self._submit(task, ident, queue, attempt, 0.0)
            try:  # queued jobs wait in this process's pools: nothing to requeue
                service.sweep(requeue=False)
            except Exception as exc:  # e.g. the database briefly locked; next tick tries again
                log.warning("sweep failed: %s", exc)

    def close(self) -> None:
        self._closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


# -- the service ----------------------------------------------------------------------------------

class JobService:
    """Submit, run and report asynchronous archive jobs, batches and webhooks (tenant-scoped)."""

    def __init__(self, *, engine: Engine, settings: Settings, audit: AuditLog,
                 archive: Callable[[], ArchiveService], options: JobOptions | None = None,
                 dispatcher: Dispatcher | None = None,
                 clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.settings = settings
        self.audit = audit
        self._archive = archive
        self.options = options or JobOptions()
        self.clock = clock
        if dispatcher is None:
            dispatcher = (CeleryDispatcher(settings, self.options) if settings.broker_url
                          else LocalDispatcher(self.options))
        self.dispatcher: Dispatcher = dispatcher
        if isinstance(dispatcher, LocalDispatcher):
            dispatcher.bind(self)
        #: Exceptions run_job lets through untouched (a worker's soft time limit).
        self.passthrough: tuple[type[BaseException], ...] = ()

    @property
    def archive(self) -> ArchiveService:
        return self._archive()

    def start(self) -> None:
        """Begin background work (embedded mode: resume jobs, retry webhooks). Idempotent."""
        self.dispatcher.start(self)

    def close(self) -> None:
        self.dispatcher.close()

    # -- submitting -------------------------------------------------------------------------
    def submit_document(self, caller: Caller, body: Any, *,
                        idempotency_key: str | None = None) -> dict[str, Any]:
        """Accept one document for archiving later; its data is validated now (→ 422)."""
        require(caller, Action.CREATE)
        request, problems = _check_item(body)
        if request is None:
            raise DomainValidationError(problems)
        kind = get_kind(request["type"], request["profile"])
        parse_data(kind, request["data"])
        if request.get("signatures") is not None:
            from services.archive import parse_signatures

            parse_signatures(kind.type, request["signatures"])
        sha = sha256_hex(canonical_json(request))
        if idempotency_key:
            existing = self._job_by_key(caller.tenant, idempotency_key)
            if existing is not None:
                return self._same_request(existing, sha, self.describe_job)
        now = self.clock()
        row = {"id": _new_id("job"), "tenant": caller.tenant, "kind": "document",
               "status": QUEUED, "doc_type": request["type"], "profile": request["profile"],
               "request": request, "attempts": 0, "created_by": caller.key_id,
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
        self._dispatch_new(jobs, row["id"], TASK_RUN_JOB, "interactive")
        return self.describe_job(row)

    def submit_batch(self, caller: Caller, raw: bytes, content_type: str, *,
                     idempotency_key: str | None = None) -> dict[str, Any]:
        """Accept a batch (JSON array or NDJSON). Structurally broken items fail at once."""
        require(caller, Action.CREATE)
        items = parse_batch_body(raw, content_type)
        limit = self.options.batch_max_items
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
        bid = _new_id("bat")
        rows: list[dict[str, Any]] = []
        failed = 0
        for n, item in enumerate(items, 1):
            request, problems = _check_item(item)
            if request is None:
                failed += 1
            rows.append({
                "id": _new_id("job"), "tenant": caller.tenant, "kind": "document",
                "status": FAILED if request is None else QUEUED,
                "doc_type": (request or {}).get("type"), "profile": (request or {}).get("profile"),
                "request": request if request is not None else _redacted(item),
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
                    deliveries = self._emit(conn, caller.tenant, "batch.completed",
                                            self.describe_batch(batch))
        except IntegrityError:
            if idempotency_key:
                return self.submit_batch(caller, raw, content_type,
                                         idempotency_key=idempotency_key)
            raise
        if complete:
            self._after_batch_completed(bid, deliveries)
        else:
            self._dispatch_new(batches, bid, TASK_FANOUT, "interactive")
        return self.describe_batch(batch)

    def _dispatch_new(self, table: Any, ident: str, task: str, queue: str) -> None:
        try:
            self.dispatcher.send(task, ident, queue=queue)
        except Exception as exc:  # the row is durable; the sweep sends it once the broker is back
            log.warning("could not dispatch %s(%s): %s; the sweep will retry", task, ident, exc)
            with self.engine.begin() as conn:
                conn.execute(update(table).where(table.c.id == ident).values(dispatched_at=None))

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
        if job["attempts"] > self.options.job_max_attempts:
            self._finish(job_id, FAILED, error=_error(
                "too_many_attempts", f"已尝试 {job['attempts'] - 1} 次仍未完成，已放弃",
                f"gave up after {job['attempts'] - 1} attempts"))
            return FAILED
        request = job["request"] or {}
        caller = Caller(job["created_by"] or "job", job["tenant"], Role(job["role"]))
        extra = ({"signatures": request["signatures"]}
                 if request.get("signatures") is not None else {})
        try:
            record = self.archive.create(
                caller, request["type"], request.get("profile"), request["data"],
                idempotency_key=job_id, supersedes=request.get("supersedes"), **extra)
            if record["status"] != "archived":  # left pending by a killed run: finish it
                self._finish_pending(record["id"], request)
                record = self.archive.get(caller, record["id"])
            if record["status"] != "archived":
                raise StorageUnavailable(f"record {record['id']} is still pending")
        except (*TRANSIENT, *self.passthrough):
            raise
        except DomainValidationError as exc:
            self._finish(job_id, FAILED, error=_invalid(exc.problems))
            return FAILED
        except NotFound as exc:
            self._finish(job_id, FAILED, error=_error(
                "not_found", f"未找到{exc.what}「{exc.ident}」",
                f"{exc.what} {exc.ident!r} not found"))
            return FAILED
        except DomainError as exc:  # Conflict, Forbidden
            zh, en = getattr(exc, "message_zh", str(exc)), getattr(exc, "message_en", str(exc))
            self._finish(job_id, FAILED, error=_error(type(exc).__name__.lower(), zh, en))
            return FAILED
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
            # the record may have been archived before the fault (e.g. in the audit append)
            done = self.archive._by_idempotency(job["tenant"], job_id)
            if done is not None and done["status"] == "archived":
                self._finish(job_id, DONE, record_id=done["id"])
                return DONE
            self._finish(job_id, FAILED, error=_error(
                "internal", "服务内部错误，已记录", "internal error; logged"))
            return FAILED
        self._finish(job_id, DONE, record_id=record["id"])
        return DONE

    def fail_job(self, job_id: str, code: str, zh: str, en: str) -> None:
        """Record a failure decided outside :meth:`run_job` (e.g. the soft time limit)."""
        self._finish(job_id, FAILED, error=_error(code, zh, en))

    def _claim(self, job_id: str) -> dict[str, Any] | None:
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
            if row is None or row["status"] not in (QUEUED, RUNNING):
                return None
            res = conn.execute(update(jobs).where(
                jobs.c.id == job_id, jobs.c.status.in_((QUEUED, RUNNING))).values(
                status=RUNNING, attempts=jobs.c.attempts + 1, updated_at=now,
                lease_until=now + timedelta(seconds=self.options.job_lease)))
            if res.rowcount != 1:
                return None
        return dict(row) | {"attempts": row["attempts"] + 1}

    def _finish_pending(self, record_id: str, request: dict[str, Any]) -> None:
        """Complete a record a killed run left ``pending`` before its source was stored
        (``ArchiveService._complete`` cannot): the source is rebuilt from the job's request
        and must hash to the registry's ``content_sha256``."""
        archive = self.archive
        found = archive._row(record_id)
        if found is None or found["status"] == "archived":
            return
        # SQLite hands back naive datetimes; the store insists on aware retention dates
        row: dict[str, Any] = {k: _aware(v) if isinstance(v, datetime) else v
                               for k, v in found.items()}
        kind = get_kind(row["doc_type"], row["profile"])
        model = parse_data(kind, request["data"])
        base = {"id": record_id, "type": kind.type, "profile": kind.profile,
                "template_version": row["template_version"], "data": request["data"]}
        candidates: list[tuple[bytes, list[Any] | None]] = [(canonical_json(base), None)]
        try:  # records with the parties' (click) signatures carry them in the source
            from services.archive import parse_signatures
        except ImportError:
            pass
        else:
            signed = parse_signatures(kind.type, request.get("signatures"))
            listed = [p.model_dump(mode="json", exclude={"p12", "p12_password"})
                      for p in signed]
            candidates.insert(0, (canonical_json(base | {"signatures": listed}), list(signed)))
        match = [c for c in candidates if sha256_hex(c[0]) == row["content_sha256"]]
        if not match:
            raise RuntimeError(f"pending record {record_id} does not match its job's request")
        source, parties = match[0]
        years = retention_years(self.settings.retention_years,
                                self.settings.retention_overrides, row["tenant"], kind.type)
        if parties is None:
            archive._write(kind, model, row, source, years)
        else:
            archive._write(kind, model, row, source, years, parties)

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
                deliveries = self._emit(conn, job["tenant"], event, self.describe_job(dict(job)))
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
                    deliveries = self._emit(conn, job["tenant"], "batch.completed",
                                            self.describe_batch(dict(batch)))
        if completed_batch is not None:
            self._after_batch_completed(completed_batch, deliveries)
        else:
            self._send_deliveries(deliveries)
        return True

    def _after_batch_completed(self, bid: str, deliveries: list[str]) -> None:
        self._send_deliveries(deliveries)
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
            store.put_locked(key, self._results_csv(bid), "text/csv; charset=utf-8", until,
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
        stale = now - timedelta(seconds=self.options.job_requeue_after)
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
            "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
            "finished_at": _iso(row.get("finished_at")), "links": links,
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
            "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
            "completed_at": _iso(row.get("completed_at")),
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
        return self._results_csv(batch_id)

    def _results_csv(self, batch_id: str) -> bytes:
        q = (select(jobs.c.item_index, jobs.c.id, jobs.c.status, jobs.c.doc_type,
                    jobs.c.profile, jobs.c.record_id, jobs.c.error, records.c.policy_no)
             .join(records, records.c.id == jobs.c.record_id, isouter=True)
             .where(jobs.c.batch_id == batch_id).order_by(jobs.c.item_index))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["item", "job_id", "status", "type", "profile", "record_id", "policy_no",
                    "pdf", "error", "path", "message_zh", "message_en"])
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                err = r.error or {}
                problems = err.get("problems") or []
                sep = " | "
                w.writerow([
                    r.item_index, r.id, r.status, r.doc_type or "", r.profile or "",
                    r.record_id or "", r.policy_no or "",
                    f"/v1/documents/{r.record_id}.pdf" if r.record_id else "",
                    err.get("error", ""), sep.join(p["path"] for p in problems),
                    sep.join(p["message_zh"] for p in problems) or err.get("message_zh", ""),
                    sep.join(p["message_en"] for p in problems) or err.get("message_en", ""),
                ])
        return ("\ufeff" + buf.getvalue()).encode("utf-8")

    def batch_documents_zip(self, caller: Caller, batch_id: str) -> IO[bytes]:
        """A ZIP of the batch's PDFs (``00001_<record>.pdf`` …) and results.csv, spooled to
        disk past 32 MiB; each PDF is checked against its recorded SHA-256."""
        row = self._visible_batch(caller, batch_id)
        if row["status"] != DONE:
            raise Conflict("批次尚未完成，请稍后再取（GET /v1/batches/{id} 查看进度）",
                           "the batch is not finished yet; poll GET /v1/batches/{id}")
        q = (select(jobs.c.item_index, records.c.id, records.c.parts)
             .join(records, records.c.id == jobs.c.record_id)
             .where(jobs.c.batch_id == batch_id, jobs.c.status == DONE,
                    records.c.tenant == caller.tenant)
             .order_by(jobs.c.item_index))
        with self.engine.connect() as conn:
            items = conn.execute(q).all()
        store = self.archive.store
        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
        try:
            with zipfile.ZipFile(spool, "w") as zf:
                zf.writestr("results.csv", self._results_csv(batch_id),
                            compress_type=zipfile.ZIP_DEFLATED)
                for item, rid, parts in items:
                    pdf = (parts or {}).get("pdf")
                    if not pdf:
                        continue
                    content = store.get(pdf["key"], pdf.get("version_id"))
                    if sha256_hex(content) != pdf["sha256"]:
                        raise ObjectIntegrityError(f"{pdf['key']}: SHA-256 does not match")
                    zf.writestr(f"{item:05d}_{rid}.pdf", content,
                                compress_type=zipfile.ZIP_STORED)
        except BaseException:
            spool.close()
            raise
        self.audit.append("export", tenant=caller.tenant, actor=caller.key_id,
                          detail={"batch": batch_id, "documents": len(items)})
        spool.seek(0)
        return spool

    # -- webhooks -----------------------------------------------------------------------------
    def register_webhook(self, caller: Caller, url: str) -> dict[str, Any]:
        """Register a URL for this tenant's job and batch events; the secret is shown once."""
        require(caller, Action.CREATE)
        _check_url(url)
        now = self.clock()
        secret = "whsec_" + secrets.token_urlsafe(32)
        row = {"id": _new_id("whk"), "tenant": caller.tenant, "url": url, "secret": secret,
               "created_by": caller.key_id, "created_at": now}
        with self.engine.begin() as conn:
            active = conn.execute(select(func.count()).select_from(webhooks).where(
                webhooks.c.tenant == caller.tenant, webhooks.c.disabled_at.is_(None))).scalar_one()
            if active >= self.options.webhooks_per_tenant:
                raise DomainValidationError.single(
                    ("url",), "too_many_webhooks",
                    f"每个租户最多 {self.options.webhooks_per_tenant} 个 webhook",
                    f"a tenant may register at most {self.options.webhooks_per_tenant} webhooks")
            conn.execute(insert(webhooks).values(**row))
        return _describe_webhook(row) | {"secret": secret}

    def list_webhooks(self, caller: Caller) -> dict[str, Any]:
        require(caller, Action.READ)
        with self.engine.connect() as conn:
            rows = conn.execute(select(webhooks).where(webhooks.c.tenant == caller.tenant)
                                .order_by(webhooks.c.created_at)).mappings().all()
        return {"items": [_describe_webhook(dict(r)) for r in rows]}

    def disable_webhook(self, caller: Caller, webhook_id: str) -> None:
        require(caller, Action.CREATE)
        with self.engine.begin() as conn:
            res = conn.execute(update(webhooks).where(
                webhooks.c.id == webhook_id, webhooks.c.tenant == caller.tenant,
                webhooks.c.disabled_at.is_(None)).values(disabled_at=self.clock()))
        if res.rowcount != 1:
            raise NotFound("webhook", webhook_id)

    def deliveries(self, caller: Caller, *, status: str | None = None, limit: int = 50,
                   offset: int = 0) -> dict[str, Any]:
        """The tenant's delivery log, newest first."""
        require(caller, Action.READ)
        d = webhook_deliveries
        cond = [d.c.tenant == caller.tenant]
        if status:
            cond.append(d.c.status == status)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(d).where(*cond)).scalar_one()
            rows = conn.execute(
                select(d, webhooks.c.url).join(webhooks, webhooks.c.id == d.c.webhook_id)
                .where(*cond).order_by(d.c.created_at.desc(), d.c.id.desc())
                .limit(limit).offset(offset)).mappings().all()
        items = [{
            "id": r["id"], "webhook_id": r["webhook_id"], "url": r["url"], "event": r["event"],
            "event_id": r["event_id"], "status": r["status"], "attempts": r["attempts"],
            "last_status_code": r["last_status_code"], "last_error": r["last_error"],
            "next_attempt_at": _iso(r["next_attempt_at"]) if r["status"] == PENDING else None,
            "created_at": _iso(r["created_at"]), "updated_at": _iso(r["updated_at"]),
            "delivered_at": _iso(r["delivered_at"]), "payload": r["payload"],
        } for r in rows]
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    def _emit(self, conn: Any, tenant: str, event: str, data: dict[str, Any]) -> list[str]:
        """Outbox: one delivery row per active webhook of the tenant, in the caller's commit."""
        hooks = list(conn.execute(select(webhooks.c.id).where(
            webhooks.c.tenant == tenant, webhooks.c.disabled_at.is_(None))).scalars())
        if not hooks:
            return []
        now = self.clock()
        event_id = _new_id("evt")
        payload = {"id": event_id, "type": event, "created_at": _iso(now), "tenant": tenant,
                   "data": data}
        rows = [{"id": _new_id("dlv"), "webhook_id": h, "tenant": tenant, "event": event,
                 "event_id": event_id, "payload": payload, "status": PENDING, "attempts": 0,
                 "next_attempt_at": now, "dispatched_at": now, "created_at": now,
                 "updated_at": now} for h in hooks]
        conn.execute(insert(webhook_deliveries), rows)
        return [r["id"] for r in rows]

    def _send_deliveries(self, ids: Iterable[str]) -> None:
        for ident in ids:
            self._dispatch_new(webhook_deliveries, ident, TASK_DELIVER, "webhooks")

    def deliver(self, delivery_id: str) -> str:
        """One attempt to POST a delivery; on failure the next is set by ``next_attempt_at``
        (exponential backoff with jitter) until the retry window is over."""
        d = webhook_deliveries
        now = self.clock()
        lease = timedelta(seconds=self.options.webhook_timeout + 60)
        with self.engine.begin() as conn:
            res = conn.execute(update(d).where(
                d.c.id == delivery_id, d.c.status == PENDING, d.c.next_attempt_at <= now,
                or_(d.c.locked_until.is_(None), d.c.locked_until < now),
            ).values(attempts=d.c.attempts + 1, locked_until=now + lease, updated_at=now))
            if res.rowcount != 1:
                return "skipped"  # delivered, given up, not due, or being attempted elsewhere
            row = conn.execute(select(d, webhooks.c.url, webhooks.c.secret,
                                      webhooks.c.disabled_at)
                               .join(webhooks, webhooks.c.id == d.c.webhook_id)
                               .where(d.c.id == delivery_id)).mappings().one()
        if row["disabled_at"] is not None:
            self._delivery_result(delivery_id, FAILED, None, "webhook disabled")
            return FAILED
        body = canonical_json(row["payload"])
        headers = {"Content-Type": "application/json", "User-Agent": "azx-webhooks/1",
                   "AZX-Signature": signature_header(row["secret"], body, int(time.time())),
                   "AZX-Event": row["event"], "AZX-Event-Id": row["event_id"],
                   "AZX-Delivery": delivery_id}
        code, problem = _post(row["url"], body, headers, self.options.webhook_timeout)
        if code is not None and 200 <= code < 300:
            self._delivery_result(delivery_id, DELIVERED, code, None)
            return DELIVERED
        after = self.clock()
        delay = _backoff(row["attempts"] + 1, self.options.webhook_retry_base,
                         self.options.webhook_retry_max)
        created = _aware(row["created_at"]) or after
        if after + timedelta(seconds=delay) > created + timedelta(
                seconds=self.options.webhook_retry_window):
            self._delivery_result(delivery_id, FAILED, code, problem)
            return FAILED
        self._delivery_result(delivery_id, PENDING, code, problem,
                              next_at=after + timedelta(seconds=delay))
        return "retry"

    def _delivery_result(self, delivery_id: str, status: str, code: int | None,
                         problem: str | None, *, next_at: datetime | None = None) -> None:
        now = self.clock()
        values: dict[str, Any] = {"status": status, "last_status_code": code,
                                  "last_error": problem[:500] if problem else None,
                                  "locked_until": None, "updated_at": now}
        if status == DELIVERED:
            values["delivered_at"] = now
        if next_at is not None:
            values["next_attempt_at"] = next_at
        with self.engine.begin() as conn:
            conn.execute(update(webhook_deliveries)
                         .where(webhook_deliveries.c.id == delivery_id).values(**values))


def _describe_webhook(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "url": row["url"], "created_at": _iso(row["created_at"]),
            "disabled_at": _iso(row.get("disabled_at"))}


def _check_url(url: Any) -> None:
    def bad(zh: str, en: str) -> DomainValidationError:
        return DomainValidationError.single(("url",), "url_invalid", zh, en)

    if not isinstance(url, str) or not url or len(url) > 2000:
        raise bad("url 须为不超过 2000 个字符的字符串",
                  "url must be a string of at most 2000 characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise bad("url 格式无效", "url is malformed") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad("只支持 http(s) 地址", "only http(s) URLs are accepted")
    if parts.username or parts.password:
        raise bad("url 中不得包含用户名或密码（请求已由签名认证）",
                  "url must not carry credentials (requests are authenticated by the signature)")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: the signed body goes to the registered URL
    only."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


def _post(url: str, body: bytes, headers: dict[str, str],
          timeout: float) -> tuple[int | None, str | None]:
    """(HTTP status or None, problem) of one POST; never raises for network trouble."""
    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(req, timeout=timeout) as resp:
            resp.read(64 * 1024)
            return int(resp.status), None
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
