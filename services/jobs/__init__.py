"""Generation at scale: asynchronous jobs, batches of up to 10,000 documents, signed webhooks.

* :mod:`services.jobs.state` — job and batch state, the task bodies (:class:`JobService`);
* :mod:`services.jobs.dispatch` — carrying task IDs: in-process threads or Celery;
* :mod:`services.jobs.webhooks` — tenants' webhooks, the event outbox, signed deliveries;
* :mod:`services.jobs.batchfiles` — batch bodies in, results.csv and documents.zip out.
"""

from services.jobs.batchfiles import NDJSON_TYPES, BatchItem, parse_batch_body
from services.jobs.dispatch import (
    TASK_DELIVER,
    TASK_FANOUT,
    TASK_RUN_JOB,
    TASK_SWEEP,
    TRANSIENT,
    CeleryDispatcher,
    Dispatcher,
    LocalDispatcher,
    celery_config,
    queue_names,
)
from services.jobs.state import DONE, FAILED, QUEUED, RUNNING, JobService
from services.jobs.webhooks import Webhooks, signature_header, verify_signature

__all__ = [
    "DONE",
    "FAILED",
    "NDJSON_TYPES",
    "QUEUED",
    "RUNNING",
    "TASK_DELIVER",
    "TASK_FANOUT",
    "TASK_RUN_JOB",
    "TASK_SWEEP",
    "TRANSIENT",
    "BatchItem",
    "CeleryDispatcher",
    "Dispatcher",
    "JobService",
    "LocalDispatcher",
    "Webhooks",
    "celery_config",
    "parse_batch_body",
    "queue_names",
    "signature_header",
    "verify_signature",
]
