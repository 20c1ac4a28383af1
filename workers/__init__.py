"""Celery workers for the many-machine mode: ``celery -A workers worker`` (or ``azx worker``).

Configured from the same ``AZX_*`` settings as the API (``services.jobs.celery_config``): the
broker ``AZX_BROKER_URL`` (Redis), JSON messages only, late acknowledgement (a message is
acknowledged after its task returned, and given back when the worker process is lost),
one message prefetched per process, soft and hard time limits. Every worker must reach the
same database (``AZX_DATABASE_URL``, PostgreSQL) and object store (``AZX_S3_ENDPOINT``) as the
API, and use the same signing keys (``AZX_SIGNING_P12`` or a shared ``AZX_DATA_DIR/keys``).

Without ``AZX_BROKER_URL`` no worker is needed: the API runs the same task bodies in its own
threads (``services.jobs.LocalDispatcher``).

Each worker also sends ``azx.sweep`` every ``AZX_SWEEP_INTERVAL`` seconds (``Sweeper``), which
re-sends whatever a lost message or a killed machine left behind.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, bootsteps
from celery.exceptions import ImproperlyConfigured

from core.settings import Settings, get_settings
from services.jobs import TASK_SWEEP, celery_config, queue_names

__all__ = ["app", "preflight_problems", "settings"]

log = logging.getLogger("azx.workers")

settings = get_settings()

app = Celery("azx", include=["workers.tasks"])
app.conf.update(celery_config(settings))


def preflight_problems(s: Settings) -> list[str]:
    """Why a worker could not share the API's work (empty when it can)."""
    problems = []
    if not s.broker_url:
        problems.append("AZX_BROKER_URL is not set (e.g. redis://host:6379/0); without it the "
                        "API runs jobs itself and no worker is needed")
    if not s.s3_endpoint:
        problems.append("AZX_S3_ENDPOINT is not set: a worker must write to the object store "
                        "the API reads, not to an embedded one of its own")
    return problems


class Preflight(bootsteps.Step):  # type: ignore[misc]
    """Refuse to start when the worker would not share the API's broker and store; bring the
    database schema to the newest revision once, before any worker process forks."""

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        problems = preflight_problems(settings)
        if problems:
            raise ImproperlyConfigured("; ".join(problems))
        if settings.sqlalchemy_url.startswith("sqlite"):
            log.warning("AZX_DATABASE_URL is SQLite: only workers on this machine can share it; "
                        "use PostgreSQL for many machines")
        from storage.db import make_engine, migrate

        engine = make_engine(settings.sqlalchemy_url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        super().__init__(worker, **kwargs)


class Sweeper(bootsteps.StartStopStep):  # type: ignore[misc]
    """Sends ``azx.sweep`` periodically from the worker's main process (no beat needed)."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        self.tref: Any = None
        super().__init__(worker, **kwargs)

    def start(self, worker: Any) -> None:
        self.tref = worker.timer.call_repeatedly(settings.sweep_interval, self.tick, (worker,),
                                                 priority=10)

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def tick(self, worker: Any) -> None:
        try:
            worker.app.send_task(TASK_SWEEP, queue=queue_names(settings)["webhooks"],
                                 expires=settings.sweep_interval * 4)
        except Exception as exc:  # the broker is away; the next tick tries again
            log.warning("could not send the sweep: %s", exc)


app.steps["worker"].add(Preflight)
app.steps["worker"].add(Sweeper)
