"""Posted JSON, parsed once and checked for what no document may hold.

Every JSON body the service accepts (documents, async jobs, batch items, forms, hazards) goes
through :func:`parse_json`, so one set of rules applies everywhere:

* UTF-8, valid JSON, nesting at most :data:`MAX_DEPTH` deep (checked before parsing, so a
  body nested thousands deep is a 422, not a ``RecursionError``);
* numbers finite (``NaN``, ``Infinity`` and overflowing literals such as ``1e400`` refused:
  PostgreSQL cannot store them and no form prints them);
* no control characters in any string or key (NUL cannot be stored by PostgreSQL; the others
  print as nothing) except tab and line breaks, and no bidirectional overrides or isolates
  (U+202A–U+202E, U+2066–U+2069), which reorder what a reader sees on a legal document.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from domain.errors import DomainValidationError, Problem

__all__ = ["INVISIBLE", "MAX_DEPTH", "check_value", "parse_json", "text_problem", "visible_text"]

MAX_DEPTH = 32

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_STRUCTURE = re.compile(r'[\[\]{}"\\]')
#: Zero-width characters and direction marks: invisible, so a name holding them looks like
#: another name.
INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u061c\u180e\u034f]")

Path = tuple[str | int, ...]


def text_problem(text: str, path: Path) -> Problem | None:
    """Why ``text`` may not appear in a document (control or bidi characters), or None."""
    m = _CONTROL.search(text)
    if m is not None:
        code = f"U+{ord(m.group()):04X}"
        return Problem(path, "control_character", f"含有不可见的控制字符 {code}，请删除",
                       f"contains the control character {code}; remove it")
    m = _BIDI.search(text)
    if m is not None:
        code = f"U+{ord(m.group()):04X}"
        return Problem(path, "bidi_control", f"含有改变文字显示顺序的双向控制字符 {code}，请删除",
                       f"contains the bidirectional control {code}, which reorders what a "
                       "reader sees; remove it")
    return None


def visible_text(text: str) -> str:
    """``text`` as a reader sees it: without control, bidi or invisible characters (for names
    shown by the public verify, some of which predate the rules refusing them)."""
    return INVISIBLE.sub("", _BIDI.sub("", _CONTROL.sub("", text)))


def _visible(key: str) -> str:
    """A key as it may be shown in a problem's path: forbidden characters as \\uXXXX."""
    return _BIDI.sub(_escape, _CONTROL.sub(_escape, key))


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def _depth_problem(text: str, path: Path) -> Problem | None:
    """Nesting deeper than MAX_DEPTH, found by counting brackets outside strings (no recursion;
    the regex jumps over runs without brackets, quotes or backslashes, e.g. a base64 photo)."""
    depth = 0
    in_string = False
    skip = -1  # the character after a backslash inside a string is escaped
    for m in _STRUCTURE.finditer(text):
        i = m.start()
        if i == skip:
            continue
        ch = m.group()
        if in_string:
            if ch == "\\":
                skip = i + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(path, "too_deep", f"JSON 嵌套超过 {MAX_DEPTH} 层",
                               f"the JSON is nested more than {MAX_DEPTH} levels deep")
        elif ch in "]}":
            depth -= 1
    return None


def parse_json(raw: bytes | str, path: Path = (), *, check_values: bool = True) -> Any:
    """The JSON value of ``raw``, or DomainValidationError naming every problem found.

    ``path`` is where the value sits in the request (``()`` for a whole body, ``("data",)`` for
    a multipart field); problems with the text as a whole are reported at ``body`` then.
    ``check_values=False`` leaves :func:`check_value` to the caller (a batch checks each item
    on its own).
    """
    where = path or ("body",)
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise DomainValidationError.single(where, "json_invalid", "请求体不是有效的 JSON（UTF-8）",
                                           "the body is not valid UTF-8 JSON") from None
    deep = _depth_problem(text, where)
    if deep is not None:
        raise DomainValidationError([deep])
    try:
        value = json.loads(text)  # NaN/Infinity parse; check_value names them
    except (ValueError, RecursionError):
        raise DomainValidationError.single(where, "json_invalid", "请求体不是有效的 JSON（UTF-8）",
                                           "the body is not valid UTF-8 JSON") from None
    problems = check_value(value, path) if check_values else []
    if problems:
        raise DomainValidationError(problems)
    return value


def check_value(value: Any, path: Path = ()) -> list[Problem]:
    """Every non-finite number and forbidden character in ``value`` (keys included), iteratively."""
    problems: list[Problem] = []
    stack: list[tuple[Any, Path, int]] = [(value, path, 0)]
    while stack and len(problems) < 100:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(Problem(where, "too_deep", f"JSON 嵌套超过 {MAX_DEPTH} 层",
                                    f"the JSON is nested more than {MAX_DEPTH} levels deep"))
        elif isinstance(item, str):
            p = text_problem(item, where)
            if p is not None:
                problems.append(p)
        elif isinstance(item, float) and not math.isfinite(item):
            problems.append(Problem(where, "finite_number", "必须是有限数值（不接受 NaN 或无穷大）",
                                    "must be a finite number (NaN and Infinity are not accepted)"))
        elif isinstance(item, dict):
            for k, v in reversed(item.items()):
                key = _visible(str(k))
                key_problem = text_problem(str(k), (*where, key))
                if key_problem is not None:
                    problems.append(key_problem)
                stack.append((v, (*where, key), depth + 1))
        elif isinstance(item, list):
            for i in range(len(item) - 1, -1, -1):
                stack.append((item[i], (*where, i), depth + 1))
    return problems
