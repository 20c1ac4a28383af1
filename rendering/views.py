"""What a spec binds to: the validated data plus the values the domain computes (levels, scores).

Blank forms get the same view with no data, so fixed rows (score indicators) still print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from domain.catalog import FormKind
from domain.scoring import APPENDIX_D, APPENDIX_E, Rule, ScoreSheet
from rendering.chengdu_views import chengdu_table_extras
from rendering.kinds import kind_rendering
from rendering.values import DATA, MISSING, Overlay

__all__ = ["MapPicture", "View", "report_extras", "score_extras", "table7_extras", "view_for"]


class View(Overlay):
    """The posted ``model`` with the values the domain computes for it (``extras``) taking
    precedence; absent → MISSING. ``sources`` names the extras that print posted text."""

    def __init__(self, model: Any, *, sources: dict[str, Any] | None = None,
                 **extras: Any) -> None:
        super().__init__(model, sources=sources, **extras)


def _num(x: Decimal) -> str:
    return f"{x.normalize():f}"


def _score_rows(catalogue: tuple[Rule, ...], sheet: ScoreSheet | None,
                group_max: bool) -> list[Overlay]:
    """One printed row per indicator: group, name, max, criterion, score and remark (the rule's
    deductions, then the assessor's posted note, at ``findings.<key>.note``)."""
    by_key = {ln.rule.key: ln for ln in sheet.lines} if sheet else {}
    group_totals: dict[str, Decimal] = {}
    for r in catalogue:
        group_totals[r.group] = group_totals.get(r.group, Decimal(0)) + r.max
    rows = []
    for r in catalogue:
        ln = by_key.get(r.key)
        group = f"{r.group}\n（{_num(group_totals[r.group])} 分）" if group_max else r.group
        note = {"remark": (*DATA, "findings", r.key, "note")} if ln and ln.finding.note else None
        rows.append(Overlay(group=group, name=r.name, max=_num(r.max), criterion=r.criterion,
                            score=_num(ln.score) if ln else None,
                            remark=ln.remark if ln else None, sources=note))
    return rows


def view_for(kind: FormKind, model: Any | None) -> View:
    """The binding context for ``kind``'s spec; ``model`` None gives the blank form's view.
    What each kind computes is declared in one place: rendering/kinds.py."""
    kr = kind_rendering(kind.type, kind.profile)
    extras = kr.extras(model) if kr.extras is not None else {}
    return View(model, sources=dict(kr.sources), **extras)


def score_extras(appendix: str, model: Any | None) -> dict[str, Any]:
    """附录D (100 points) or 附录E (100 + 30): the printed rows and the computed totals."""
    sheet = model.sheet if model is not None else None
    if appendix == "D":
        return {"score_rows": _score_rows(APPENDIX_D, sheet, group_max=False),
                "total": _num(sheet.base_total) if sheet else MISSING}
    return {"score_rows": _score_rows(APPENDIX_E, sheet, group_max=True),
            "base_total": _num(sheet.base_total) if sheet else MISSING,
            "bonus_total": _num(sheet.bonus_total) if sheet else MISSING,
            "total": _num(sheet.total) if sheet else MISSING}


def report_extras(model: Any | None) -> dict[str, Any]:
    """附件4: the risk rows with their computed levels, the bands in force, the risk map."""
    if model is None:
        return {}
    from rendering.risk_view import risk_rows

    risks, bands = risk_rows(model.risks)
    return {"risks": risks, "risk_bands": bands,
            "risk_map": _risk_map([(r.area, r.level) for r in risks])}


def table7_extras(model: Any | None) -> dict[str, Any]:
    """表 7: the rows (typed and derived from 表 5/6) and the four-colour map by 场所地址."""
    extras = chengdu_table_extras("chengdu_table_7", model)
    if model is not None:
        extras["risk_map"] = _risk_map([(r.site_address, r.level) for r in model.risk_list()])
    return extras


# -- 安全风险四色图 (Chengdu 3.2) as a picture of the `photos` mechanism -----------------------------


@dataclass(frozen=True)
class MapPicture:
    """What a ``photos`` block resolves: the four-colour map as SVG (vector, in the PDF) with a
    PNG of the same layout for Word, which cannot embed SVG."""

    content: bytes
    mime: str = "image/svg+xml"
    caption: str | None = None  # the map draws its own title (安全风险四色图)
    kind: str = "map"
    fallback: Callable[[], bytes] | None = None  # the PNG, drawn only when Word asks for it


def _risk_map(rows: list[tuple[Any, Any]]) -> Any:
    """[MapPicture] when some row has an area (and a level), else MISSING (the block is skipped)."""
    import logging

    from rendering.riskmap import RiskMapError, group_by_area, risk_map_png, risk_map_svg

    rows = [(a, lv) for a, lv in rows if lv is not None and lv is not MISSING]
    if not any(isinstance(a, str) and a.strip() for a, _ in rows):
        return MISSING
    try:
        areas = group_by_area(rows)
        svg = risk_map_svg(areas, title="安全风险四色图", width=1000.0).encode("utf-8")
    except (RiskMapError, OSError, ValueError):  # the document still prints without its map
        logging.getLogger("azx.render").warning("risk map not drawn", exc_info=True)
        return MISSING

    @cache
    def png() -> bytes:
        return risk_map_png(areas, title="安全风险四色图", width=1000.0, scale=1.5)

    return [MapPicture(svg, fallback=png)]
