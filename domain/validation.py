"""Turn raw JSON into a document's data model, or into a list of bilingual problems.

Every problem names its JSON path and the rule, in Chinese and English (DEVELOPERS.md, Standards).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from domain.errors import DomainValidationError, Problem

__all__ = ["parse_model", "problems_from_pydantic"]

M = TypeVar("M", bound=BaseModel)

# Pydantic error type → (Chinese template, English template); {ctx keys} are filled in.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填字段「{title}」", "field {title!r} is required"),
    "extra_forbidden": ("未知字段（不在本文书的字段定义中）", "unknown field (not part of this document)"),
    "string_too_long": ("超过最大长度 {max_length} 个字符", "longer than {max_length} characters"),
    "string_too_short": ("不能为空", "must not be empty"),
    "too_long": ("条目过多：最多 {max_length} 条", "too many entries: at most {max_length}"),
    "too_short": ("条目过少：至少 {min_length} 条", "too few entries: at least {min_length}"),
    "greater_than_equal": ("必须大于或等于 {ge}", "must be ≥ {ge}"),
    "greater_than": ("必须大于 {gt}", "must be > {gt}"),
    "less_than_equal": ("必须小于或等于 {le}", "must be ≤ {le}"),
    "less_than": ("必须小于 {lt}", "must be < {lt}"),
    "literal_error": ("取值必须是以下之一：{expected_zh}", "must be one of: {expected}"),
    "enum": ("取值必须是以下之一：{expected_zh}", "must be one of: {expected}"),
    "string_pattern_mismatch": ("格式不符合要求", "does not match the required format"),
    "string_type": ("必须是字符串", "must be a string"),
    "int_parsing": ("必须是整数", "must be an integer"),
    "int_type": ("必须是整数", "must be an integer"),
    "int_from_float": ("必须是整数", "must be an integer"),
    "decimal_parsing": ("必须是数值", "must be a number"),
    "decimal_type": ("必须是数值", "must be a number"),
    "decimal_max_digits": ("数值位数过多（最多 {max_digits} 位）", "too many digits (max {max_digits})"),
    "decimal_max_places": ("小数位过多（最多 {decimal_places} 位）",
                           "too many decimal places (max {decimal_places})"),
    "finite_number": ("必须是有限数值", "must be a finite number"),
    "bool_parsing": ("必须是 true 或 false", "must be true or false"),
    "bool_type": ("必须是 true 或 false", "must be true or false"),
    "date_parsing": ("日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
    "date_from_datetime_parsing": ("日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
    "date_from_datetime_inexact": ("日期不能带时间", "a date must not carry a time"),
    "date_type": ("必须是日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "datetime_parsing": ("时间格式应为 ISO 8601", "time must be ISO 8601"),
    "datetime_from_date_parsing": ("时间格式应为 ISO 8601", "time must be ISO 8601"),
    "datetime_type": ("必须是 ISO 8601 时间", "must be an ISO 8601 time"),
    "dict_type": ("必须是 JSON 对象", "must be a JSON object"),
    "model_type": ("必须是 JSON 对象", "must be a JSON object"),
    "model_attributes_type": ("必须是 JSON 对象", "must be a JSON object"),
    "list_type": ("必须是 JSON 数组", "must be a JSON array"),
    "union_tag_invalid": ("类型标记无效", "invalid type tag"),
    "json_invalid": ("不是有效的 JSON", "invalid JSON"),
}


def _fmt(template: str, ctx: dict[str, Any]) -> str:
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template


def _title_of(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """Chinese label of the field at ``loc`` (best effort), for messages about missing fields."""
    current: Any = model
    title = str(loc[-1]) if loc else "$"
    for part in loc:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            current = None
            continue
        field = current.model_fields.get(part)
        if field is None:
            return title
        title = field.title or part
        ann = field.annotation
        current = _first_model(ann)
    return title


def _first_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _clean_loc(model: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Drop the union-branch tags pydantic puts in ``loc`` (``datetime``, ``function-after[…]``)."""
    out: list[str | int] = []
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is not None:
                out.append(part)
                current = field.annotation
                continue
            if isinstance(part, str) and ("[" in part or part in _TAGS):
                continue
            out.append(part)
            current = None
            continue
        if isinstance(part, str) and ("[" in part or part in _TAGS):
            continue
        out.append(part)
        current = _first_model(current) if current is not None else None
    return tuple(out)


_TAGS = {"datetime", "date", "str", "int", "float", "decimal", "bool", "list", "dict", "none",
         "constrained-str", "constrained-int", "constrained-decimal", "lax-or-strict",
         "json-or-python", "is-instance", "chain", "nullable"}


def problems_from_pydantic(
    exc: ValidationError, model: type[BaseModel], prefix: tuple[str | int, ...] = ()
) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(model, tuple(err["loc"]))
        kind = err["type"]
        ctx = dict(err.get("ctx") or {})
        ctx["title"] = _title_of(model, loc)
        if isinstance(ctx.get("expected"), str):  # "'好', '中' or '差'" → "'好'、'中'、'差'"
            ctx["expected_zh"] = re.sub(r"', '|' or '", "'、'", ctx["expected"])
        msg = str(err.get("msg", ""))
        if kind in _MESSAGES:
            zh, en = (_fmt(t, ctx) for t in _MESSAGES[kind])
        elif " / " in msg:  # our own PydanticCustomError: "中文 / English"
            zh, en = msg.split(" / ", 1)
        else:
            zh, en = f"取值无效：{msg}", msg
        out.append(Problem((*prefix, *loc), kind, zh, en))
    return out


def parse_model(
    model: type[M],
    raw: Any,
    prefix: tuple[str | int, ...] = ("data",),
    checks: tuple[Callable[[M], list[Problem]], ...] = (),
) -> M:
    """Validate ``raw`` as ``model`` and run the semantic ``checks``; raise with every problem."""
    try:
        obj = model.model_validate(raw)
    except ValidationError as exc:
        raise DomainValidationError(problems_from_pydantic(exc, model, prefix)) from None
    problems: list[Problem] = []
    for check in checks:
        try:
            problems += [Problem((*prefix, *p.path), p.rule, p.message_zh, p.message_en)
                         for p in check(obj)]
        except DomainValidationError as exc:
            problems += [Problem((*prefix, *p.path), p.rule, p.message_zh, p.message_en)
                         for p in exc.problems]
    if problems:
        raise DomainValidationError(problems)
    return obj
