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
from rendering.chengdu_views import chengdu_table_extras, chengdu_table_sources
from rendering.values import DATA, MISSING, Overlay

__all__ = ["View", "view_for"]


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
    """The binding context for ``kind``'s spec; ``model`` None gives the blank form's view."""
    key = (kind.type, kind.profile)
    extras: dict[str, Any] = {}
    if key == ("callback", "chengdu"):
        sheet = model.sheet if model is not None else None
        extras["score_rows"] = _score_rows(APPENDIX_D, sheet, group_max=False)
        extras["total"] = _num(sheet.base_total) if sheet else MISSING
    elif key == ("annual_evaluation", "chengdu"):
        sheet = model.sheet if model is not None else None
        extras["score_rows"] = _score_rows(APPENDIX_E, sheet, group_max=True)
        extras["base_total"] = _num(sheet.base_total) if sheet else MISSING
        extras["bonus_total"] = _num(sheet.bonus_total) if sheet else MISSING
        extras["total"] = _num(sheet.total) if sheet else MISSING
    elif key == ("report", "shandong") and model is not None:
        from rendering.risk_view import risk_rows

        extras["risks"], extras["risk_bands"] = risk_rows(model.risks)
    extras.update(chengdu_table_extras(kind.type, model))
    if model is not None and key in _RISK_MAP_ROWS:
        extras["risk_map"] = _risk_map(_RISK_MAP_ROWS[key](model, extras))
    return View(model, sources=chengdu_table_sources(kind.type), **extras)


# -- 安全风险四色图 (Chengdu 3.2) as a picture of the `photos` mechanism -----------------------------


@dataclass(frozen=True)
class MapPicture:
    """What a ``photos`` block resolves: the four-colour map as SVG (vector, in the PDF) with a
    PNG of the same layout for Word, which cannot embed SVG."""

    content: bytes
    mime: str = "image/svg+xml"
    caption: str | None = "安全风险四色图"
    kind: str = "map"
    fallback: Callable[[], bytes] | None = None  # the PNG, drawn only when Word asks for it


_RISK_MAP_ROWS: dict[tuple[str, str], Any] = {
    ("report", "shandong"): lambda m, ex: [(r.area, r.level) for r in ex.get("risks", ())],
    ("chengdu_table_7", "chengdu"): lambda m, ex: [(r.site_address, r.level)
                                                    for r in m.risk_list()],
}


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
