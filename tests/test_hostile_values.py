"""Posted text is printed as text: never evaluated as a template, never parsed as markup.

Every free-text field of every example (a string with no pattern, format or fixed choices in the
JSON Schema, within its maxLength) is replaced by a hostile string plus a marker unique to the
field; phone numbers, dates, amounts and choices stay valid. The forms must print each string
literally — ``{{ 7*7 }}`` and not ``49``, ``<b>粗</b>`` and not bold 粗, ``&amp;`` as typed —
wherever the annex has a place for the field (the rule of test_forms_fidelity), in PDF and
DOCX, and the API must answer 200, never 5xx.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from domain.catalog import get_kind, parse_data
from rendering.spec import load_spec
from services.render import render_data
from tests.conftest import load_examples
from tests.textutil import (
    agree_names,
    docx_text,
    is_bound,
    pdf_text,
    posted_leaves,
    spec_bindings,
    squash,
)

EXAMPLES = load_examples()
HOSTILE = "{{ 7*7 }} {% raw %} <b>粗</b> &amp; & a\nb x\ty 𠮷野家 䶮"


def _marker(n: int) -> str:
    return f"Q{n:03d}Q"  # no marker is a prefix of another


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branch(node: dict[str, Any], value: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema (branch of an ``anyOf``) that describes ``value``."""
    node = _resolve(node, defs)
    if "anyOf" not in node:
        return node
    want = {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value))
    for option in node["anyOf"]:
        option = _resolve(option, defs)
        if option.get("type") == want or (want == "object" and "properties" in option):
            return option
    return node


def _free_text(node: dict[str, Any], defs: dict[str, Any]) -> bool:
    """A string with no pattern, format or fixed choices, and not a number sent as a string."""
    options = [_resolve(o, defs) for o in _resolve(node, defs).get("anyOf", [])]
    if any(o.get("type") in ("number", "integer") for o in options):
        return False  # Decimal: "128000.00"
    node = _branch(node, "", defs)
    return node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node)


def hostile_variant(schema: dict[str, Any], data: Any) -> dict[str, Any]:
    """A copy of ``data`` with every free-text string (not a photo's ``data``) made hostile."""
    defs = schema.get("$defs", {})
    counter = iter(range(1, 10_000))

    def walk(node: dict[str, Any], value: Any, key: str | None) -> Any:
        if isinstance(value, str) and key != "data" and _free_text(node, defs):
            marker = _marker(next(counter))
            room = int(_branch(node, value, defs).get("maxLength", 10_000)) - len(marker) - 1
            assert room >= 10, f"no room for a hostile string in {key}"
            return f"{HOSTILE[:room]} {marker}"
        node = _branch(node, value, defs)
        if isinstance(value, dict):
            props = node.get("properties", {})
            extra = node.get("additionalProperties", {})
            return {k: walk(props.get(k, extra if isinstance(extra, dict) else {}), v, k)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [walk(node.get("items", {}), v, None) for v in value]
        return value

    return walk(schema, copy.deepcopy(data), None)  # type: ignore[no-any-return]


def redraw(data: dict[str, Any]) -> dict[str, Any]:
    """A sampling record's seed and draw redone for its (hostile) insurer and unit IDs."""
    from decimal import Decimal

    from domain.sampling import Unit, draw, seed_for

    seed = seed_for(data["insurer"], data.get("branch"), data["kind"], data["period"])
    drawn = {i for d in draw(data["kind"], [Unit(u["id"], Decimal(u["amount"]))
                                            for u in data["population"]], seed) for i in d.drawn}
    return {**data, "seed": seed,
            "population": [{**u, "drawn": u["id"] in drawn} for u in data["population"]]}


@dataclass(frozen=True)
class Hostile:
    doc_type: str
    profile: str
    data: dict[str, Any]
    shown: list[str]  # the hostile values the annex has a place for
    pdf: str  # pdftotext
    docx: str  # python-docx


@pytest.fixture(scope="module")
def hostile() -> dict[str, Hostile]:
    out = {}
    for name, body in EXAMPLES.items():
        kind = get_kind(body["type"], body["profile"])
        data = agree_names(hostile_variant(kind.model.model_json_schema(), body["data"]))
        if kind.type == "sampling":  # hostile insurer and unit IDs: seed and draw follow them
            data = redraw(data)
        model = parse_data(kind, data)  # still valid: patterns, choices and dates untouched
        bindings = spec_bindings(load_spec(kind.profile, kind.type))
        shown = [leaf.raw for leaf in posted_leaves(data, model)
                 if isinstance(leaf.raw, str) and HOSTILE[:10] in leaf.raw
                 and is_bound(leaf.pattern, bindings)]
        pdf, docx = (render_data(kind.type, kind.profile, data, fmt).content
                     for fmt in ("pdf", "docx"))
        out[name] = Hostile(kind.type, kind.profile, data, shown, pdf_text(pdf), docx_text(docx))
    return out


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_free_text_field_was_made_hostile(name: str, hostile: dict[str, Hostile]) -> None:
    h = hostile[name]
    assert len(h.shown) >= 3
    markers = [v.rsplit(" ", 1)[-1] for v in h.shown]
    assert len(set(markers)) == len(markers)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_hostile_strings_print_literally_in_pdf(name: str, hostile: dict[str, Hostile]) -> None:
    text = squash(hostile[name].pdf)
    missing = [v for v in hostile[name].shown if squash(v) not in text]
    assert missing == []
    assert text.count(squash("{{ 7*7 }} {% raw %}")) >= len(hostile[name].shown)
    assert "49{%raw%}" not in text
    assert "\ufffd" not in text


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_hostile_strings_print_literally_in_docx(name: str, hostile: dict[str, Hostile]) -> None:
    text = hostile[name].docx
    # Word keeps line breaks and tabs as such (<w:br/>, <w:tab/>): the value comes back verbatim.
    missing = [v for v in hostile[name].shown if v not in text]
    assert missing == []
    assert "49 {% raw %}" not in text
    assert "\ufffd" not in text


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_api_renders_hostile_values(
    name: str, hostile: dict[str, Hostile], app_client: Any,
    insurer_headers: dict[str, str],
) -> None:
    h = hostile[name]
    r = app_client.post(f"/v1/forms/{h.doc_type}.pdf", params={"profile": h.profile},
                        json=h.data, headers=insurer_headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    text = squash(pdf_text(r.content))
    assert all(squash(v) in text for v in h.shown)


def test_a_template_engine_would_have_been_caught() -> None:
    """The hostile string is one a Jinja pass would change (so the checks above can fail)."""
    from jinja2 import Environment, TemplateSyntaxError

    render: Callable[[str], str] = lambda s: Environment().from_string(s).render()  # noqa: E731
    assert render("{{ 7*7 }}") == "49"
    with pytest.raises(TemplateSyntaxError):
        render(HOSTILE)
