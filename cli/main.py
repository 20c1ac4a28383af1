"""``azx``: the command line of the service.

  azx serve                                   run the API on AZX_HOST:AZX_PORT (embedded defaults)
  azx keys create --tenant NAME --role ROLE   print a new API key (last word of the output)
  azx keys revoke KEY_ID
  azx render FILE.json -o OUT.pdf|OUT.docx    render {"type","profile","data"} (or blank with --blank)
  azx registry rebuild                        rebuild the registry from the object store alone
  azx fixity                                  re-read and check every archived object; change nothing
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def _settings():  # type: ignore[no-untyped-def]
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
    from services.render import render_blank, render_data

    out = Path(args.output)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in ("pdf", "docx"):
        print("azx: the output must end in .pdf or .docx", file=sys.stderr)
        return 2
    try:
        if args.blank:
            form = render_blank(args.file, args.profile, fmt)  # type: ignore[arg-type]
        else:
            body = json.loads(Path(args.file).read_text(encoding="utf-8"))
            form = render_data(body["type"], body.get("profile"), body["data"], fmt)  # type: ignore[arg-type]
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
    r = sub.add_parser("render", help="render a request body (or a blank form) to PDF or DOCX")
    r.add_argument("file", help='JSON file {"type","profile","data"}; with --blank: the type')
    r.add_argument("-o", "--output", required=True)
    r.add_argument("--blank", action="store_true")
    r.add_argument("--profile")
    r.set_defaults(func=cmd_render)
    g = sub.add_parser("registry", help="registry maintenance").add_subparsers(dest="reg", required=True)
    g.add_parser("rebuild", help="rebuild the registry from the object store").set_defaults(
        func=cmd_registry_rebuild)
    f = sub.add_parser("fixity", help="check every archived object; changes nothing")
    f.set_defaults(func=cmd_fixity)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
