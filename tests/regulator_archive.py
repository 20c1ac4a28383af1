"""The archive the regulator tests read: two tenants' policies in several regions, one served
policy (a Shandong report), hazards of the Chengdu tenant's policy, Shandong fee accruals, and
what each tenant itself sees as overdue on the day of the summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.testclient import TestClient

from tests.service_app import archive_on, example, key_headers

__all__ = ["regulator_archive"]

#: policy number → (tenant, profile, region or None, industry)
Policies = Mapping[str, tuple[str, str, str | None, str]]


def regulator_archive(client: TestClient, ctx: Any, *, policies: Policies, served: str,
                      hazards: Sequence[tuple[str, str, str]], fee_policies: Sequence[str],
                      as_of: str) -> dict[str, Any]:
    """Register ``policies`` (a policy without a region belongs to no regulator), archive a
    report for ``served`` on 2026-03-12, post ``hazards`` ((grade, subcategory, description) of
    the one Chengdu policy) and a 20 % accrual for each of ``fee_policies``. Returns the tenants'
    ``heads``, the ``report``, ``hazards`` and ``fees`` IDs, and per policy its ``overdue``
    obligations as its tenant sees them on ``as_of``."""
    tenants = sorted({tenant for tenant, *_ in policies.values()})
    heads = {tenant: key_headers(ctx, tenant) for tenant in tenants}
    for no, (tenant, profile, region, industry) in policies.items():
        terms = {"policy_no": no, "profile": profile, "insured": f"投保单位{no[-3:]}",
                 "premium": "20000.00", "period_start": "2026-01-01",
                 "period_end": "2026-12-31", "industry": industry}
        if region:
            terms["region"] = region
        r = client.post("/v1/policies", json=terms, headers=heads[tenant])
        assert r.status_code == 201, r.text
    report = example("report-shandong")
    report["data"]["policy"]["policy_no"] = served
    report["data"]["visit"] = {"date": "2026-03-10"}
    report_id = archive_on(client, ctx, heads[policies[served][0]], report, "2026-03-12")["id"]
    chengdu = next(no for no, (_, profile, *_r) in policies.items() if profile == "chengdu")
    hazard_ids = []
    for grade, subcategory, description in hazards:
        r = client.post("/v1/hazards", headers=heads[policies[chengdu][0]], json={
            "policy_no": chengdu, "insured_name": f"投保单位{chengdu[-3:]}", "hazard": {
                "found_on": "2026-03-19", "inspectors": "周文斌", "category": "作业环境",
                "subcategory": subcategory, "description": description, "grade": grade}})
        assert r.status_code == 201, r.text
        hazard_ids.append(r.json()["id"])
    fees = []
    for no in fee_policies:
        r = client.post("/v1/fees", headers=heads[policies[no][0]], json={
            "profile": "shandong", "kind": "accrual", "year": 2026, "insurer": "人保济南分公司",
            "date": "2026-03-01", "premium": "20000.00", "share_percent": "20",
            "policy_no": no})
        assert r.status_code == 201, r.text
        fees.append(r.json()["record"]["id"])
    overdue = {}
    for no, (tenant, *_rest) in policies.items():
        ob = client.get(f"/v1/policies/{no}/obligations", params={"as_of": as_of},
                        headers=heads[tenant]).json()
        overdue[no] = [o for o in ob["obligations"] if o["state"] == "overdue"]
    return {"heads": heads, "report": report_id, "hazards": hazard_ids, "fees": fees,
            "overdue": overdue}
