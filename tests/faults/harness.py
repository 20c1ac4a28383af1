"""Processes for the fault suite: the service as a real process (so it can be killed with
SIGKILL), an external SeaweedFS the test can stop, restart and pause, and the end-state check
every fault test ends with.

End state (:func:`assert_archive_whole`): every accepted record archived exactly once, none
pending, nothing staged, fixity clean, the registry rebuilt from the store equal to the registry.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from core.settings import Settings
from tests.cluster import ROOT, free_port, tail, wait

__all__ = ["ServiceProcess", "assert_archive_whole", "children", "documents", "process_alive"]


def documents(n: int, tag: str) -> list[dict[str, Any]]:
    """``n`` request bodies cycling through every example, each with its own policy number."""
    import copy

    examples = [json.loads(p.read_text("utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
    out = []
    for i in range(n):
        doc = copy.deepcopy(examples[i % len(examples)])
        policy = doc["data"].get("policy")
        if isinstance(policy, dict):
            policy["policy_no"] = f"P{tag}{i:05d}"
        elif doc["type"] != "sampling":  # a draw names no policy: its population is its own
            doc["data"]["policy_no"] = f"P{tag}{i:05d}"
        out.append(doc)
    return out


def process_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children(pid: int, name: str) -> list[int]:
    """PIDs of live processes called ``name`` whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        ppid = int(raw[raw.rindex(")") + 2:].split()[1])
        if ppid == pid and comm == name and process_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


@dataclass
class ServiceProcess:
    """``uvicorn api.main:app`` as its own process (what ``azx serve`` runs)."""

    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        self.logs.parent.mkdir(parents=True, exist_ok=True)
        with self.logs.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.base + path, timeout=kw.pop("timeout", 10), **kw)

    def wait_ready(self, timeout: float = 90) -> None:
        def ready() -> bool:
            assert self.proc is not None
            assert self.proc.poll() is None, tail(self.logs)
            try:
                return self.get("/readyz", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait(ready, f"the service to be ready ({self.logs})", timeout)

    def kill9(self) -> None:
        """SIGKILL to the service process alone, as `kill -9 <pid>` does."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        """A graceful stop (SIGTERM: the lifespan closes the store), SIGKILL after 60 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def base_env(**azx: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZX_")}
    return env | {"PYTHONPATH": str(ROOT), "AZX_LOG_LEVEL": "INFO"} | {
        f"AZX_{k.upper()}": v for k, v in azx.items()}


def assert_archive_whole(settings: Settings, accepted: Mapping[str, str],
                         *, scope: str = "client") -> dict[str, Any]:
    """Every key in ``accepted`` (Idempotency-Key → record ID the client was given) names
    exactly one archived record, that one; none pending or staged; fixity clean; the registry
    equals its rebuild from the store. Opens the archive itself (the service must be stopped
    when the store is embedded)."""
    from services.context import open_context
    from services.fixity import run_fixity
    from services.registry import compare_registry
    from storage.tables import records, staged_parts

    ctx = open_context(settings)
    try:
        with ctx.engine.connect() as conn:
            by_key = {k: [tuple(r) for r in conn.execute(
                select(records.c.id, records.c.status).where(
                    records.c.key_scope == scope, records.c.idempotency_key == k))]
                for k in accepted}
            pending = conn.execute(select(func.count()).select_from(records).where(
                records.c.status != "archived")).scalar_one()
            staged = conn.execute(select(func.count()).select_from(staged_parts)).scalar_one()
        for key, rid in accepted.items():
            assert by_key[key] == [(rid, "archived")], (key, rid, by_key[key])
        assert pending == 0, f"{pending} records not archived"
        assert staged == 0, f"{staged} parts still staged"
        report = run_fixity(ctx.engine, ctx.store, ctx.settings)
        assert report.worst in (None, "info"), report.as_dict()
        diff = compare_registry(ctx.engine, ctx.store, ctx.key_ring.public_keys())
        assert diff.equal, diff.as_dict()
        return {"records": len(accepted), "fixity_objects": report.checked_objects}
    finally:
        ctx.close()


@contextlib.contextmanager
def paused(pid: int) -> Iterator[None]:
    """SIGSTOP the process group of ``pid`` (a SeaweedFS in its own session), SIGCONT after."""
    os.killpg(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(pid, signal.SIGCONT)


def poll(probe: Callable[[], Any], what: str, timeout: float, interval: float = 0.5) -> Any:
    return wait(probe, what, timeout, interval)


def now() -> float:
    return time.monotonic()
