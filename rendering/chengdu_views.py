"""Computed values for the specs of Chengdu Appendix C tables 1–13 (``chengdu_table_N``).

:func:`chengdu_table_extras` gives, for one table, the values its spec binds besides the data:
the printed rows of 表 2 and 表 13 (on blank forms too), R/D and the level of 表 5 and 表 6
computed from the factors with the bands in force, the full risk list of 表 7 (typed rows and
rows derived from 表 5/6), the grouped findings of 表 8, the blank ledger rows of 表 9, the
score totals and numbered lists of 表 11 and the 自评小组 rows of 表 12. ``model`` None means the
blank form. Printed rows that stand for posted items carry their data path, and values that print
posted text carry theirs (:class:`rendering.values.Overlay`), so that the completeness proof can
name the field of a value that is not on the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.documents.chengdu_tables import (
    EVALUATION_ITEMS,
    SURVEY_ITEMS,
    AnalysisRow,
    bands_for,
    evaluate_row,
    score_totals,
)
from domain.risk import format_decimal, profile_bands
from rendering.values import DATA, MISSING, DataPath, Overlay

__all__ = ["BLANK_LEDGER_ROWS", "EMPTY", "chengdu_table_extras"]

#: An empty cell in a fixed table on a blank form (``None`` there prints ／, as on a filled form).
EMPTY = " "
BLANK_LEDGER_ROWS = 5  # 表 9 prints rows 1–5, each with 重大 / 一般 to choose in 隐患分级


_Over = Overlay


def _at(*parts: str | int) -> DataPath:
    return (*DATA, *parts)


def _lines(*parts: str | None) -> str | None:
    text = "\n".join(p for p in parts if p)
    return text or None


def _numbered(items: Iterable[str]) -> Any:
    text = "\n".join(f"{i}.{t}" for i, t in enumerate(items, start=1))
    return text or MISSING


def _survey(model: Any) -> dict[str, Any]:
    entries = model.survey if model is not None else {}
    rows = []
    for it in SURVEY_ITEMS:
        e = entries.get(it.no)
        record = _lines(it.hint, e.record if e else None)
        posted = {k: _at("survey", it.no, k) for k in ("record", "summary", "remark")
                  if e is not None and getattr(e, k)}
        rows.append(_Over(num=it.no, item=it.item, basis=it.basis,
                          record=record if record or model is not None else EMPTY,
                          summary=e.summary if e else None, remark=e.remark if e else None,
                          sources=posted))
    return {"survey": rows}


def _analysis(model: Any) -> dict[str, Any]:
    if model is None:
        return {"bands": profile_bands("chengdu").describe()}
    rows = []
    for i, r in enumerate(model.rows):
        row: AnalysisRow = r
        ev = evaluate_row(row, model.method)
        rows.append(_Over(row, path=_at("rows", i), r=ev.value_text, d=ev.value_text,
                          level=ev.level.value))
    return {
        "rows": rows,
        "ls": True if model.method == "ls" else MISSING,
        "lec": True if model.method == "lec" else MISSING,
        "bands": bands_for(model.method).describe(),
    }


def _risk_list(model: Any) -> dict[str, Any]:
    """表 7: the typed rows (at ``rows[i]``), then those derived from 表 5 and 表 6: their
    危险因素 prints the posted 危险因素 (表 5) or 偏差 (表 6) as is; their description is composed
    (and cut) by the domain, a computed value."""
    if model is None:
        return {}
    origins: list[tuple[DataPath | None, dict[str, DataPath]]] = [
        (_at("rows", i), {}) for i in range(len(model.rows))]
    for name, text in (("from_table5", "hazards"), ("from_table6", "deviation")):
        for k, table in enumerate(getattr(model, name)):
            for j in range(len(table.rows)):
                row = _at(name, k, "rows", j)
                origins.append((None, {"hazard_factors": (*row, text)}))
    rows = []
    for r, (path, sources) in zip(model.risk_list(), origins, strict=True):
        rows.append(_Over(r, path=path, sources=sources, level=r.level.value))
    return {"rows": rows}


def _findings(model: Any) -> dict[str, Any]:
    if model is None:
        return {}
    out: dict[str, Any] = {
        "manager_line": " ".join(x for x in (model.safety_manager, model.safety_manager_phone)
                                 if x) or MISSING,
    }
    for key, category in (("mgmt", "安全生产管理"), ("training", "安全教育培训")):
        issues = [i for i in model.issues if i.category == category]
        out[f"{key}_desc"] = _numbered(i.description for i in issues)
        out[f"{key}_sugg"] = _numbered(i.suggestion or "／" for i in issues) if any(
            i.suggestion for i in issues) else MISSING
    return out


def _ledger(model: Any) -> dict[str, Any]:
    if model is None:
        return {"rows": [_Over(grade=None) for _ in range(BLANK_LEDGER_ROWS)]}
    return {}


def _report(model: Any) -> dict[str, Any]:
    if model is None:
        return {}
    totals = score_totals(model.elements)
    has = bool(model.elements)
    return {
        "provider_name": model.provider or model.party_b,
        "basis": _numbered(model.basis),
        "key_issues": _numbered(model.key_issues),
        "suggestions": _numbered(model.suggestions),
        "main_hazards": _numbered(model.main_hazards),
        "elements": [_Over(e, path=_at("elements", i), score=format_decimal(e.computed_score),
                             standard=format_decimal(e.standard),
                             deduction=format_decimal(e.deduction),
                             missing=format_decimal(e.missing))
                     for i, e in enumerate(model.elements)],
        "total_standard": format_decimal(totals.standard) if has else MISSING,
        "total_missing": format_decimal(totals.missing) if has else MISSING,
        "total_actual": format_decimal(totals.actual) if has else MISSING,
        "total_score": f"{totals.total:f}" if has and totals.total is not None else MISSING,
    }


def _team(model: Any) -> dict[str, Any]:
    if model is None:  # the printed rows: 组长, then 成员 lines to fill in
        return {"members": [_Over(role="组长"), *(_Over(role="成员") for _ in range(4))]}
    rows = [_Over(model.leader, path=_at("leader"), role="组长")] if model.leader is not None else []
    rows += [_Over(m, path=_at("members", i), role="成员") for i, m in enumerate(model.members)]
    return {"members": rows}


def _evaluation(model: Any) -> dict[str, Any]:
    """The printed elements 1.1–7.2: the appendix's 评估结果 guidance, and on a filled form the
    evaluator's result in a cell of its own (never run on from the standard's words)."""
    results = model.results if model is not None else {}
    return {"eval_rows": [
        _Over(element=it.element, content=it.content, method=it.method, guidance=it.result,
              result=results.get(it.key) if model is not None else EMPTY,
              sources={"result": _at("results", it.key)} if results.get(it.key) else None)
        for it in EVALUATION_ITEMS
    ]}


_EXTRAS = {
    "chengdu_table_2": _survey,
    "chengdu_table_5": _analysis,
    "chengdu_table_6": _analysis,
    "chengdu_table_7": _risk_list,
    "chengdu_table_8": _findings,
    "chengdu_table_9": _ledger,
    "chengdu_table_11": _report,
    "chengdu_table_12": _team,
    "chengdu_table_13": _evaluation,
}


def chengdu_table_extras(kind_type: str, model: Any | None) -> dict[str, Any]:
    """The values the spec of ``kind_type`` binds besides ``model`` (None: the blank form)."""
    fn = _EXTRAS.get(kind_type)
    return fn(model) if fn is not None else {}
