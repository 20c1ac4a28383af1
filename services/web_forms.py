"""Fill-in pages from a form's JSON Schema: the schema as a tree of typed fields, a posted HTML
form back into the ``data`` object the API takes, and the API's problems placed on the fields.

The page never invents rules: what it posts is checked by :func:`check` — the very checks of
``POST /v1/forms/{type}.pdf`` (photo budget, the model, the kind's own checks, consistent names).

Form field names are the JSON paths with dots: ``policy.policy_no``, ``risks.2.level``; a
repeatable group ``risks`` carries its row count in ``risks.__rows``. A field of photos ``photos``
takes new files as ``photos.__file`` and keeps the ones already sent as ``photos.__photo``
(digests of :class:`services.web_files.PhotoStash`). A map with a fixed set of keys (Chengdu
``findings``, Wenzhou ``scores``, table 2 ``survey``, table 13 ``results``, report ``costs``) is
a group with one sub-form per key, titled from the annex's own item lists.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from domain.budget import check_photo_budget
from domain.catalog import get_kind, parse_data
from domain.errors import Problem
from services.web_labels_en import english, hint_en, option_en, option_zh

__all__ = ["Bound", "Collected", "FieldSpec", "FormValues", "Kind", "PhotoLookup", "bind", "check",
           "collect", "each_bound", "form_specs", "photo_fields", "row_counts"]

Kind = Literal["text", "textarea", "number", "integer", "date", "datetime", "choice", "choices",
               "bool", "group", "rows", "lines", "json", "photos"]
#: What a posted form holds: each name with its values (checkboxes repeat a name).
FormValues = Mapping[str, Sequence[str]]

_LONG_TEXT = 300  # a string field allowing more than this many characters is a text area
_MAX_ROWS = 200  # rows a page offers for one repeatable group (the API allows more)
_PHOTO_DEF = "Photo"
#: A photo the page kept: ``{"filename", "data"}`` for a digest of the poster's session, or None.
PhotoLookup = Callable[[str], "dict[str, str] | None"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form, as the schema describes it."""

    key: str
    title: str
    kind: Kind
    required: bool = False
    hint: str | None = None
    options: tuple[str, ...] = ()
    children: tuple[FieldSpec, ...] = ()
    #: numbers that the model also takes as text (money: kept exactly as typed)
    text_ok: bool = False
    #: a map's entry whose value is an object: sent (``{}`` at least) when ticked as assessed
    #: (``<name>.__set``) or when any of its fields is filled
    entry: bool = False

    @property
    def title_en(self) -> str:
        """The title in English (``services.web_labels_en``); ``""`` when there is none."""
        return english(self.title)

    @property
    def hint_en(self) -> str:
        """The hint in English; ``""`` when there is none."""
        return hint_en(self.hint) if self.hint else ""

    @property
    def choices(self) -> tuple[tuple[str, str, str], ...]:
        """Each option as (value sent, Chinese label, English label): a code such as
        ``accrual`` is shown as its Chinese word, the value stays the code."""
        return tuple((o, option_zh(o), option_en(o)) for o in self.options)


@dataclass
class Bound:
    """A field on the page: its spec, its form name, what was typed and what is wrong with it."""

    spec: FieldSpec
    name: str
    value: str = ""
    values: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    children: list[Bound] = field(default_factory=list)
    rows: list[list[Bound]] = field(default_factory=list)
    #: a photo field's kept photos: (digest, file name, thumbnail as a data: URI or "")
    photos: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "f-" + self.name.replace(".", "-")


# -- schema → specs ------------------------------------------------------------------------


def form_specs(doc_type: str, profile: str | None) -> tuple[FieldSpec, ...]:
    """The fields of a form kind's ``data``, top level first, as its schema has them."""
    schema = get_kind(doc_type, profile).model.model_json_schema()
    return _object_fields(schema, schema.get("$defs", {}), depth=0)


def _key_titles() -> dict[str, str]:
    """Titles of the keys of the fixed-key maps, from the annexes' own item lists."""
    from domain.documents.chengdu_tables import EVALUATION_ITEMS, SURVEY_ITEMS
    from domain.documents.wenzhou import ASPECTS
    from domain.scoring import APPENDIX_D, APPENDIX_E

    titles = {"training": "安全生产教育培训", "risk_assessment": "安全风险辨识评估",
              "hazard_screening": "生产安全事故隐患排查", "credit_system": "安全生产标准化/信用体系建设",
              "emergency": "应急救援预案与演练", "technology": "安全生产科技推广", "other": "其他"}
    titles |= {f"survey:{i.no}": f"{i.no}. {i.item}" for i in SURVEY_ITEMS}
    titles |= {f"results:{i.key}": f"{i.content[:60]}{'…' if len(i.content) > 60 else ''}"
               for i in EVALUATION_ITEMS}
    titles |= {f"scores:{k}": v for k, v in ASPECTS}
    titles |= {f"findings:{r.key}": f"{r.group} · {r.name}（{r.max} 分）"
               for r in (*APPENDIX_D, *APPENDIX_E)}
    return titles


@functools.cache
def _titles() -> dict[str, str]:
    return _key_titles()


def _key_title(field_key: str, key: str) -> str:
    titles = _titles()
    return titles.get(f"{field_key}:{key}") or titles.get(key) or key


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    name = None
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = defs[name]
    return node, name


def _object_fields(node: dict[str, Any], defs: dict[str, Any], depth: int) -> tuple[FieldSpec, ...]:
    required = set(node.get("required", ()))
    out = []
    for key, sub in node.get("properties", {}).items():
        spec = _field(key, sub, defs, key in required, depth)
        if spec is not None:
            out.append(spec)
    return tuple(out)


def _field(key: str, node: dict[str, Any], defs: dict[str, Any], required: bool,
           depth: int) -> FieldSpec | None:
    title = str(node.get("title") or key)
    hint = node.get("description")
    target, ref = _resolve(node, defs)
    if ref == _PHOTO_DEF or depth > 6:
        return None
    variants = [_resolve(a, defs) for a in target.get("anyOf", [target])]
    variants = [(v, r) for v, r in variants if v.get("type") != "null"]
    if any(r == _PHOTO_DEF for _, r in variants):
        return None
    types = {v.get("type") for v, _ in variants}
    formats = {v.get("format") for v, _ in variants}
    first, _ = variants[0] if variants else (target, None)
    hint = hint or first.get("description")
    if isinstance(hint, str) and ("base64" in hint or len(hint) > 200):
        hint = None
    note = hint if isinstance(hint, str) else None

    def make(kind: Kind, options: tuple[str, ...] = (), children: tuple[FieldSpec, ...] = (),
             text_ok: bool = False) -> FieldSpec:
        return FieldSpec(key, title, kind, required, note, options, children, text_ok)

    if "enum" in first:
        return make("choice", options=tuple(str(o) for o in first["enum"]))
    if types == {"object"} and "properties" in first:
        return make("group", children=_object_fields(first, defs, depth + 1))
    keys = first.get("propertyNames", {}).get("enum")
    if types == {"object"} and keys and isinstance(first.get("additionalProperties"), dict):
        # a map with a fixed set of keys: one sub-form (or field) per key
        children = []
        for k in keys:
            child = _field(str(k), first["additionalProperties"], defs, False, depth + 1)
            if child is not None:
                children.append(FieldSpec(child.key, _key_title(key, str(k)), child.kind, False,
                                          None, child.options, child.children, child.text_ok,
                                          entry=child.kind == "group"))
        return make("group", children=tuple(children))
    if types == {"object"}:
        return make("json")
    if types == {"array"}:
        items, item_ref = _resolve(first.get("items", {}), defs)
        if item_ref == _PHOTO_DEF:
            return make("photos")
        if items.get("type") == "object" and "properties" in items:
            return make("rows", children=_object_fields(items, defs, depth + 1))
        if "enum" in items:
            return make("choices", options=tuple(str(o) for o in items["enum"]))
        if items.get("type") == "string":
            return make("lines")
        return make("json")
    if types == {"boolean"}:
        return make("bool")
    if "date" in formats and types == {"string"}:
        return make("date")
    if formats == {"date-time"}:
        return make("datetime")
    if "integer" in types:
        return make("integer")
    if "number" in types:
        return make("number", text_ok="string" in types)
    if types <= {"string"}:
        long = max((int(v.get("maxLength", 0)) for v, _ in variants), default=0) > _LONG_TEXT
        return make("textarea" if long else "text")
    return make("json")


# -- posted form → data --------------------------------------------------------------------


def row_counts(values: FormValues, action: str = "") -> dict[str, int]:
    """Rows of each repeatable group on the page, after the ``add:<name>`` or
    ``remove:<name>.<i>`` button that was pressed (if any)."""
    counts: dict[str, int] = {}
    for name, vals in values.items():
        if name.endswith(".__rows") and vals:
            try:
                counts[name[: -len(".__rows")]] = max(0, min(_MAX_ROWS, int(vals[-1])))
            except ValueError:
                continue
    if action.startswith("add:"):
        group = action[4:]
        counts[group] = min(_MAX_ROWS, counts.get(group, 1) + 1)
    return counts


def _removed(action: str) -> tuple[str, int] | None:
    if not action.startswith("remove:"):
        return None
    group, _, index = action[7:].rpartition(".")
    return (group, int(index)) if index.isdigit() else None


@dataclass(frozen=True)
class Collected:
    """The ``data`` a page stands for, and where each kept row came from: ``{"risks.0":
    "risks.3"}`` when the first row sent is the page's fourth (empty rows are dropped)."""

    data: dict[str, Any]
    rows: dict[str, str]

    def field_name(self, problem: Problem) -> str:
        """The page's field name for a problem of ``data…`` (``data.risks[0].level`` →
        ``risks.3.level`` when that row was the page's fourth)."""
        parts = list(problem.path)
        if parts and parts[0] == "data":
            parts = parts[1:]
        cur = ""
        for part in parts:
            cand = f"{cur}.{part}" if cur else str(part)
            cur = self.rows.get(cand, cand)
        return cur


def collect(specs: Sequence[FieldSpec], values: FormValues, action: str = "",
            photos: PhotoLookup | None = None) -> Collected:
    """The ``data`` object a posted page stands for: empty fields left out (as the API's
    optional fields), empty rows dropped, numbers as numbers, the rest as typed; the photos kept
    (``<name>.__photo`` digests) as ``{"filename", "data"}`` from ``photos``."""
    counts = row_counts(values, action)
    rows: dict[str, str] = {}
    data = _collect_object(specs, "", values, counts, _removed(action), rows,
                           photos or (lambda _digest: None))
    return Collected(data, rows)


def _collect_object(specs: Sequence[FieldSpec], prefix: str, values: FormValues,
                    counts: dict[str, int], removed: tuple[str, int] | None,
                    rows: dict[str, str], photos: PhotoLookup) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in specs:
        name = prefix + spec.key
        value = _collect_field(spec, name, values, counts, removed, rows, photos)
        if value is not None:
            out[spec.key] = value
    return out


def _first(values: FormValues, name: str) -> str:
    got = values.get(name) or ()
    return got[0].strip() if got else ""


def _collect_field(spec: FieldSpec, name: str, values: FormValues, counts: dict[str, int],
                   removed: tuple[str, int] | None, rows: dict[str, str],
                   photos: PhotoLookup) -> Any:
    if spec.kind == "group":
        got = _collect_object(spec.children, name + ".", values, counts, removed, rows, photos)
        if not got and spec.entry and _first(values, name + ".__set"):
            return {}
        return got or None
    if spec.kind == "photos":
        found = [photos(d) for d in dict.fromkeys(values.get(name + ".__photo", ()))]
        return [p for p in found if p is not None] or None
    if spec.kind == "rows":
        kept: list[dict[str, Any]] = []
        for i in range(counts.get(name, 1)):
            if removed == (name, i):
                continue
            row = _collect_object(spec.children, f"{name}.{i}.", values, counts, removed, rows,
                                  photos)
            if row:
                rows[f"{name}.{len(kept)}"] = f"{name}.{i}"
                kept.append(row)
        return kept or None
    if spec.kind == "choices":
        return [v for v in values.get(name, ()) if v in spec.options] or None
    if spec.kind == "bool":
        return True if _first(values, name) else None
    text = _first(values, name)
    if not text:
        return None
    if spec.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if spec.kind == "integer":
        return int(text) if text.lstrip("-").isdigit() else text
    if spec.kind == "number":
        if spec.text_ok:
            return text
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return text
    if spec.kind == "datetime" and len(text) == 16:  # <input type=datetime-local>: China time
        return text + ":00+08:00"
    if spec.kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# -- the page: specs bound to values and problems --------------------------------------------


def bind(specs: Sequence[FieldSpec], values: FormValues, problems: Sequence[Problem],
         action: str = "", collected: Collected | None = None,
         ) -> tuple[list[Bound], list[tuple[Problem, Bound | None]]]:
    """The page's fields with what was typed and the problems on them (``collected``: the data
    the problems are about); and every problem with the field it is shown on (None: on the
    form as a whole)."""
    counts = row_counts(values, action)
    removed = _removed(action)
    where = collected or Collected({}, {})
    by_name: dict[str, list[Problem]] = {}
    for p in problems:
        by_name.setdefault(where.field_name(p), []).append(p)
    placed: dict[int, Bound] = {}
    fields = _bind_object(specs, "", "", values, counts, removed, by_name, placed)
    return fields, [(p, placed.get(id(p))) for p in problems]


def _bind_object(specs: Sequence[FieldSpec], prefix: str, source_prefix: str, values: FormValues,
                 counts: dict[str, int], removed: tuple[str, int] | None,
                 by_name: dict[str, list[Problem]], placed: dict[int, Bound]) -> list[Bound]:
    out = []
    for spec in specs:
        out.append(_bind_field(spec, prefix + spec.key, source_prefix + spec.key, values, counts,
                               removed, by_name, placed))
    return out


def _bind_field(spec: FieldSpec, name: str, source: str, values: FormValues,
                counts: dict[str, int], removed: tuple[str, int] | None,
                by_name: dict[str, list[Problem]], placed: dict[int, Bound]) -> Bound:
    """``name``: the field's name on the new page; ``source``: its name in the posted form
    (they differ after a row was removed above it)."""
    b = Bound(spec, name)
    # A problem on the field itself or below it with no field of its own lands here; deeper
    # fields claim theirs first (children are bound before the leftovers are gathered).
    if spec.kind == "group":
        b.children = _bind_object(spec.children, name + ".", source + ".", values, counts,
                                  removed, by_name, placed)
        b.value = _first(values, source + ".__set") if spec.entry else ""
    elif spec.kind == "rows":
        n = counts.get(source, 1)
        kept = [i for i in range(n) if removed != (source, i)]
        for new_i, old_i in enumerate(kept):
            b.rows.append(_bind_object(spec.children, f"{name}.{new_i}.", f"{source}.{old_i}.",
                                       values, counts, removed, by_name, placed))
    elif spec.kind == "photos":
        b.values = tuple(dict.fromkeys(values.get(source + ".__photo", ())))
    else:
        got = tuple(values.get(source, ()))
        b.values = got
        b.value = got[0] if got else ""
    for key in [k for k in by_name if k == source or k.startswith(source + ".")]:
        for p in by_name.pop(key):
            b.problems.append(p)
            placed[id(p)] = b
    return b


def check(doc_type: str, profile: str | None, data: Any) -> None:
    """The checks of ``POST /v1/forms/{type}.pdf`` (services.render.render_data) without the
    rendering: raises :class:`DomainValidationError` with every problem at once."""
    kind = get_kind(doc_type, profile)
    check_photo_budget(kind.model, data, ("data",))
    parse_data(kind, data)



def photo_fields(specs: Sequence[FieldSpec], prefix: str = "") -> list[str]:
    """Name patterns of the photo fields (``risks.*.photos``: a row's, any row)."""
    out: list[str] = []
    for spec in specs:
        name = prefix + spec.key
        if spec.kind == "photos":
            out.append(name)
        elif spec.kind == "group":
            out += photo_fields(spec.children, name + ".")
        elif spec.kind == "rows":
            out += photo_fields(spec.children, name + ".*.")
    return out


def each_bound(fields: Sequence[Bound]) -> list[Bound]:
    """Every field of the page, groups and rows opened."""
    out: list[Bound] = []
    for b in fields:
        out.append(b)
        out += each_bound(b.children)
        for row in b.rows:
            out += each_bound(row)
    return out
