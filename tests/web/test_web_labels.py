"""English labels of the fill-in pages (``services.web_labels_en``): every title, heading,
option and form name of the catalogue has one, and the English page shows them next to the
Chinese while the values sent stay as the API takes them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest

from api.main import create_app
from core.settings import Settings
from domain.catalog import CATALOG, PROFILES
from services.keys import create_key
from services.web_forms import FieldSpec, form_specs
from services.web_labels_en import FORMS, HINTS, LABELS, OPTIONS_EN, english, has_cjk, option_en
from tests.conftest import TestClient


def _walk(specs: Sequence[FieldSpec]) -> Iterator[FieldSpec]:
    for spec in specs:
        yield spec
        yield from _walk(spec.children)


def _every_field() -> Iterator[tuple[str, FieldSpec]]:
    for (doc_type, profile) in CATALOG:
        for spec in _walk(form_specs(doc_type, profile)):
            yield f"{doc_type}/{profile}: {spec.key}", spec


def test_every_field_title_of_every_form_has_an_english_label() -> None:
    missing = sorted({f"{where} {spec.title!r}" for where, spec in _every_field()
                      if not spec.title_en})
    assert not missing, "add these titles to services/web_labels_en.py LABELS:\n" + "\n".join(
        missing)


def test_every_option_shown_in_chinese_has_an_english_label() -> None:
    missing = sorted({f"{where} {o!r}" for where, spec in _every_field() for o in spec.options
                      if not option_en(o)})
    assert not missing, "add these options to OPTIONS_EN:\n" + "\n".join(missing)
    for _, spec in _every_field():
        for value, zh, en in spec.choices:
            assert value in spec.options and en and (zh == value or not has_cjk(value))


def test_every_hint_has_an_english_hint() -> None:
    missing = sorted({f"{where} {spec.hint!r}" for where, spec in _every_field()
                      if spec.hint and not spec.hint_en})
    assert not missing, "add these hints to HINTS:\n" + "\n".join(missing)


def test_every_form_and_profile_name_has_an_english_name() -> None:
    names = [k.title for k in CATALOG.values()] + list(PROFILES.values())
    assert [n for n in names if not english(n)] == []


def test_the_glossary_holds_no_stale_entries() -> None:
    """An entry no form uses any more is a renamed title whose new wording lacks its English."""
    titles = {spec.title for _, spec in _every_field()}
    options = {o for _, spec in _every_field() for o in spec.options}
    names = {k.title for k in CATALOG.values()} | set(PROFILES.values())
    assert sorted(set(LABELS) - titles) == []
    assert sorted(set(FORMS) - names) == []
    assert sorted(set(OPTIONS_EN) - options) == []
    assert sorted(set(HINTS) - {spec.hint for _, spec in _every_field() if spec.hint}) == []
    assert [v for v in (*LABELS.values(), *FORMS.values(), *OPTIONS_EN.values())
            if not v.strip() or has_cjk(v)] == []
    assert all(v.strip() for v in HINTS.values())  # a hint may quote what to type (2012年6月)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("web-labels")))
    with TestClient(app, base_url="https://testserver") as c:
        page = c.get("/app/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        key = create_key(app.state.ctx.engine, "labels-t", "technician")
        r = c.post("/app/login", data={"key": key, "csrf": csrf.group(1)},
                   follow_redirects=False)
        assert r.status_code == 303
        yield c


def _english(c: TestClient) -> None:
    assert c.get("/app/lang?to=en&next=/app/forms", follow_redirects=False).status_code == 303


def test_the_english_fill_page_shows_english_labels_after_the_chinese(
        client: TestClient) -> None:
    _english(client)
    try:
        html = client.get("/app/forms/report/fill?profile=shandong").text
        assert '<html lang="en">' in html
        assert ('<span lang="zh-CN">被保险人</span> <span lang="en" class="tr">Insured</span>'
                in html)
        assert '<span lang="en" class="tr">Risk identification list</span>' in html
        assert "Work-safety liability insurance: accident-prevention technical service report" \
            in html
        # an option: the Chinese value is what is sent, the English is shown after it
        assert re.search(r'value="重大事故隐患">\s*<span><span lang="zh-CN">重大事故隐患</span> '
                         r'<span lang="en" class="tr">Major accident hazard</span>', html)
        assert "Add a row: Risk identification list" in html
        assert "The four-colour risk map is coloured by site / area" in html  # a hint
        forms = client.get("/app/forms").text
        assert "Table 9 Hazard screening and remediation ledger" in forms
        assert "Shandong transport sector" in forms
    finally:
        client.get("/app/lang?to=zh&next=/app/forms")


def test_the_chinese_page_shows_no_english_labels_and_codes_as_chinese_words(
        client: TestClient) -> None:
    html = client.get("/app/forms/fee_entry/fill?profile=shandong").text
    assert 'class="tr"' not in html and '<html lang="zh-CN">' in html
    assert re.search(r'value="accrual">\s*<span>计提</span>', html)


def test_english_problems_name_the_field_in_english(client: TestClient) -> None:
    _english(client)
    try:
        page = client.get("/app/forms/callback/fill?profile=shandong")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        r = client.post("/app/forms/callback/fill?profile=shandong",
                        data={"csrf": csrf.group(1), "_action": "check"})
        assert r.status_code == 422
        summary = r.text.split('class="summary"', 1)[1].split("</section>", 1)[0]
        assert '<span lang="en" class="tr">' in summary
    finally:
        client.get("/app/lang?to=zh&next=/app/forms")
