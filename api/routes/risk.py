"""Risk evaluation (Chengdu Appendix C 3.2): LS risk matrix and LEC, with the bands in force."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from api.deps import CurrentCaller
from domain.errors import DomainValidationError
from domain.risk import bands_by_name, evaluate_lec, evaluate_ls, profile_bands

router = APIRouter(prefix="/v1", tags=["risk"])


def _num(v: str | None, name: str) -> str:
    if v is None:
        raise DomainValidationError.single((name,), "missing", f"缺少参数 {name}", f"parameter {name} is required")
    return v


@router.get("/risk/evaluate", summary="风险等级计算 / evaluate a risk (LS or LEC)")
def evaluate(
    caller: CurrentCaller,
    method: Literal["ls", "lec"] = Query(..., description="ls：风险矩阵法 R=L×S；lec：作业条件危险性分析法 D=L×E×C"),
    l: str | None = Query(None, max_length=20, description="可能性 L"),  # noqa: E741
    s: str | None = Query(None, max_length=20, description="严重性 S（ls）"),
    e: str | None = Query(None, max_length=20, description="暴露频率 E（lec）"),
    c: str | None = Query(None, max_length=20, description="后果 C（lec）"),
    bands: str | None = Query(None, max_length=40, description="分级方案名（缺省为该版本的方案）"),
    profile: str | None = Query(None, max_length=40, description="版本：使用其配置的分级方案（AZX_RISK_BANDS）"),
) -> dict[str, Any]:
    scheme = bands_by_name(bands, path=("bands",)) if bands else (
        profile_bands(profile, method) if profile else None)
    if method == "ls":
        args: dict[str, Any] = {"bands": scheme} if scheme else {}
        ev = evaluate_ls(_int(_num(l, "l"), "l"), _int(_num(s, "s"), "s"), **args)
    else:
        args = {"bands": scheme} if scheme else {}
        ev = evaluate_lec(_dec(_num(l, "l"), "l"), _dec(_num(e, "e"), "e"), _dec(_num(c, "c"), "c"),
                          **args)
    return {"method": method, "value": format(ev.value.normalize(), "f"), "level": ev.level.value,
            "colour": ev.colour.value, "colour_hex": ev.level.colour_hex, "bands": ev.bands_name,
            "bands_text": ev.bands_text}


def _int(v: str, name: str) -> int:
    try:
        return int(v)
    except ValueError:
        raise DomainValidationError.single((name,), "int_parsing", f"{name} 必须是整数 1–5",
                                           f"{name} must be an integer 1–5") from None


def _dec(v: str, name: str) -> Any:
    from decimal import Decimal, InvalidOperation

    try:
        d = Decimal(v)
    except InvalidOperation:
        raise DomainValidationError.single((name,), "decimal_parsing", f"{name} 必须是数值",
                                           f"{name} must be a number") from None
    return d
