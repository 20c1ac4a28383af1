"""The 四性 check (DA/T 70-2018) of archived records and the auditor package (a BagIt bag)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Ctx, CurrentCaller
from services.four_properties import FourPropertiesChecker

router = APIRouter(prefix="/v1", tags=["archive checks"])

_IDS = Query(default_factory=list, alias="id", max_length=200,
             description="record IDs (repeat the parameter)")


def _checks(ctx: Any) -> FourPropertiesChecker:
    assert ctx.checks is not None  # open_context always wires it
    checker: FourPropertiesChecker = ctx.checks
    return checker


@router.get("/documents/{rid}/checks",
            summary="四性检测（DA/T 70）/ the record's authenticity, integrity, usability, security")
def record_checks(rid: str, caller: CurrentCaller, ctx: Ctx) -> Any:
    return _checks(ctx).for_caller(caller, rid).model_dump(mode="json")


@router.get("/checks", summary="一组记录的四性检测结果 / the 四性 of a set of records (JSON)")
def set_checks(caller: CurrentCaller, ctx: Ctx,
               policy_no: str | None = Query(None, max_length=200),
               insured: str | None = Query(None, max_length=200),
               ids: list[str] = _IDS) -> Response:
    checks = _checks(ctx)
    scope, results = checks.for_set(caller, policy_no=policy_no, insured=insured, ids=ids)
    form = checks.render_report(caller.tenant, scope, results, "json")
    return Response(form.content, media_type=form.media_type)


@router.get("/checks.pdf", summary="四性检测报告 / the 四性 report of a set of records (PDF)",
            responses={200: {"content": {"application/pdf": {}}}})
def set_checks_pdf(caller: CurrentCaller, ctx: Ctx,
                   policy_no: str | None = Query(None, max_length=200),
                   insured: str | None = Query(None, max_length=200),
                   ids: list[str] = _IDS) -> Response:
    checks = _checks(ctx)
    scope, results = checks.for_set(caller, policy_no=policy_no, insured=insured, ids=ids)
    form = checks.render_report(caller.tenant, scope, results, "pdf",
                                engine=ctx.settings.pdf_engine)
    return Response(form.content, media_type=form.media_type,
                    headers={"Content-Disposition": f'inline; filename="{form.filename}"'})


@router.get("/exports", summary="审计包（BagIt）/ the auditor package of a policy's, an insured's "
            "or listed records", responses={200: {"content": {"application/zip": {}}}})
async def export_package(caller: CurrentCaller, ctx: Ctx,
                         policy_no: str | None = Query(None, max_length=200),
                         insured: str | None = Query(None, max_length=200),
                         ids: list[str] = _IDS) -> Response:
    from services.auditor_package import export_bag

    package = await run_in_threadpool(
        export_bag, ctx.archive, _checks(ctx), caller, jwks=ctx.key_ring.jwks(),
        certificate=ctx.signing_certificate, policy_no=policy_no, insured=insured, ids=ids,
        engine=ctx.settings.pdf_engine)
    return Response(package.content, media_type="application/zip",
                    headers={"Content-Disposition":
                             f'attachment; filename="{package.filename}"'})
