"""Names repeated inside one document must agree: a form that prints 成都蜀川 as the insured while
its policy names 济南鲁通 contradicts itself on paper.

:data:`SAME_NAMES` lists the pairs of fields that name the same party (``*``: every element of a
list); :func:`check_same_names` compares them wherever both are given, for any document type, and
reports one problem per disagreement naming both JSON paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from domain.errors import PathPart, Problem

__all__ = ["SAME_NAMES", "check_same_names"]

#: (path, path): the two fields name the same party, so their values must be equal.
SAME_NAMES: tuple[tuple[str, str], ...] = (
    ("policy.insured_name", "insured.name"),  # 附件2–4, 附录A, 附录C: 保单的被保险人 = 被保险人
    ("policy.insured_name", "insured_name"),  # 回访表 (附件5, 附录D)
    ("from_table5.*.insured_name", "insured_name"),  # 表7 derived from 表5 / 表6
    ("from_table6.*.insured_name", "insured_name"),
)


def _values(obj: Any, parts: list[str], at: tuple[PathPart, ...]
            ) -> Iterator[tuple[tuple[PathPart, ...], Any]]:
    if not parts:
        yield at, obj
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(obj, list | tuple):
            for i, item in enumerate(obj):
                yield from _values(item, rest, (*at, i))
        return
    value = getattr(obj, head, None)
    if value is not None:
        yield from _values(value, rest, (*at, head))


def _pointer(path: tuple[PathPart, ...]) -> str:
    out = "data"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def check_same_names(model: Any) -> list[Problem]:
    """One problem per pair of fields that name the same party differently."""
    out: list[Problem] = []
    for a, b in SAME_NAMES:
        for path_b, vb in _values(model, b.split("."), ()):
            for path_a, va in _values(model, a.split("."), ()):
                if not isinstance(va, str) or not isinstance(vb, str) or va == vb:
                    continue
                pa, pb = _pointer(path_a), _pointer(path_b)
                out.append(Problem(
                    path_a, "names_disagree",
                    f"{pa}「{va}」与 {pb}「{vb}」不一致：同一文书中的名称须相同",
                    f"{pa} ({va!r}) and {pb} ({vb!r}) name the same party differently",
                ))
    return out
