"""Celery tasks: an ID in, one ``JobService`` call out.

Every task is safe to run twice (the database row decides what is left to do), exits cleanly
when its row has vanished, and is retried — exponential backoff with jitter — only for the named
transient faults ``services.jobs.TRANSIENT`` (object store unavailable, database unreachable).
A job stopped by the soft time limit fails with ``timeout``; one whose process is killed (hard
limit, OOM, a lost machine) is redelivered by the broker and, failing that, by the sweep.
"""

from __future__ import annotations

from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown

from core.settings import get_settings
from services.context import AppContext, open_context
from services.jobs import (
    TASK_DELIVER,
    TASK_FANOUT,
    TASK_RUN_JOB,
    TASK_SWEEP,
    TRANSIENT,
    CeleryDispatcher,
)
from workers import app, settings

__all__ = ["context", "deliver_webhook", "fanout_batch", "run_job", "sweep"]

_ctx: AppContext | None = None

_RETRY: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,  # 2, 4, 8 … seconds,
    "retry_backoff_max": 300,  # at most 5 minutes apart,
    "retry_jitter": True,  # each drawn at random below that
    "max_retries": 8,  # then the sweep takes over (lease / requeue)
}


def context() -> AppContext:
    """This worker process's context, opened on first use (never inherited across fork)."""
    global _ctx
    if _ctx is None:
        ctx = open_context(get_settings())
        jobs = ctx.jobs
        jobs.dispatcher.close()
        jobs.dispatcher = CeleryDispatcher(ctx.settings, app=app)
        jobs.passthrough = (SoftTimeLimitExceeded,)
        _ctx = ctx
    return _ctx


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _fresh_process(**_: Any) -> None:
    global _ctx
    _ctx = None  # a forked child opens its own connections


@worker_process_shutdown.connect  # type: ignore[untyped-decorator]
def _close(**_: Any) -> None:
    global _ctx
    if _ctx is not None:
        ctx, _ctx = _ctx, None
        ctx.close()


@app.task(name=TASK_RUN_JOB, **_RETRY)  # type: ignore[untyped-decorator]
def run_job(job_id: str) -> str:
    try:
        return context().jobs.run_job(job_id)
    except SoftTimeLimitExceeded:
        limit = settings.task_soft_time_limit
        context().jobs.fail_job(job_id, "timeout", f"超过 {limit} 秒仍未完成，已停止",
                                f"stopped after {limit} s (AZX_TASK_SOFT_TIME_LIMIT)")
        return "failed"


@app.task(name=TASK_FANOUT, **_RETRY)  # type: ignore[untyped-decorator]
def fanout_batch(batch_id: str) -> str:
    return context().jobs.fanout_batch(batch_id)


@app.task(name=TASK_DELIVER, **_RETRY)  # type: ignore[untyped-decorator]
def deliver_webhook(delivery_id: str) -> str:
    return context().jobs.deliver(delivery_id)


@app.task(name=TASK_SWEEP)  # type: ignore[untyped-decorator]
def sweep() -> dict[str, int]:
    return context().jobs.sweep()
