"""``azx obligations``: a policy's obligations (or the tenant's overdue / due-soon ones) as a
table, from a running service (``GET /v1/policies/{no}/obligations``, ``GET /v1/obligations``).

  azx obligations POLICY_NO [--as-of DATE]                 one policy's table
  azx obligations --state overdue|due_soon [--profile P]   across the tenant
  --url URL (default $AZX_URL or AZX_HOST:AZX_PORT) --key KEY (default $AZX_API_KEY)
  --markdown (a Markdown table) · --json (the service's answer)

Exit codes: 0 nothing overdue in what was listed, 1 something is overdue, 2 the command could not
run (no key, service unreachable, refused).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from typing import Any
from urllib.parse import quote, urlencode

__all__ = ["add_parser", "cmd_obligations", "obligation_rows", "render_table"]

HEAD = ("义务", "条款", "期限", "要求/完成", "状态", "记录")


def _cell_state(o: dict[str, Any]) -> str:
    text = str(o["state_zh"])
    if o.get("working_days_over"):
        text += f"（{o['working_days_over']} 个工作日）" if o["state"] == "done_late" else (
            f"（已逾 {o['working_days_over']} 个工作日）")
    if o.get("due_soon"):
        text += "，即将到期"
    if o.get("estimated"):
        text += "（估算）"
    return text


def _cell_due(o: dict[str, Any]) -> str:
    if o.get("window"):
        return f"{o['window']['from']}–{o['window']['to']}"
    return str(o.get("due") or "—")


def _cell_count(o: dict[str, Any]) -> str:
    if o.get("amount_required") is not None:
        return f"{o['amount_required']} / {o['amount_done']} 元"
    if o.get("count_required") is None:
        return "—"
    return f"{o['count_required']} / {o['count_done']}"


def _cell_records(o: dict[str, Any], limit: int = 2) -> str:
    ids = list(o.get("records") or [])
    if not ids:
        return "—"
    return ", ".join(ids[:limit]) + (f" 等 {len(ids)} 份" if len(ids) > limit else "")


def _cell_title(o: dict[str, Any]) -> str:
    subject = o.get("subject") or {}
    if subject.get("service_date"):
        return f"{o['title_zh']}（{subject['service_date']} 服务）"
    if subject.get("received_on"):
        return f"{o['title_zh']}（{subject['received_on']} 收到）"
    return str(o["title_zh"])


def obligation_rows(items: list[dict[str, Any]], with_policy: bool) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for o in items:
        cells = (_cell_title(o), o["clause"], _cell_due(o), _cell_count(o), _cell_state(o),
                 _cell_records(o))
        rows.append((o["policy_no"], *cells) if with_policy else cells)
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def render_table(rows: list[tuple[str, ...]], head: tuple[str, ...], markdown: bool) -> str:
    if markdown:
        def line(cells: tuple[str, ...]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        return "\n".join([line(head), "|" + "---|" * len(head), *(line(r) for r in rows)])
    widths = [max(_width(r[i]) for r in (head, *rows)) for i in range(len(head))]

    def pad(cells: tuple[str, ...]) -> str:
        return "  ".join(c + " " * (w - _width(c))
                         for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([pad(head), "  ".join("-" * w for w in widths), *(pad(r) for r in rows)])


def _get(base: str, path: str, key: str) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return int(resp.status), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            try:
                return int(exc.code), json.loads(exc.read())
            except ValueError:
                return int(exc.code), {}


def cmd_obligations(args: argparse.Namespace) -> int:
    import urllib.error

    from cli.remote import service_and_key

    target = service_and_key(args)
    if target is None:
        return 2
    base, key = target
    if bool(args.policy_no) == bool(args.state):
        print("azx: give a policy number, or --state overdue|due_soon", file=sys.stderr)
        return 2
    params = {k: v for k, v in (("as_of", args.as_of), ("state", args.state),
                                ("profile", args.profile),
                                ("limit", str(args.limit) if args.state else None)) if v}
    path = (f"/v1/policies/{quote(args.policy_no, safe='')}/obligations" if args.policy_no
            else "/v1/obligations")
    try:
        status, answer = _get(base, path + ("?" + urlencode(params) if params else ""), key)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"azx: cannot talk to {base}: {exc}", file=sys.stderr)
        return 2
    if status != 200:
        msg = answer.get("message_zh", "") if isinstance(answer, dict) else ""
        problems = answer.get("problems") or [] if isinstance(answer, dict) else []
        detail = "; ".join(f"{p.get('path')}: {p.get('message_zh')}" for p in problems)
        print(f"azx: the service answered HTTP {status}: {msg} {detail}".rstrip(), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        items = answer["obligations"] if args.policy_no else answer["items"]
        if args.policy_no:
            p = answer["policy"]
            print(f"保单 {p['policy_no']} · {p['insured']} · {p['profile']}"
                  + (f" ({p['standard']})" if p.get("standard") else "")
                  + f" · 保费 {p['premium']} 元 · {p['period_start']} 至 {p['period_end']}"
                  + f" · 判定日 {answer['as_of']}")
        else:
            print(f"{answer['state'] or '全部'} · 判定日 {answer['as_of']} · 共 {answer['total']} 项")
        head = HEAD if args.policy_no else ("保单号", *HEAD)
        print(render_table(obligation_rows(items, not args.policy_no), head, args.markdown))
        if answer.get("estimated"):
            print("（估算）所涉年份的节假日安排尚未公布，按周末计算。")
        if answer.get("incomplete"):
            print(f"注意：{len(answer['unread_records'])} 份记录暂未读取（存储不可用），结果不完整。")
    items = answer.get("obligations") or answer.get("items") or []
    return 1 if any(o["state"] == "overdue" for o in items) else 0


def add_parser(sub: Any) -> None:
    o = sub.add_parser("obligations", help="a policy's obligations, or the tenant's overdue / "
                       "due-soon ones, from a running service")
    o.add_argument("policy_no", nargs="?", help="the policy number")
    o.add_argument("--state", choices=["overdue", "due_soon", "due", "done", "done_late",
                                       "not_applicable"])
    o.add_argument("--profile", choices=["shandong", "chengdu", "national", "wenzhou"])
    o.add_argument("--as-of", dest="as_of", help="judge as of this day (YYYY-MM-DD)")
    o.add_argument("--limit", type=int, default=500)
    o.add_argument("--url", help="service base URL (default $AZX_URL or AZX_HOST:AZX_PORT)")
    o.add_argument("--key", help="API key (default $AZX_API_KEY)")
    o.add_argument("--markdown", action="store_true", help="print a Markdown table")
    o.add_argument("--json", action="store_true", help="print the service's JSON answer")
    o.set_defaults(func=cmd_obligations)
