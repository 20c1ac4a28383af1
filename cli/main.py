"""``azx``: the command line of the service.

  azx serve                                   run the API on AZX_HOST:AZX_PORT (embedded defaults)
  azx keys create --tenant NAME --role ROLE   print a new API key (last word of the output)
                  [--regions 济南市,成都市]     (role regulator: the regions it may read)
  azx keys revoke KEY_ID
  azx render FILE.json -o OUT.pdf|OUT.docx    render {"type","profile","data"} (or blank with --blank)
  azx registry rebuild [--check]              rebuild the registry from the object store alone
                                              (--check: compare only; works while the service runs)
  azx fixity                                  re-read and check every archived object; change nothing
                                              (uses the running service's store if there is one)
  azx verify FILE.pdf --url URL | --jwks F --cert F
                                              check a PDF offline (0 authentic, 1 not); --online
  azx keys rotate-qr                          new active QR signing key (old ones keep verifying)
  azx timestamps renew [--days N] [--dry-run] [--id ID]
                                              add a new archive time stamp to every B-LTA record
                                              whose evidence ends within N days (AZX_TSA_URL)
  azx batch submit FILE.ndjson [--url --key]  submit a batch to a running service, show progress,
                                              write FILE.results.csv (--zip: the PDFs too)
  azx worker [-- CELERY ARGS]                 a Celery worker (needs AZX_BROKER_URL)
  azx obligations POLICY_NO | --state overdue|due_soon [--profile P] [--url --key]
                                              a policy's obligations (or the tenant's late ones)
                                              as a table (exit 1 when something is overdue)

Exit codes: 0 done (authentic, clean), 1 a finding (not authentic, problems found), 2 the command
could not run (usage, storage, a running service in the way): one line on stderr, no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.settings import Settings
    from services.context import Registry
    from storage.objectstore import ObjectStore

__all__ = ["main"]


def _settings() -> Settings:
    from core.settings import get_settings

    return get_settings()


def _fail(message: str) -> int:
    """One line on stderr; exit code 2 (the command could not run)."""
    print(f"azx: {message}", file=sys.stderr)
    return 2


@contextlib.contextmanager
def _registry(settings: Settings) -> Iterator[Registry]:
    """The registry database alone (no object store): what key and read-only commands need."""
    from services.context import open_registry

    registry = open_registry(settings)
    try:
        yield registry
    finally:
        registry.close()


@contextlib.contextmanager
def _store(settings: Settings, *, attach: bool) -> Iterator[ObjectStore]:
    """The archive's store. `attach` (commands that only read): the running service's embedded
    server when there is one, as a second server cannot start on its data dir; else our own."""
    from storage import open_object_store

    store, server = open_object_store(settings, attach=attach)
    try:
        yield store
    finally:
        store.close()
        if server is not None:
            server.stop()


def _running_service(settings: Settings) -> int | None:
    """Pid of the live process that runs the embedded store of the data dir, if any."""
    if not settings.embedded_s3:
        return None  # an outside S3 has no lock here to tell whether a service runs
    from storage import EmbeddedS3

    holder = EmbeddedS3.from_settings(settings).holder()
    return holder.owner_pid if holder is not None and holder.owner_alive else None


def _service_running_message(pid: int | None, settings: Settings) -> str:
    return (f"the service (pid {pid}) is running on {settings.data_dir.resolve()}; "
            f"stop it first, or use --check")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    s = _settings()
    # uvicorn would print the start-up failure as a traceback; say it in one line instead.
    pid = _running_service(s)
    if pid is not None:
        return _fail(f"the service (pid {pid}) is already running on {s.data_dir.resolve()}")
    # Client addresses come from the socket; X-Forwarded-* only from AZX_TRUSTED_PROXIES (the
    # rate limiter reads them itself). uvicorn would otherwise trust 127.0.0.1 by default.
    uvicorn.run("api.main:app", host=args.host or s.host, port=args.port or s.port,
                log_level=s.log_level.lower(), proxy_headers=False)
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from services.keys import create_key

    with _registry(_settings()) as registry:
        try:
            key = create_key(registry.engine, args.tenant, args.role, args.label,
                             regions=(args.regions or "").replace("，", ",").split(",")
                             if args.regions else None)
        except ValueError as exc:
            return _fail(str(exc))
    print(f"API key for tenant {args.tenant!r}, role {args.role} (shown once, store it safely):")
    print(key)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from services.keys import revoke_key

    with _registry(_settings()) as registry:
        ok = revoke_key(registry.engine, args.key_id)
    print("revoked" if ok else "no such key")
    return 0 if ok else 1


def cmd_render(args: argparse.Namespace) -> int:
    from domain.errors import DomainValidationError
    from domain.risk import configure_profile_bands
    from services.render import render_blank, render_data

    settings = _settings()
    configure_profile_bands(settings.risk_bands)
    out = Path(args.output)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in ("pdf", "docx"):
        print("azx: the output must end in .pdf or .docx", file=sys.stderr)
        return 2
    try:
        if args.blank:
            form = render_blank(args.file, args.profile, fmt,  # type: ignore[arg-type]
                                engine=settings.pdf_engine)
        else:
            body = json.loads(Path(args.file).read_text(encoding="utf-8"))
            form = render_data(body["type"], body.get("profile"), body["data"],
                               fmt, engine=settings.pdf_engine)  # type: ignore[arg-type]
    except DomainValidationError as exc:
        for p in exc.problems:
            print(f"{p.pointer}: {p.message_zh} / {p.message_en}", file=sys.stderr)
        return 1
    out.write_bytes(form.content)
    print(out)
    return 0


def cmd_registry_rebuild(args: argparse.Namespace) -> int:
    from services.registry import rebuild_registry
    from storage import StoreInUse

    settings = _settings()
    if args.check:
        return _registry_check(settings)
    # Rewriting the registry under a running service would race its own writes.
    pid = _running_service(settings)
    if pid is not None:
        return _fail(_service_running_message(pid, settings))
    try:
        with _registry(settings) as registry, _store(settings, attach=False) as store:
            report = rebuild_registry(registry.engine, store, _manifest_keys(settings))
    except StoreInUse as exc:  # the service started between our look and our start
        return _fail(_service_running_message(exc.owner_pid, settings))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _registry_check(settings: Settings) -> int:
    """Compare the registry with the manifests in the store; write nothing (exit 1 if they differ)."""
    from services.registry import compare_registry

    with _registry(settings) as registry, _store(settings, attach=True) as store:
        diff = compare_registry(registry.engine, store, _manifest_keys(settings))
    print(json.dumps(diff.as_dict(), ensure_ascii=False, indent=2))
    return 0 if diff.equal else 1


def _manifest_keys(settings: Settings) -> dict[str, Any]:
    """The public keys that verify the service's seals on manifests (its QR key ring)."""
    from signing.keys import QrKeyRing

    return dict(QrKeyRing.from_settings(settings).public_keys())


def cmd_fixity(args: argparse.Namespace) -> int:
    from services.fixity import run_fixity

    settings = _settings()
    with _registry(settings) as registry, _store(settings, attach=True) as store:
        report = run_fixity(registry.engine, store, settings)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 1 if report.worst in ("critical", "error") else 0


def cmd_timestamps_renew(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from services.timestamps import TimestampRenewer
    from signing.keys import QrKeyRing

    settings = _settings()
    if not settings.tsa_url:
        return _fail("renewing archive time stamps needs a time stamp authority: set AZX_TSA_URL")
    # new keys only (If-None-Match), never a version over one: safe beside a running service
    with _registry(settings) as registry, _store(settings, attach=True) as store:
        renewer = TimestampRenewer.from_settings(
            settings, engine=registry.engine, store=store, audit=registry.audit,
            key_ring=QrKeyRing.from_settings(settings))
        assert renewer is not None  # a TSA is configured
        if args.days is not None:
            renewer.lead = timedelta(days=args.days)
        report = renewer.run(ids=args.id or (), dry_run=args.dry_run)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 1 if report.of("failed") else 0


def cmd_keys_rotate_qr(args: argparse.Namespace) -> int:
    from signing.keys import QrKeyRing

    kid = QrKeyRing.from_settings(_settings()).rotate()
    print(f"new QR signing key {kid} is active; older keys keep verifying")
    return 0


_WELL_KNOWN_JWKS = "/.well-known/jwks.json"  # api/routes/verify.py publishes both
_WELL_KNOWN_CERT = "/.well-known/azx-signing-cert.pem"
_KEYS_HINT = "give --url https://SERVICE, or --jwks FILE and --cert FILE"


def _offline_trust(args: argparse.Namespace) -> tuple[dict[str, Any], list[Any]] | None:
    """(JWKS, trust roots) from --url, else --jwks / --cert files, else the keys of an absolute
    AZX_DATA_DIR (a relative one would only work from one directory). None: said why."""
    try:
        if args.url:
            if args.jwks or args.cert:
                _fail("give --url or --jwks/--cert, not both")
                return None
            jwks, roots = _trust_from_url(args.url)
        else:
            jwks = _jwks_from_file(args.jwks) if args.jwks else _local_jwks()
            if jwks is None:
                return None
            found_roots = _certs_from_files(args.cert) if args.cert else _local_roots()
            if found_roots is None:
                return None
            roots = found_roots
    except (OSError, ValueError) as exc:  # urllib's errors are OSErrors
        _fail(str(exc))
        return None
    if not isinstance(jwks, dict):
        _fail("the JWKS must be a JSON object")
        return None
    return jwks, roots


def _trust_from_url(url: str) -> tuple[Any, list[Any]]:
    """The JWKS and signing certificate a service publishes under ``/.well-known/``."""
    from urllib.parse import urlsplit

    from cryptography import x509

    if urlsplit(url).scheme not in ("https", "http"):
        raise ValueError(f"--url must be the service's https:// address, not {url!r}")
    base = url.rstrip("/")
    jwks = json.loads(_fetch(base + _WELL_KNOWN_JWKS))
    cert = x509.load_pem_x509_certificate(_fetch(base + _WELL_KNOWN_CERT))
    return jwks, [cert]


def _fetch(url: str) -> bytes:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return bytes(resp.read())
    except OSError as exc:
        raise OSError(f"cannot fetch {url}: {exc}") from exc


def _jwks_from_file(name: str) -> Any:
    return json.loads(Path(name).read_text(encoding="utf-8"))


def _certs_from_files(names: list[str]) -> list[Any]:
    from cryptography import x509

    roots: list[Any] = []
    for name in names:
        data = Path(name).read_bytes()
        roots.append(x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                     else x509.load_der_x509_certificate(data))
    return roots


def _local_data_dir() -> Path | None:
    """The data dir whose keys may be used, if it is absolute; else None (and said why)."""
    s = _settings()
    if not s.data_dir.is_absolute():
        _fail(f"no --jwks, no --url and the data dir {s.data_dir} is relative to where azx "
              f"runs: {_KEYS_HINT}")
        return None
    return s.data_dir


def _local_jwks() -> Any:
    from signing.keys import QrKeyRing

    data_dir = _local_data_dir()
    if data_dir is None:
        return None
    if not (data_dir / "keys" / "qr-ed25519" / "ACTIVE").is_file():
        _fail(f"no --jwks and no QR keys under {data_dir}/keys: {_KEYS_HINT}")
        return None
    return QrKeyRing.from_settings(_settings()).jwks()


def _local_roots() -> list[Any] | None:
    from signing.pdf_signer import ServiceSigner
    from signing.self_signed import SELF_SIGNED_FILE

    s = _settings()
    data_dir = _local_data_dir()
    if data_dir is None:
        return None
    if s.signing_p12 is None and not (data_dir / "keys" / SELF_SIGNED_FILE).is_file():
        _fail(f"no --cert and no signing certificate under {data_dir}/keys: {_KEYS_HINT}")
        return None
    return [ServiceSigner.from_settings(s).certificate]


def _verify_summary(r: dict[str, Any]) -> str:
    lines = ["真实有效 / AUTHENTIC" if r["authentic"] else "无法验证 / NOT VERIFIED",
             f"编号 / Record ID: {r['id'] or '—'}"]
    if r.get("title"):
        lines.append(f"文书类型 / Document: {r['title']}")
    for sig in r["signers"]:
        ok = sig["intact"] and sig["valid"]
        state = "有效 / valid" if ok else f"无效 / invalid: {sig['problem']}"
        who = f"{sig['name'] or sig['field']} ({sig['subject']})"
        lines.append(f"签署方 / Signed by: {who} — {state}")
    lines.append(f"SHA-256: {r.get('file_sha256') or r['sha256'] or '—'}")
    qr = r.get("qr") or {}
    if qr.get("present"):
        ok = qr.get("signature_valid") and qr.get("id_matches")
        lines.append(f"二维码 / QR: {'签名有效 / genuine' if ok else '无效 / not genuine'}"
                     f" (key {qr.get('kid', '?')})")
    for title, items in (("原因 / Reasons", r["reasons"]), ("提示 / Notes", r["notices"])):
        if items:
            lines.append(f"{title}:")
            lines += [f"  - {x['message_zh']} / {x['message_en']}"
                      + (f" ({x['detail']})" if x.get("detail") else "") for x in items]
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    from domain.errors import DomainValidationError

    try:
        pdf = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"azx: {exc}", file=sys.stderr)
        return 2
    try:
        if args.online:
            result = _verify_online(pdf)
        else:
            from services.verify import verify_pdf_offline

            trust = _offline_trust(args)
            if trust is None:
                return 2
            result = verify_pdf_offline(pdf, *trust)
    except DomainValidationError as exc:
        for p in exc.problems:
            print(f"azx: {p.message_zh} / {p.message_en}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json
          else _verify_summary(result))
    return 0 if result["authentic"] else 1


def _verify_online(pdf: bytes) -> dict[str, Any]:
    """Against the local archive, through the running service's store if there is one."""
    from services.verify import VerificationService
    from signing.keys import QrKeyRing
    from signing.pdf_signer import ServiceSigner

    s = _settings()
    with _registry(s) as registry, _store(s, attach=True) as store:
        verifier = VerificationService(registry.engine, store, QrKeyRing.from_settings(s),
                                       [ServiceSigner.from_settings(s).certificate])
        return verifier.verify_pdf(pdf)


def cmd_worker(args: argparse.Namespace) -> int:
    import os

    s = _settings()
    if not s.broker_url:
        print("azx: a worker needs AZX_BROKER_URL (e.g. redis://host:6379/0); without it "
              "`azx serve` runs jobs itself and no worker is needed", file=sys.stderr)
        return 2
    argv = [sys.executable, "-m", "celery", "-A", "workers", "worker",
            f"--loglevel={args.loglevel or s.log_level}"]
    if args.concurrency:
        argv.append(f"--concurrency={args.concurrency}")
    if args.queues:
        argv += ["-Q", args.queues]
    argv += [a for a in args.celery_args if a != "--"]
    os.execv(sys.executable, argv)
    return 0  # not reached


def _http(method: str, url: str, key: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Bearer {key}", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code), exc.read()


def _bar(counts: dict[str, int], total: int, width: int = 30) -> str:
    finished = counts.get("done", 0) + counts.get("failed", 0)
    filled = width * finished // max(total, 1)
    return (f"[{'#' * filled}{'.' * (width - filled)}] {finished}/{total} "
            f"done {counts.get('done', 0)} failed {counts.get('failed', 0)}")


def cmd_batch_submit(args: argparse.Namespace) -> int:
    """POST the file, draw a progress bar on stderr while polling, write the CSV report."""
    import hashlib
    import time
    import urllib.error

    from cli.remote import service_and_key

    target = service_and_key(args)
    if target is None:
        return 2
    base, key = target
    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        print(f"azx: {exc}", file=sys.stderr)
        return 2
    ctype = "application/json" if raw.lstrip()[:1] == b"[" else "application/x-ndjson"
    headers = {"Content-Type": ctype}
    if not args.new:  # submitting the same file again resumes the same batch
        headers["Idempotency-Key"] = "azx-cli-" + hashlib.sha256(raw).hexdigest()[:40]
    tty = sys.stderr.isatty()
    try:
        status, answer = _http("POST", f"{base}/v1/batches", key, raw, headers)
        if status != 202:
            print(f"azx: the service refused the batch (HTTP {status}):", file=sys.stderr)
            try:
                err = json.loads(answer)
                for p in err.get("problems") or [err]:
                    print(f"  {p.get('path', '')} {p['message_zh']} / {p['message_en']}",
                          file=sys.stderr)
            except (ValueError, KeyError, TypeError):
                print(answer.decode("utf-8", "replace")[:2000], file=sys.stderr)
            return 1
        batch = json.loads(answer)
        print(f"batch {batch['id']}: {batch['total']} documents", file=sys.stderr)
        deadline = time.monotonic() + args.timeout if args.timeout else None
        last_line = 0.0
        while batch["status"] != "done":
            if deadline is not None and time.monotonic() > deadline:
                print(f"\nazx: still running after {args.timeout:g}s; "
                      f"see {base}/v1/batches/{batch['id']}", file=sys.stderr)
                return 3
            time.sleep(1.0)
            status, answer = _http("GET", f"{base}/v1/batches/{batch['id']}", key)
            if status == 200:
                batch = json.loads(answer)
            if tty:
                print("\r" + _bar(batch["counts"], batch["total"]), end="", file=sys.stderr,
                      flush=True)
            elif time.monotonic() - last_line >= 10:
                print(_bar(batch["counts"], batch["total"]), file=sys.stderr, flush=True)
                last_line = time.monotonic()
        print(("\r" if tty else "") + _bar(batch["counts"], batch["total"]), file=sys.stderr)
        status, report = _http("GET", f"{base}/v1/batches/{batch['id']}/results.csv", key)
        if status != 200:
            print(f"azx: could not fetch the report (HTTP {status})", file=sys.stderr)
            return 1
        out = path.with_name(path.stem + ".results.csv")
        out.write_bytes(report)
        print(out)
        if args.zip:
            status, blob = _http("GET", f"{base}/v1/batches/{batch['id']}/documents.zip", key)
            if status != 200:
                print(f"azx: could not fetch the documents (HTTP {status})", file=sys.stderr)
                return 1
            zpath = path.with_name(path.stem + ".documents.zip")
            zpath.write_bytes(blob)
            print(zpath)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"\nazx: cannot talk to {base}: {exc}", file=sys.stderr)
        return 2
    return 1 if batch["counts"].get("failed") else 0


def cmd_audit_seal(args: argparse.Namespace) -> int:
    from services.context import open_context

    ctx = open_context(_settings())
    try:
        key = ctx.seal_audit()
        problems = ctx.audit.verify_chain()
    finally:
        ctx.close()
    print(key or "nothing new to seal")
    for p in problems:
        print(f"audit chain: {p}", file=sys.stderr)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="azx", description="安责险事故预防服务文书与档案 / AZX")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the HTTP API")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=cmd_serve)
    k = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_cmd", required=True)
    kc = k.add_parser("create", help="create a key bound to a tenant and a role")
    kc.add_argument("--tenant", required=True)
    kc.add_argument("--role", required=True,
                    choices=["insurer", "technician", "auditor", "admin", "regulator"])
    kc.add_argument("--regions", help="regulator only: the regions it reads, e.g. 济南市,成都市")
    kc.add_argument("--label")
    kc.set_defaults(func=cmd_keys_create)
    kr = k.add_parser("revoke", help="revoke a key by its id (the part after azx_)")
    kr.add_argument("key_id")
    kr.set_defaults(func=cmd_keys_revoke)
    k.add_parser("rotate-qr", help="rotate the QR verify-URL signing key").set_defaults(
        func=cmd_keys_rotate_qr)
    r = sub.add_parser("render", help="render a request body (or a blank form) to PDF or DOCX")
    r.add_argument("file", help='JSON file {"type","profile","data"}; with --blank: the type')
    r.add_argument("-o", "--output", required=True)
    r.add_argument("--blank", action="store_true")
    r.add_argument("--profile")
    r.set_defaults(func=cmd_render)
    g = sub.add_parser("registry", help="registry maintenance").add_subparsers(dest="reg", required=True)
    gr = g.add_parser("rebuild", help="rebuild the registry from the object store (not while "
                      "the service runs)")
    gr.add_argument("--check", action="store_true",
                    help="only compare the registry with the store; write nothing (exit 1 if "
                         "they differ); works while the service runs")
    gr.set_defaults(func=cmd_registry_rebuild)
    a = sub.add_parser("audit", help="audit trail").add_subparsers(dest="audit_cmd", required=True)
    a.add_parser("seal", help="archive new audit events under lock and check the hash chain"
                 ).set_defaults(func=cmd_audit_seal)
    t = sub.add_parser("timestamps", help="archive time stamps (PAdES B-LTA)").add_subparsers(
        dest="timestamps_cmd", required=True)
    tr = t.add_parser("renew", help="renew the archive time stamps that end soon, as new "
                      "locked objects beside each record")
    tr.add_argument("--days", type=int, help="lead in days (default AZX_TIMESTAMP_RENEW_DAYS)")
    tr.add_argument("--id", action="append", help="only this record (repeatable)")
    tr.add_argument("--dry-run", action="store_true", help="list what is due; write nothing")
    tr.set_defaults(func=cmd_timestamps_renew)
    f = sub.add_parser("fixity", help="check every archived object; changes nothing")
    f.set_defaults(func=cmd_fixity)
    v = sub.add_parser("verify", help="verify a PDF: offline (JWKS + certificate) or --online")
    v.add_argument("file", help="the PDF to check")
    v.add_argument("--url", help="the service's address (https://host): its public keys are "
                   "fetched from /.well-known/")
    v.add_argument("--jwks", help="JWKS file (/.well-known/jwks.json); default: the keys of an "
                   "absolute AZX_DATA_DIR")
    v.add_argument("--cert", action="append", help="trusted signing certificate, PEM or DER "
                   "(/.well-known/azx-signing-cert.pem); repeatable; default: local")
    v.add_argument("--online", action="store_true", help="check against the local archive")
    v.add_argument("--json", action="store_true", help="print the JSON answer")
    v.set_defaults(func=cmd_verify)
    b = sub.add_parser("batch", help="batches on a running service").add_subparsers(
        dest="batch_cmd", required=True)
    bs = b.add_parser("submit", help="submit FILE (NDJSON or a JSON array), wait, write a report")
    bs.add_argument("file", help="one document {type, profile, data} per line (.ndjson)")
    bs.add_argument("--url", help="service base URL (default $AZX_URL or AZX_HOST:AZX_PORT)")
    bs.add_argument("--key", help="API key (default $AZX_API_KEY)")
    bs.add_argument("--zip", action="store_true", help="also download FILE.documents.zip")
    bs.add_argument("--timeout", type=float, default=0, help="give up waiting after N seconds")
    bs.add_argument("--new", action="store_true",
                    help="a new batch even if this file was submitted before")
    bs.set_defaults(func=cmd_batch_submit)
    w = sub.add_parser("worker", help="run a Celery worker (celery -A workers worker)")
    w.add_argument("--concurrency", type=int, help="worker processes (default: CPU count)")
    w.add_argument("--queues", help="comma-separated queues (default: all of them)")
    w.add_argument("--loglevel")
    w.add_argument("celery_args", nargs=argparse.REMAINDER,
                   help="after --: passed to celery worker unchanged")
    w.set_defaults(func=cmd_worker)
    from cli.obligations import add_parser as add_obligations

    add_obligations(sub)  # azx obligations POLICY_NO | --state overdue|due_soon
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:
        if not _is_storage_error(exc):
            raise
        # e.g. a store in use, unreachable or misconfigured: what to do, not a traceback
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return _fail(first_line)


def _is_storage_error(exc: Exception) -> bool:
    # Only a command that imported the storage layer can raise its errors; commands that never
    # touch storage keep starting without importing it.
    errors = sys.modules.get("storage.errors")
    return errors is not None and isinstance(exc, errors.StorageError)


if __name__ == "__main__":
    sys.exit(main())
