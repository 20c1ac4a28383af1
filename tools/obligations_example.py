"""The README's obligation table, made by the service itself: a Shandong policy registered, two
visits, one callback and a complaint archived (each on the day the scenario says, through the
real archive and the embedded SeaweedFS), then the policy's obligations as ``azx obligations``
prints them.

Run: .venv/bin/python tools/obligations_example.py [--markdown]   (≈ 10 s; a throw-away data dir)
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.obligations import HEAD, obligation_rows, render_table  # noqa: E402
from core.settings import Settings  # noqa: E402
from domain.access import Caller, Role  # noqa: E402
from services.context import open_context  # noqa: E402
from services.obligations import ObligationService  # noqa: E402
from services.policies import PolicyService  # noqa: E402

CHINA = dt.timezone(dt.timedelta(hours=8))
POLICY = "PZAS202637010000012345"
AS_OF = dt.date(2026, 10, 20)


def example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_context(Settings(data_dir=Path(tmp)))
        try:
            caller = Caller("example", "人保济南", Role.INSURER)
            PolicyService(ctx.engine, ctx.audit).create(caller, {
                "policy_no": POLICY, "profile": "shandong", "insured": "济南鲁通物流集团有限公司",
                "premium": "128000.00", "period_start": "2026-01-01",
                "period_end": "2026-12-31", "industry": "道路运输",
                "high_risk_industry": "交通运输"})

            def archive(body: dict[str, Any], day: str) -> str:
                when = dt.datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=CHINA)
                ctx.archive.clock = lambda: when.astimezone(dt.UTC)
                return str(ctx.archive.create(caller, body)["id"])

            def report(visit: str) -> dict[str, Any]:
                body = example("report-shandong")
                body["data"]["visit"] = {"date": visit}
                return body

            callback = example("callback-shandong")
            callback["data"].update(callback_time="2026-03-02", service_time="2026-02-12")
            complaint = example("complaint-shandong")
            complaint["data"]["policy_no"] = POLICY
            for k in ("answer", "answered_at", "extension"):
                complaint["data"].pop(k)
            archive(report("2026-02-12"), "2026-02-26")  # in time (due Feb 26, 春节 between)
            archive(callback, "2026-03-02")
            archive(report("2026-09-18"), "2026-10-12")  # late; its callback never came
            archive(copy.deepcopy(complaint), "2026-09-24")  # received, not yet answered
            answer = ObligationService(engine=ctx.engine, store=ctx.store,
                                       settings=ctx.settings).for_policy(caller, POLICY, AS_OF)
        finally:
            ctx.close()
    p = answer["policy"]
    print(f"$ azx obligations {POLICY} --as-of {AS_OF}" + (" --markdown" if args.markdown else ""))
    print(f"保单 {p['policy_no']} · {p['insured']} · {p['profile']} · 保费 {p['premium']} 元 · "
          f"{p['period_start']} 至 {p['period_end']} · 判定日 {answer['as_of']}")
    print(render_table(obligation_rows(answer["obligations"], False), HEAD, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
