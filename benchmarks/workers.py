"""Throughput of the many-machine mode (not part of the test suite).

    .venv/bin/python benchmarks/workers.py [--documents 1000] [--workers 2] [--concurrency 2]
        [--pool prefork|threads|solo] [--submit batch|single] [--baseline 44] [--profile 66]
        [--cprofile] [--keep DIR] [--json FILE]

Starts the stack of tests/faults/test_worker_killed.py on loopback (Redis and PostgreSQL already running
on 127.0.0.1, a fresh database ``azx_bench_<random>`` dropped after, Redis database 15, a
SeaweedFS S3 stopped with SIGKILL after a 2 s grace, an API process, ``--workers`` Celery
workers of ``--concurrency`` processes each), waits until every worker answers a ping, then
submits ``--documents`` documents cycling through every example in examples/*.json (each item
its own job, so its own Idempotency-Key and record; policy numbers made unique) and waits until
all are archived. It prints the wall time, documents/s, the documents per type, the CPU seconds
of the workers and of the other processes (from /proc), the time each record took inside a
worker, and whether the target (1,000 documents in 180 s) was met.

``--baseline M`` then restarts the workers with ``AZX_PDF_ENGINE=weasyprint`` and runs M more
documents of the same mix, reported as a ratio. ``--profile K`` archives K documents in this
process (no Celery) against the same database and S3, timing each phase — document tree,
QR, PDF, signature, DOCX, S3 requests, SQL — and ``--cprofile`` adds the top functions.
``--keep DIR`` keeps the run's directory (process logs in DIR/logs). Exit status 1 when not
every document was archived.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cluster import (  # noqa: E402
    BENCH_REDIS_DB,
    Cluster,
    Unavailable,
    running_cluster,
    stop,
    tail,
    wait,
)

TARGET_DOCUMENTS, TARGET_S = 1000, 180.0
TENANT = "吞吐基准"
TICK = os.sysconf("SC_CLK_TCK")


# -- the documents ------------------------------------------------------------------------------

def examples() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, json.loads(p.read_text("utf-8")))
            for p in sorted((ROOT / "examples").glob("*.json"))]


def documents(n: int, tag: str, start: int = 0) -> list[dict[str, Any]]:
    """``n`` request bodies cycling through every example; each with its own policy number
    (where the type has one)."""
    ex = examples()
    out = []
    for i in range(start, start + n):
        doc = copy.deepcopy(ex[i % len(ex)][1])
        policy = doc["data"].get("policy")
        if isinstance(policy, dict) and "policy_no" in policy:
            policy["policy_no"] = f"PB{tag}{i:07d}"
        out.append(doc)
    return out


# -- CPU from /proc -----------------------------------------------------------------------------

def _stat(pid: int) -> tuple[str, int, int] | None:
    """(comm, utime + stime, cutime + cstime) in clock ticks."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    f = raw[raw.rindex(")") + 2:].split()
    return comm, int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out += [int(c) for c in (task / "children").read_text().split()]
    return out


def tree_ticks(root: int) -> dict[int, int]:
    """Ticks of a process and its descendants; key -root holds the reaped children's."""
    out: dict[int, int] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        st = _stat(pid)
        if st is None:
            continue
        out[pid] = st[1]
        if pid == root:
            out[-root] = st[2]
        todo += _children(pid)
    return out


def comm_ticks(names: tuple[str, ...]) -> dict[int, int]:
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            st = _stat(int(d.name))
            if st is not None and st[0] in names:
                out[int(d.name)] = st[1] + st[2]
    return out


def machine_ticks() -> tuple[int, int]:
    """(busy, all) ticks of every CPU since boot."""
    f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = f[3] + f[4]
    return sum(f[:8]) - idle, sum(f[:8])


class CpuMeter:
    """CPU seconds per component between :meth:`start` and :meth:`stop`."""

    def __init__(self, cl: Cluster) -> None:
        self.cl = cl

    def _snap(self) -> dict[str, Any]:
        cl = self.cl
        snap: dict[str, Any] = {
            "workers": [tree_ticks(w.pid) for w in cl.workers],
            "api": tree_ticks(cl.api.pid) if cl.api else {},
            "seaweedfs": tree_ticks(cl.s3_pid) if cl.s3_pid else {},
            "postgres (all)": comm_ticks(("postgres",)),
            "redis (all)": comm_ticks(("redis-server",)),
            "this script": {0: int(sum(os.times()[:2]) * TICK)},
            "machine": machine_ticks(),
        }
        return snap

    def start(self) -> None:
        self.t0, self.s0 = time.monotonic(), self._snap()

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self.t0
        s1 = self._snap()

        def delta(a: dict[int, int], b: dict[int, int]) -> float:
            return sum(v - a.get(k, 0) for k, v in b.items()) / TICK

        per_worker = [delta(a, b) for a, b in zip(self.s0["workers"], s1["workers"], strict=True)]
        out: dict[str, Any] = {"workers": round(sum(per_worker), 1),
                               "per_worker": [round(x, 1) for x in per_worker]}
        for k in ("api", "seaweedfs", "postgres (all)", "redis (all)", "this script"):
            out[k] = round(delta(self.s0[k], s1[k]), 1)
        busy = (s1["machine"][0] - self.s0["machine"][0]) / TICK
        cores = os.cpu_count() or 1
        out["machine busy"] = round(busy, 1)
        out["other processes"] = round(busy - sum(
            v for k, v in out.items() if k not in ("per_worker", "machine busy")), 1)
        out["machine capacity"] = round(wall * cores, 1)
        return out


# -- one run ------------------------------------------------------------------------------------

def ping_workers(cl: Cluster, timeout: float = 90.0) -> None:
    """Wait until every worker's consumer answers a remote-control ping."""
    from celery import Celery

    app = Celery("azx-bench", broker=cl.env["AZX_BROKER_URL"], set_as_current=False)
    host = socket.gethostname()
    names = {f"w{n}@{host}" for n in range(1, len(cl.workers) + 1)}
    seen: set[str] = set()

    def all_up() -> bool:
        for n, w in enumerate(cl.workers, 1):
            assert w.poll() is None, tail(cl.logs / f"w{n}.log")
        for reply in app.control.ping(timeout=1.0) or []:
            seen.update(reply)
        return names <= seen

    try:
        wait(all_up, "the workers", timeout, 0.2)
    finally:
        app.close()


def job_counts(cl: Cluster, since: Any) -> Counter[str]:
    from sqlalchemy import func, select

    from storage.tables import jobs

    with cl.engine.connect() as conn:
        rows = conn.execute(select(jobs.c.status, func.count()).where(
            jobs.c.tenant == TENANT, jobs.c.created_at >= since).group_by(jobs.c.status)).all()
    return Counter({r[0]: r[1] for r in rows})


def submit(cl: Cluster, docs: list[dict[str, Any]], how: str) -> float:
    import httpx

    auth = {"Authorization": f"Bearer {cl.key}"}
    t0 = time.monotonic()
    with httpx.Client(base_url=cl.base, headers=auth, timeout=120) as client:
        if how == "batch":
            body = "\n".join(json.dumps(d, ensure_ascii=False) for d in docs).encode()
            r = client.post("/v1/batches", content=body, headers={
                "Content-Type": "application/x-ndjson",
                "Idempotency-Key": f"bench-{secrets.token_hex(8)}"})
            assert r.status_code == 202, r.text
        else:
            for d in docs:
                r = client.post("/v1/documents", params={"mode": "async"}, json=d,
                                headers={"Idempotency-Key": f"bench-{secrets.token_hex(8)}"})
                assert r.status_code == 202, r.text
    return time.monotonic() - t0


def run(cl: Cluster, docs: list[dict[str, Any]], how: str, budget: float,
        label: str) -> dict[str, Any]:
    """Submit ``docs``, wait until every job finished; wall time, CPU, per-type figures."""
    from datetime import UTC, datetime

    meter = CpuMeter(cl)
    since = datetime.now(UTC)
    meter.start()
    accepted = submit(cl, docs, how)
    n = len(docs)
    timeline: list[tuple[float, int]] = []

    def finished() -> bool:
        for i, w in enumerate(cl.workers, 1):
            assert w.poll() is None, tail(cl.logs / f"w{i}.log")
        c = job_counts(cl, since)
        timeline.append((time.monotonic() - meter.t0, c["done"] + c["failed"]))
        if sys.stderr.isatty():
            print(f"\r{label}: {timeline[-1][1]}/{n} after {timeline[-1][0]:.0f} s",
                  end="", file=sys.stderr)
        return timeline[-1][1] >= n

    try:
        wait(finished, f"{n} documents", budget, 0.25)
    finally:
        if sys.stderr.isatty():
            print(file=sys.stderr)
    wall = time.monotonic() - meter.t0
    cpu = meter.stop()
    out = {"label": label, "documents": n, "accepted_s": round(accepted, 2),
           "wall_s": round(wall, 1), "documents_per_s": round(n / wall, 2), "cpu_s": cpu,
           "worker_cpu_per_document_s": round(cpu["workers"] / n, 3)}
    out |= record_figures(cl, since, n)
    out["steady_documents_per_s"] = _steady_rate(timeline, n)
    out["first_finished_s"] = next((round(t, 2) for t, k in timeline if k > 0), None)
    if out["archived"] < n:
        for log in sorted(cl.logs.glob("w*.log")):
            print(f"--- {label}: {n - out['archived']} not archived; {log}:\n{tail(log, 30)}",
                  file=sys.stderr)
    return out


def _steady_rate(timeline: list[tuple[float, int]], n: int) -> float | None:
    """Documents/s between 10 % and 90 % finished (no start-up, no tail)."""
    lo = next((p for p in timeline if p[1] >= n * 0.1), None)
    hi = next((p for p in timeline if p[1] >= n * 0.9), None)
    if lo is None or hi is None or hi[0] <= lo[0]:
        return None
    return round((hi[1] - lo[1]) / (hi[0] - lo[0]), 2)


def record_figures(cl: Cluster, since: Any, n: int) -> dict[str, Any]:
    """Per type: count and median seconds a record spent being written (render → archived);
    the job rows' status; failures, if any, with their first error."""
    from sqlalchemy import select

    from storage.tables import jobs, records

    with cl.engine.connect() as conn:
        recs = conn.execute(select(records.c.doc_type, records.c.profile, records.c.status,
                                   records.c.created_at, records.c.archived_at).where(
            records.c.tenant == TENANT, records.c.created_at >= since)).all()
        job_rows = conn.execute(select(jobs.c.status, jobs.c.attempts, jobs.c.error).where(
            jobs.c.tenant == TENANT, jobs.c.created_at >= since)).all()
    per_type: dict[str, list[float]] = defaultdict(list)
    for r in recs:
        if r.status == "archived":
            per_type[f"{r.doc_type}/{r.profile}"].append(
                (r.archived_at - r.created_at).total_seconds())
    status = Counter(j.status for j in job_rows)
    errors = [j.error for j in job_rows if j.status == "failed"][:1]
    busy = sum(sum(v) for v in per_type.values())
    return {
        "archived": sum(len(v) for v in per_type.values()),
        "records_not_archived": sum(1 for r in recs if r.status != "archived"),
        "jobs": dict(status), "jobs_run_more_than_once": sum(1 for j in job_rows
                                                              if j.attempts > 1),
        "first_error": errors[0] if errors else None,
        "write_s_total": round(busy, 1),
        "per_type": {k: {"n": len(v), "median_write_s": round(statistics.median(v), 3)}
                     for k, v in sorted(per_type.items())},
    }


# -- in-process phase profile -----------------------------------------------------------------

class Phases:
    """Wall and CPU seconds per named phase (a phase nested in another is counted in both)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        w, c = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - w
            self.cpu[name] += time.thread_time() - c
            self.calls[name] += 1

    def wrap(self, name: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self.phase(name(*args, **kwargs) if callable(name) else name):
                return fn(*args, **kwargs)
        return wrapped


def profile(cl: Cluster, k: int, use_cprofile: bool) -> dict[str, Any]:
    """Archive ``k`` documents in this process, as a worker's task does, timing each phase."""
    from sqlalchemy import event

    import services.produce as archive_mod
    from domain.access import Caller, Role
    from services.archive import IdempotencyKey
    from services.context import open_context

    opened = time.perf_counter()
    ctx = open_context(cl.settings)  # store, signer, QR keys: once
    opened = time.perf_counter() - opened
    ph = Phases()
    saved = archive_mod.build, archive_mod.render_document
    try:
        arch = ctx.archive
        store = arch.store
        archive_mod.build = ph.wrap("document tree", archive_mod.build)
        archive_mod.render_document = ph.wrap(
            lambda doc, fmt, **kw: f"render {fmt}", archive_mod.render_document)
        arch.stamper = ph.wrap("QR stamp", arch.stamper)
        assert arch.signer is not None
        arch.signer.sign = ph.wrap("sign (ID + PAdES)", arch.signer.sign)  # type: ignore[method-assign]
        store.put_locked = ph.wrap("S3 put_locked (all)", store.put_locked)
        store.exists = ph.wrap("  S3 HEAD (exists)", store.exists)
        client = store.client
        listing = client.list_objects  # a generator: timed while it is read
        client.list_objects = ph.wrap("  S3 list versions",
                                      lambda *a, **kw: iter(list(listing(*a, **kw))))
        client._put_object = ph.wrap("  S3 PUT", client._put_object)
        sql: dict[str, float] = {"n": 0, "s": 0.0}

        @event.listens_for(ctx.engine, "before_cursor_execute")
        def _b(conn: Any, cursor: Any, stmt: str, params: Any, context: Any, many: bool) -> None:
            conn.info["azx_t"] = time.perf_counter()

        @event.listens_for(ctx.engine, "after_cursor_execute")
        def _a(conn: Any, cursor: Any, stmt: str, params: Any, context: Any, many: bool) -> None:
            sql["n"] += 1
            sql["s"] += time.perf_counter() - conn.info.pop("azx_t")

        caller = Caller("bench", TENANT, Role("insurer"))
        tag = "P" + secrets.token_hex(2)

        def create(d: dict[str, Any]) -> None:
            arch.create(caller, d, key=IdempotencyKey(f"prof-{secrets.token_hex(8)}"))

        warm = len(examples())
        for d in documents(warm, tag):  # one of each first (caches, fonts), not counted
            create(d)
        ph.wall.clear()
        ph.cpu.clear()
        ph.calls.clear()
        sql["n"], sql["s"] = 0, 0.0
        prof = None
        if use_cprofile:
            import cProfile

            prof = cProfile.Profile()
        per_doc: list[float] = []
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        for d in documents(k, tag, start=warm):
            t = time.perf_counter()
            if prof is not None:
                prof.enable()
            with ph.phase("archive.create (whole)"):
                create(d)
            if prof is not None:
                prof.disable()
            per_doc.append(time.perf_counter() - t)
        wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
        out: dict[str, Any] = {
            "documents": k, "after_warm_up": warm, "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "per_document_ms": {name: {"wall": round(1000 * ph.wall[name] / k, 1),
                                       "cpu": round(1000 * ph.cpu[name] / k, 1),
                                       "calls": round(ph.calls[name] / k, 1)}
                                for name in ph.wall},
            "sql_per_document": {"statements": round(sql["n"] / k, 1),
                                 "ms": round(1000 * sql["s"] / k, 1)},
            "open_once_s": round(opened, 2),
            "median_ms": round(1000 * statistics.median(per_doc), 1) if per_doc else None,
        }
        if prof is not None:
            import io
            import pstats

            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
            out["cprofile"] = buf.getvalue()
        return out
    finally:
        archive_mod.build, archive_mod.render_document = saved
        ctx.close()


# -- main ---------------------------------------------------------------------------------------

def restart_workers(cl: Cluster, env: dict[str, str]) -> None:
    for w in cl.workers:
        stop(w, grace=15)
    count, cl.workers = len(cl.workers), []
    cl.env = cl.env | env
    for n in range(1, count + 1):
        cl.start_worker(f"w{n}")
    ping_workers(cl)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--documents", type=int, default=TARGET_DOCUMENTS)
    ap.add_argument("--workers", type=int, default=2, help="Celery workers (machines)")
    ap.add_argument("--concurrency", type=int, default=os.cpu_count() or 1,
                    help="processes (or threads) each; default: the cores, as Celery's")
    ap.add_argument("--pool", default="prefork", choices=("prefork", "threads", "solo"))
    ap.add_argument("--submit", default="batch", choices=("batch", "single"),
                    help="one NDJSON batch, or one POST /v1/documents?mode=async each")
    ap.add_argument("--baseline", type=int, default=0, metavar="M",
                    help="then M documents with AZX_PDF_ENGINE=weasyprint (0: none)")
    ap.add_argument("--profile", type=int, default=0, metavar="K",
                    help="then K documents archived in this process, timed per phase")
    ap.add_argument("--cprofile", action="store_true", help="with --profile: top functions")
    ap.add_argument("--budget", type=float, default=900.0, help="give up after (s)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="run under DIR and keep it (process logs in DIR/logs)")
    args = ap.parse_args(argv)

    worker_args = [f"--pool={args.pool}"]
    if args.pool != "solo":
        worker_args.append(f"--concurrency={args.concurrency}")
    results: dict[str, Any] = {
        "setup": {"documents": args.documents, "workers": args.workers,
                  "pool": args.pool, "concurrency": args.concurrency if args.pool != "solo"
                  else 1, "submit": args.submit, "cores": os.cpu_count(),
                  "load_average_before": [round(x, 2) for x in os.getloadavg()]}}
    print(json.dumps(results["setup"]), flush=True)
    tag = secrets.token_hex(3).upper()
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = str(args.keep.resolve())
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="azx-bench-"))
        try:
            with running_cluster(Path(tmp), redis_db=BENCH_REDIS_DB, db_prefix="azx_bench",
                                 tenant=TENANT, workers=args.workers,
                                 worker_args=worker_args, bucket="azx-bench") as cl:
                ping_workers(cl)
                main_run = run(cl, documents(args.documents, tag), args.submit, args.budget,
                               "typst")
                results["typst"] = main_run
                report_run(main_run)
                if args.baseline:
                    restart_workers(cl, {"AZX_PDF_ENGINE": "weasyprint"})
                    base = run(cl, documents(args.baseline, tag, start=args.documents),
                               args.submit, args.budget, "weasyprint")
                    results["weasyprint"] = base
                    report_run(base)
                    restart_workers(cl, {"AZX_PDF_ENGINE": "typst"})
                    short = run(cl, documents(args.baseline, tag,
                                              start=args.documents + args.baseline),
                                args.submit, args.budget, "typst-short")
                    results["typst_short"] = short
                    report_run(short)
                    results["baseline_ratio"] = {
                        "documents": args.baseline,
                        "wall_weasyprint_over_typst": round(base["wall_s"] / short["wall_s"], 2),
                        "worker_cpu_weasyprint_over_typst": round(
                            base["cpu_s"]["workers"] / max(short["cpu_s"]["workers"], 0.1), 2)}
                    print("baseline (same mix, same size):", json.dumps(results["baseline_ratio"]))
                if args.profile:
                    results["profile"] = prof = profile(cl, args.profile, args.cprofile)
                    report_profile(prof)
                    prof.pop("cprofile", None)
        except Unavailable as exc:
            print(f"benchmark not run: {exc}", file=sys.stderr)
            return 2
        except AssertionError:
            for log in sorted((Path(tmp) / "logs").glob("*.log")):
                print(f"--- {log.name}\n{tail(log)}", file=sys.stderr)
            raise
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    main_run = results["typst"]
    complete = main_run["archived"] == args.documents and not main_run["records_not_archived"]
    met = None
    if args.documents >= TARGET_DOCUMENTS:
        met = complete and main_run["wall_s"] <= TARGET_S
    results["target"] = {"documents": TARGET_DOCUMENTS, "seconds": TARGET_S, "met": met}
    print(f"target {TARGET_DOCUMENTS} documents in ≤ {TARGET_S:g} s: "
          + ("met" if met else
             f"not judged (fewer than {TARGET_DOCUMENTS} documents)" if met is None else
             "NOT met" + ("" if complete else f": only {main_run['archived']} of "
                                              f"{args.documents} archived")))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0 if complete else 1


def report_run(r: dict[str, Any]) -> None:
    cpu = r["cpu_s"]
    print(f"\n[{r['label']}] {r['documents']} documents: wall {r['wall_s']} s, "
          f"{r['documents_per_s']} documents/s (steady {r['steady_documents_per_s']}), "
          f"accepted in {r['accepted_s']} s, first finished after {r['first_finished_s']} s")
    print(f"  archived {r['archived']}, jobs {r['jobs']}, run more than once "
          f"{r['jobs_run_more_than_once']}" + (f", first error {r['first_error']}"
                                               if r["first_error"] else ""))
    print(f"  CPU s: workers {cpu['workers']} {cpu['per_worker']} "
          f"({r['worker_cpu_per_document_s']} s/document), API {cpu['api']}, "
          f"SeaweedFS {cpu['seaweedfs']}, PostgreSQL {cpu['postgres (all)']}, "
          f"Redis {cpu['redis (all)']}, this script {cpu['this script']}; machine busy "
          f"{cpu['machine busy']} of {cpu['machine capacity']} (other processes "
          f"{cpu['other processes']})")
    print(f"  record write time (render → archived) summed: {r['write_s_total']} s")
    width = max(len(k) for k in r["per_type"]) if r["per_type"] else 0
    for k, v in r["per_type"].items():
        print(f"    {k:<{width}} {v['n']:>5}  median {v['median_write_s'] * 1000:7.0f} ms")
    sys.stdout.flush()


def report_profile(p: dict[str, Any]) -> None:
    print(f"\n[in-process profile] {p['documents']} documents after a warm-up of "
          f"{p['after_warm_up']}, no Celery: wall {p['wall_s']} s, CPU {p['cpu_s']} s, median "
          f"{p['median_ms']} ms/document; opening the store and signer once: "
          f"{p['open_once_s']} s")
    print(f"  {'per document':<26} {'wall ms':>8} {'CPU ms':>8} {'calls':>6}")
    for name, v in p["per_document_ms"].items():
        print(f"  {name:<26} {v['wall']:>8} {v['cpu']:>8} {v['calls']:>6}")
    sql = p["sql_per_document"]
    print(f"  {'SQL statements':<26} {sql['ms']:>8} {'':>8} {sql['statements']:>6}")
    if p.get("cprofile"):
        print(p["cprofile"])
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
