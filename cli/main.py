"""``azx``: the command line of the service.

  azx serve                                   run the API on AZX_HOST:AZX_PORT (embedded defaults)
  azx keys create --tenant NAME --role ROLE   print a new API key (last word of the output)
  azx keys revoke KEY_ID
  azx render FILE.json -o OUT.pdf|OUT.docx    render {"type","profile","data"} (or blank with --blank)
  azx registry rebuild                        rebuild the registry from the object store alone
  azx fixity                                  re-read and check every archived object; change nothing
  azx verify FILE.pdf [--jwks F] [--cert F]   check a PDF offline (0 authentic, 1 not); --online
  azx keys rotate-qr                          new active QR signing key (old ones keep verifying)
  azx batch submit FILE.ndjson [--url --key]  submit a batch to a running service, show progress,
                                              write FILE.results.csv (--zip: the PDFs too)
  azx worker [-- CELERY ARGS]                 a Celery worker (needs AZX_BROKER_URL)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ["main"]


def _settings() -> Settings:
    from core.settings import get_settings

    return get_settings()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    s = _settings()
    uvicorn.run("api.main:app", host=args.host or s.host, port=args.port or s.port,
                log_level=s.log_level.lower())
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from services.context import open_context
    from services.keys import create_key

    ctx = open_context(_settings())
    try:
        key = create_key(ctx.engine, args.tenant, args.role, args.label)
    except ValueError as exc:
        print(f"azx: {exc}", file=sys.stderr)
        return 2
    finally:
        ctx.close()
    print(f"API key for tenant {args.tenant!r}, role {args.role} (shown once, store it safely):")
    print(key)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from services.context import open_context
    from services.keys import revoke_key

    ctx = open_context(_settings())
    try:
        ok = revoke_key(ctx.engine, args.key_id)
    finally:
        ctx.close()
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
    from services.context import open_context
    from services.registry import rebuild_registry

    ctx = open_context(_settings())
    try:
        report = rebuild_registry(ctx.engine, ctx.store)
    finally:
        ctx.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def cmd_fixity(args: argparse.Namespace) -> int:
    from services.context import open_context
    from services.fixity import run_fixity

    ctx = open_context(_settings())
    try:
        report = run_fixity(ctx.engine, ctx.store, ctx.settings)
    finally:
        ctx.close()
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 1 if report.worst in ("critical", "error") else 0


def cmd_keys_rotate_qr(args: argparse.Namespace) -> int:
    from signing.keys import QrKeyRing

    kid = QrKeyRing.from_settings(_settings()).rotate()
    print(f"new QR signing key {kid} is active; older keys keep verifying")
    return 0


def _offline_trust(args: argparse.Namespace) -> tuple[dict[str, Any], list[Any]] | None:
    """(JWKS, trust roots) from --jwks / --cert, else from the local data dir's keys."""
    from cryptography import x509

    from signing.keys import QrKeyRing
    from signing.pdf_signer import ServiceSigner
    from signing.self_signed import SELF_SIGNED_FILE

    s = _settings()
    try:
        if args.jwks:
            jwks = json.loads(Path(args.jwks).read_text(encoding="utf-8"))
        elif (s.data_dir / "keys" / "qr-ed25519" / "ACTIVE").is_file():
            jwks = QrKeyRing.from_settings(s).jwks()
        else:
            print(f"azx: no --jwks and no QR keys under {s.data_dir}/keys", file=sys.stderr)
            return None
        if args.cert:
            roots: list[Any] = []
            for name in args.cert:
                data = Path(name).read_bytes()
                roots.append(x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                             else x509.load_der_x509_certificate(data))
        elif s.signing_p12 is not None or (s.data_dir / "keys" / SELF_SIGNED_FILE).is_file():
            roots = [ServiceSigner.from_settings(s).certificate]
        else:
            print(f"azx: no --cert and no signing certificate under {s.data_dir}/keys",
                  file=sys.stderr)
            return None
    except (OSError, ValueError) as exc:
        print(f"azx: {exc}", file=sys.stderr)
        return None
    if not isinstance(jwks, dict):
        print("azx: the JWKS file must hold a JSON object", file=sys.stderr)
        return None
    return jwks, roots


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
            from services.context import open_context

            ctx = open_context(_settings())
            try:
                result = ctx.verifier.verify_pdf(pdf)
            finally:
                ctx.close()
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
    import os
    import time
    import urllib.error

    s = _settings()
    base = (args.url or os.environ.get("AZX_URL") or f"http://{s.host}:{s.port}").rstrip("/")
    key = args.key or os.environ.get("AZX_API_KEY")
    if not key:
        print("azx: an API key is needed: --key KEY or AZX_API_KEY", file=sys.stderr)
        return 2
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
    kc.add_argument("--role", required=True, choices=["insurer", "technician", "auditor", "admin"])
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
    g.add_parser("rebuild", help="rebuild the registry from the object store").set_defaults(
        func=cmd_registry_rebuild)
    a = sub.add_parser("audit", help="audit trail").add_subparsers(dest="audit_cmd", required=True)
    a.add_parser("seal", help="archive new audit events under lock and check the hash chain"
                 ).set_defaults(func=cmd_audit_seal)
    f = sub.add_parser("fixity", help="check every archived object; changes nothing")
    f.set_defaults(func=cmd_fixity)
    v = sub.add_parser("verify", help="verify a PDF: offline (JWKS + certificate) or --online")
    v.add_argument("file", help="the PDF to check")
    v.add_argument("--jwks", help="JWKS file (/.well-known/jwks.json); default: local keys")
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
