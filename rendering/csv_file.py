"""CSV for spreadsheet programs: UTF-8 with a BOM (Excel reads the Chinese right), CRLF lines, and
no cell a spreadsheet would run as a formula (CSV injection, OWASP)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

__all__ = ["csv_bytes", "inert"]

_NUMBER: Final = re.compile(r"^-?\d+(\.\d+)?$")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def inert(v: Any) -> Any:
    """``v``, or as text a spreadsheet will not run: a leading =, +, -, @, tab or CR is quoted
    with an apostrophe (numbers such as -1.5 stay numbers)."""
    if isinstance(v, str) and v.startswith(_FORMULA_START) and not _NUMBER.match(v):
        return "'" + v
    return v


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """``rows`` as CSV, every cell made inert, None as an empty cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        w.writerow(["" if v is None else inert(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
