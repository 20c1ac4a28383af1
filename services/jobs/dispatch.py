"""Carrying task names and IDs to whatever runs them.

* ``LocalDispatcher`` (no ``AZX_BROKER_URL``, the default): thread pools inside the API process
  and one loop thread for retries and sweeps; nothing else to install or run.
* ``CeleryDispatcher`` (``AZX_BROKER_URL=redis://…``): Celery messages (JSON, IDs only) to
  ``celery -A workers worker`` processes on any number of machines (``workers/``).

Only the named transient faults (:data:`TRANSIENT`) are retried, with exponential backoff and
jitter; everything else is a result, recorded by the task itself.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import Engine, Table, update
from sqlalchemy.exc import OperationalError

from core.settings import Settings
from services.records import RecordPending
from storage.errors import StorageUnavailable

__all__ = [
    "TASK_DELIVER",
    "TASK_FANOUT",
    "TASK_RUN_JOB",
    "TASK_SWEEP",
    "TRANSIENT",
    "CeleryDispatcher",
    "Dispatcher",
    "LocalDispatcher",
    "Runner",
    "backoff",
    "celery_config",
    "dispatch_new",
    "queue_names",
]

log = logging.getLogger("azx.jobs")

#: The only faults a job or a delivery is retried for: the archive store or the database is
#: (for the moment) unreachable, or the record is still being written by another process.
TRANSIENT: tuple[type[Exception], ...] = (StorageUnavailable, OperationalError, RecordPending)

TASK_RUN_JOB = "azx.run_job"
TASK_FANOUT = "azx.fanout_batch"
TASK_DELIVER = "azx.deliver_webhook"
TASK_SWEEP = "azx.sweep"


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random."""
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


class Runner(Protocol):
    """What the local dispatcher runs: the task bodies of ``services.jobs.JobService``."""

    def run_job(self, job_id: str) -> str: ...

    def fanout_batch(self, batch_id: str) -> str: ...

    def deliver(self, delivery_id: str) -> str: ...

    def sweep(self, _ident: str | None = None, *, requeue: bool = True) -> dict[str, int]: ...

    def resume_all(self) -> int: ...


class Dispatcher(Protocol):
    """Carries task names and IDs to whatever runs them. ``queue``: interactive|batch|webhooks."""

    def start(self, service: Runner) -> None: ...

    def send(self, task: str, ident: str, *, queue: str = "interactive",
             countdown: float = 0.0) -> None: ...

    def send_many(self, task: str, idents: Sequence[str], *, queue: str) -> None: ...

    def close(self) -> None: ...


def queue_names(settings: Settings) -> dict[str, str]:
    p = settings.queue_prefix
    return {q: f"{p}.{q}" for q in ("interactive", "batch", "webhooks")}


def celery_config(settings: Settings) -> dict[str, Any]:
    """One Celery configuration for the API (publisher) and the workers (consumers)."""
    from kombu.entity import Queue

    names = queue_names(settings)
    vt = settings.broker_visibility_timeout
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
        "task_soft_time_limit": settings.task_soft_time_limit,
        "task_time_limit": max(settings.task_time_limit, settings.task_soft_time_limit + 1),
        "task_default_queue": names["interactive"],
        "task_queues": [Queue(n, routing_key=n) for n in names.values()],  # type: ignore[no-untyped-call]
        "task_routes": {TASK_DELIVER: {"queue": names["webhooks"]},
                        TASK_SWEEP: {"queue": names["webhooks"]}},
    }


class CeleryDispatcher:
    """Publishes task messages (JSON, IDs only) to the broker; workers run them."""

    def __init__(self, settings: Settings, app: Any = None) -> None:
        self._owned = app is None
        if app is None:
            from celery import Celery

            app = Celery("azx-publisher", set_as_current=False)
            app.conf.update(celery_config(settings))
        self.app = app
        self.queues = queue_names(settings)

    def start(self, service: Runner) -> None:
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

    def __init__(self, settings: Settings, *, max_retries: int = 8) -> None:
        self.settings = settings
        self.max_retries = max_retries
        self._handlers: dict[str, Callable[[str], Any]] = {}
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._delayed: list[tuple[float, int, str, str, str, int]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._service: Runner | None = None
        self._closed = False

    def bind(self, service: Runner) -> None:
        self._service = service
        self._handlers = {TASK_RUN_JOB: service.run_job, TASK_FANOUT: service.fanout_batch,
                          TASK_DELIVER: service.deliver, TASK_SWEEP: service.sweep}

    def start(self, service: Runner) -> None:
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
                size = 2 if name == "webhooks" else self.settings.job_threads
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
            delay = backoff(attempt + 1, 1.0, 60.0)
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
        while not self._stop.wait(self.settings.local_poll_interval):
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




def dispatch_new(dispatcher: Dispatcher, engine: Engine, table: Table, ident: str, task: str,
                 queue: str) -> None:
    """Send a task for a freshly written row; if the broker is away, mark the row undispatched
    (the row is durable: the sweep sends it once the broker is back)."""
    try:
        dispatcher.send(task, ident, queue=queue)
    except Exception as exc:
        log.warning("could not dispatch %s(%s): %s; the sweep will retry", task, ident, exc)
        with engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == ident).values(dispatched_at=None))
