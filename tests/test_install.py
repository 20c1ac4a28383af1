"""The project's declared dependencies alone run a Celery worker on Redis.

What the Dockerfile does — copy the source folders, ``pip install -e .`` without extras — is done
into a fresh virtual environment (pip's own index and cache: the real dependency resolution,
nothing taken from the project's .venv). ``celery -A workers worker`` from that environment,
started outside the repository and without PYTHONPATH, then consumes one document job from
Redis (a random test db, a unique queue prefix) next to the API of tests/cluster.py (a
PostgreSQL database created and dropped, an EmbeddedS3), until the record is archived.

The install takes about 30 s on this 2-core machine; it is printed with ``-s``. Skipped (not
failed) when Redis or PostgreSQL is not reachable on loopback.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import (
    REDIS_PORT,
    ROOT,
    TEST_REDIS_DBS,
    Cluster,
    Unavailable,
    port_open,
    running_cluster,
    tail,
    wait,
)
from tests.conftest import bearer

pytestmark = [pytest.mark.slow, pytest.mark.distributed, pytest.mark.s3]

# What the Dockerfile copies before its `pip install -e .`.
DOCKERFILE_COPIES = ("pyproject.toml", "README.md", "api", "core", "domain", "rendering",
                     "services", "signing", "storage", "workers", "cli", "templates")
INSTALL_GUARD = 600.0  # hang guard only: the install takes ~30 s
JOB_GUARD = 180.0


@dataclass(frozen=True)
class CleanInstall:
    venv: Path
    src: Path
    seconds: float


def _copy_sources(dest: Path) -> None:
    dest.mkdir()
    for name in DOCKERFILE_COPIES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, dest / name)


def _clean_env() -> dict[str, str]:
    """The environment without any trace of the project's .venv or source tree."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("AZX_")}


@pytest.fixture(scope="module")
def clean_install(tmp_path_factory: pytest.TempPathFactory) -> CleanInstall:
    if not (port_open(REDIS_PORT) and port_open(5432)):
        pytest.skip(f"Redis (127.0.0.1:{REDIS_PORT}) or PostgreSQL (127.0.0.1:5432) is away")
    tmp = tmp_path_factory.mktemp("install")
    src, venv = tmp / "src", tmp / "venv"
    _copy_sources(src)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    started = time.monotonic()
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e", str(src)],
        capture_output=True, text=True, timeout=INSTALL_GUARD, env=_clean_env(), cwd=tmp)
    seconds = time.monotonic() - started
    assert pip.returncode == 0, pip.stderr[-4000:]
    print(f"\npip install -e (no extras) into a clean venv: {seconds:.1f}s")
    return CleanInstall(venv, src, seconds)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """API + Redis + PostgreSQL + SeaweedFS; no worker of the project's .venv."""
    try:
        with running_cluster(tmp_path, redis_db=random.choice(TEST_REDIS_DBS),
                             db_prefix="azx_install", tenant="安装测试", workers=0) as cl:
            yield cl
    except Unavailable as exc:
        pytest.skip(str(exc))


def _start_worker(cl: Cluster, install: CleanInstall, cwd: Path) -> subprocess.Popen[bytes]:
    """`celery -A workers worker` of the clean environment, outside the repository."""
    env = {k: v for k, v in cl.env.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{install.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    with (cl.logs / "clean-worker.log").open("ab") as log:
        proc = subprocess.Popen(
            [str(install.venv / "bin" / "celery"), "-A", "workers", "worker", "--pool=solo",
             "-Q", ",".join(cl.queues), "-n", "clean@%h", "--loglevel=WARNING",
             "--without-mingle", "--without-gossip"],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own group: running_cluster stops it with the rest
    cl.workers.append(proc)
    return proc


def _imported_from(install: CleanInstall, cwd: Path, env: dict[str, str]) -> dict[str, str]:
    probe = ("import json, celery, workers; "
             "print(json.dumps({'celery': celery.__file__, 'workers': workers.__file__}))")
    out = subprocess.run([str(install.venv / "bin" / "python"), "-c", probe], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-4000:]
    found: dict[str, str] = json.loads(out.stdout)
    return found


def test_a_worker_installed_without_extras_archives_a_job_from_redis(
    clean_install: CleanInstall, cluster: Cluster, tmp_path: Path
) -> None:
    import httpx

    elsewhere = tmp_path / "elsewhere"  # not the repository: nothing imported from it
    elsewhere.mkdir()
    env = {k: v for k, v in cluster.env.items() if k != "PYTHONPATH"}
    where = _imported_from(clean_install, elsewhere, env)
    assert where["celery"].startswith(str(clean_install.venv)), where
    assert where["workers"].startswith(str(clean_install.src)), where

    worker = _start_worker(cluster, clean_install, elsewhere)
    log = cluster.logs / "clean-worker.log"
    example = json.loads((ROOT / "examples" / "callback-shandong.json").read_text("utf-8"))
    with httpx.Client(base_url=cluster.base, headers=bearer(cluster.key), timeout=30) as client:
        r = client.post("/v1/documents", params={"mode": "async"}, json=example)
        assert r.status_code == 202, r.text
        job_url = r.json()["links"]["self"]

        def finished() -> dict[str, Any] | None:
            assert worker.poll() is None, f"the worker exited:\n{tail(log)}"
            job: dict[str, Any] = client.get(job_url).json()
            assert job["status"] != "failed", (job, tail(log))
            return job if job["status"] == "done" else None

        job = wait(finished, "the job to be done by the clean worker", JOB_GUARD)
        record = client.get(f"/v1/documents/{job['record_id']}").json()
    assert record["status"] == "archived", record
