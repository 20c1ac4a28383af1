"""The regulator's summary as CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl): one table per
grouping, the fee floors, and the clause each figure answers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.styles import Font

from rendering.csv_file import csv_bytes, inert

__all__ = ["COLUMNS", "summary_csv", "summary_xlsx"]

_DIM: Final = {"region": "地区", "industry": "行业", "insurer": "承保机构"}
#: (key, header) of the figures of every row.
COLUMNS: Final = (
    ("policies", "保单数"), ("in_force", "在保保单数"), ("served", "已服务在保保单数"),
    ("realtime_percent", "服务实时覆盖率(%)"), ("ended_in_quarter", "本季度终保保单数"),
    ("ended_served", "终保且服务完成数"), ("quarterly_percent", "季度终保保单服务覆盖率(%)"),
    ("overdue_obligations", "逾期义务数"), ("major_hazards_open", "未闭环重大事故隐患数"))
_FEE_COLUMNS: Final = (
    ("insurer", "承保机构"), ("profile", "标准"), ("premium", "计提所依保费"), ("accrued", "计提"),
    ("spent", "支出"), ("pooled", "统筹划拨"), ("balance", "余额"), ("entries", "记录数"))
_SECTIONS: Final = (("groups", "地区×行业×承保机构"), ("by_region", "按地区"),
                    ("by_industry", "按行业"), ("by_insurer", "按承保机构"))


def _table(rows: Sequence[dict[str, Any]], dims: Sequence[str]) -> list[list[Any]]:
    head = [_DIM[d] for d in dims] + [h for _, h in COLUMNS]
    return [head] + [[r.get(d) for d in dims] + [r.get(k) for k, _ in COLUMNS] for r in rows]


def _fee_table(fees: Sequence[dict[str, Any]]) -> list[list[Any]]:
    head = [h for _, h in _FEE_COLUMNS] + ["底线条款", "底线", "实际", "是否达标"]
    out: list[list[Any]] = [head]
    for f in fees:
        base = [f.get(k) for k, _ in _FEE_COLUMNS]
        for fl in f.get("floors") or [{}]:
            met = None if "met" not in fl else ("达标" if fl["met"] else "未达标")
            out.append([*base, fl.get("clause"), fl.get("required"), fl.get("actual"), met])
    return out


def _tables(summary: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    dims = {"groups": ("region", "industry", "insurer"), "by_region": ("region",),
            "by_industry": ("industry",), "by_insurer": ("insurer",)}
    out = [(title, _table(summary.get(key) or [], dims[key])) for key, title in _SECTIONS]
    out.append(("费用底线", _fee_table(summary.get("fees") or [])))
    out.append(("说明", [["项目", "条款"]] + [[k, v] for k, v in (summary.get("clauses") or {})
                                          .items()] + [
        ["判定日期", summary.get("as_of")], ["辖区", "、".join(summary.get("regions") or [])]]))
    return out


def summary_csv(summary: dict[str, Any], table: str = "groups") -> bytes:
    """One table of the summary (``groups``, ``by_region``, ``by_industry``, ``by_insurer`` or
    ``fees``) as CSV."""
    titles = dict(_SECTIONS) | {"fees": "费用底线"}
    return csv_bytes(dict(_tables(summary))[titles[table]])


def summary_xlsx(summary: dict[str, Any]) -> bytes:
    """Every table of the summary, one sheet each, headers bold."""
    wb = Workbook()
    first = True
    for title, rows in _tables(summary):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = title.replace("×", "x")[:31]
        for r in rows:
            ws.append([inert(v) for v in r])
        for c in ws[1]:
            c.font = Font(bold=True)
        for i, _ in enumerate(rows[0] if rows else [], start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
