"""The many-machine stack as local processes, on loopback only: Redis and PostgreSQL (already
running) + a SeaweedFS S3 + an API process + Celery workers, each worker in a process group of
its own (killed together, like a machine).

Shared by tests/faults/test_worker_killed.py (a worker is killed mid-batch) and benchmarks/workers.py
(throughput). Each run gets a fresh database ``<db_prefix>_<random>`` (dropped after), its own
queue prefix and Redis keys (deleted after) and its own S3 data directory; SeaweedFS gets a short
grace after SIGTERM, then SIGKILL.

Redis databases: the tests draw theirs from :data:`TEST_REDIS_DBS`; the benchmark uses
:data:`BENCH_REDIS_DB`, so a benchmark and a test suite can run side by side.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import Settings
from services.jobs import queue_names

__all__ = ["BENCH_REDIS_DB", "PG", "REDIS_PORT", "ROOT", "TEST_REDIS_DBS", "Cluster",
           "Unavailable", "free_port", "port_open", "running_cluster", "stop", "tail", "wait"]

ROOT = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_PORT = 6379
TEST_REDIS_DBS = range(1, 15)
BENCH_REDIS_DB = 15


class Unavailable(RuntimeError):
    """Redis or PostgreSQL is not reachable on loopback (a test skips, a benchmark stops)."""


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_admin() -> Any:
    import psycopg

    return psycopg.connect(**PG, dbname="postgres", autocommit=True, connect_timeout=3)


def wait(probe: Callable[[], Any], what: str, timeout: float, interval: float = 0.5) -> Any:
    """``probe()`` until it returns something true (returned), or AssertionError on time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """TERM to the main process only (a Celery worker then finishes its tasks: a warm
    shutdown), KILL to the whole group after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@dataclass
class Cluster:
    env: dict[str, str]
    settings: Settings
    base: str
    key: str
    logs: Path
    queues: list[str]
    tenant: str
    bucket: str
    worker_args: list[str]
    engine: Any = None
    api: subprocess.Popen[bytes] | None = None
    s3_pid: int | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", *self.worker_args,
             "-Q", ",".join(self.queues), "-n", f"{name}@%h",
             "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: killed together, like a machine
        log.close()
        self.workers.append(proc)
        return proc

    def object_store(self) -> Any:
        """A client of the cluster's bucket (a context manager)."""
        from storage.objectstore import MinioObjectStore

        s = self.settings
        assert s.s3_endpoint is not None
        return MinioObjectStore(s.s3_endpoint, s.s3_access_key,
                                s.s3_secret_key.get_secret_value(), self.bucket)


@contextlib.contextmanager
def running_cluster(tmp: Path, *, redis_db: int, db_prefix: str, tenant: str,
                    workers: int = 2, worker_args: Sequence[str] = ("--pool=prefork",
                                                                    "--concurrency=2"),
                    env: Mapping[str, str] | None = None, bucket: str = "azx-dist",
                    worker_grace: float = 15.0) -> Iterator[Cluster]:
    """Start the stack under ``tmp`` (logs in ``tmp/logs``) with ``workers`` workers named
    w1, w2, …; ``env`` adds or overrides ``AZX_*`` variables of every process. Raises
    :class:`Unavailable` before starting anything when Redis or PostgreSQL is away."""
    if not port_open(REDIS_PORT):
        raise Unavailable(f"Redis is not reachable on 127.0.0.1:{REDIS_PORT}")
    try:
        admin = pg_admin()
    except Exception as exc:
        raise Unavailable(f"PostgreSQL is not reachable on 127.0.0.1:5432 as postgres: {exc}"
                          ) from exc
    import httpx
    import redis

    from services.keys import create_key
    from storage.db import make_engine, migrate
    from storage.embedded_s3 import EmbeddedS3

    logs = tmp / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    dbname = f"{db_prefix}_{secrets.token_hex(6)}"
    prefix = f"azxt{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{dbname}"')
    s3 = EmbeddedS3(tmp / "s3", bucket, secrets.token_urlsafe(24), stop_timeout=2.0)
    cl: Cluster | None = None
    engine = None
    try:
        s3.start()
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("AZX_")} | {
            "AZX_DATA_DIR": str(tmp / "data"),  # shared: the signing keys of every process
            "AZX_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}",
            "AZX_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/{redis_db}",
            "AZX_QUEUE_PREFIX": prefix,
            "AZX_S3_ENDPOINT": s3.endpoint,
            "AZX_S3_ACCESS_KEY": s3.access_key,
            "AZX_S3_SECRET_KEY": s3.secret_key,
            "AZX_S3_BUCKET": bucket,
            "AZX_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        } | dict(env or {})
        settings = Settings(data_dir=tmp / "data", database_url=full_env["AZX_DATABASE_URL"],
                            s3_endpoint=s3.endpoint, s3_access_key=s3.access_key,
                            s3_secret_key=s3.secret_key, s3_bucket=bucket,
                            broker_url=full_env["AZX_BROKER_URL"])
        engine = make_engine(settings.sqlalchemy_url)
        migrate(engine)  # once, before any process starts
        key = create_key(engine, tenant, "insurer")
        queues = list(queue_names(Settings(queue_prefix=prefix)).values())
        cl = Cluster(full_env, settings, "", key, logs, queues, tenant, bucket,
                     list(worker_args), engine=engine, s3_pid=s3.pid)
        with cl.object_store() as store:
            store.ensure_bucket(default_retention_years=settings.retention_years)
        port = free_port()
        cl.base = f"http://127.0.0.1:{port}"
        with (logs / "api.log").open("ab") as log:
            cl.api = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning"],
                cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        for n in range(1, workers + 1):
            cl.start_worker(f"w{n}")

        def api_up() -> bool:
            assert cl is not None and cl.api is not None
            assert cl.api.poll() is None, tail(logs / "api.log")
            try:
                return httpx.get(f"{cl.base}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait(api_up, "the API", 60)
        yield cl
    finally:
        for proc in (cl.workers if cl else []):
            stop(proc, grace=worker_grace)
        if cl is not None and cl.api is not None:
            stop(cl.api)
        s3.stop()
        if engine is not None:
            engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()
        r = redis.Redis(port=REDIS_PORT, db=redis_db)
        for pattern in (f"{prefix}*", f"_kombu.binding*.{prefix}*"):  # queues, bindings
            for k in r.scan_iter(pattern):
                r.delete(k)
        r.close()
