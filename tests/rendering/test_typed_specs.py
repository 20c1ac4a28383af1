"""Typed specs: every annex spec is loaded into typed block models at start-up, and every bind
path is checked against the document type's schema (plus what its view computes,
rendering/kinds.py). A misspelt path, key or block is an error naming the file, the block and
what to fix — not a ／ on paper with every test passing."""

from __future__ import annotations

import pytest

from domain.catalog import CATALOG
from rendering.spec import SpecError, parse_spec, spec_text
from services.render import load_annex_specs


def _text(profile: str, doc_type: str) -> str:
    return spec_text(profile, doc_type)


def test_every_spec_loads_typed_with_every_bind_path_known() -> None:
    assert load_annex_specs() == len(CATALOG)


def test_a_misspelt_bind_path_is_an_error_at_load_naming_the_path_and_the_fields() -> None:
    text = _text("shandong", "report").replace("insured.address", "insured.adress")
    with pytest.raises(SpecError) as exc:
        parse_spec("shandong", "report", text)
    message = str(exc.value)
    assert "templates/annex/shandong/report.yaml" in message
    assert "'insured.adress'" in message and "'adress' is not a field of Insured" in message
    assert "address" in message  # the fields it could have meant


@pytest.mark.parametrize(("old", "new", "says"), [
    ("bind: technicians", "bind: technician", "'technician' is not a field"),  # a table's list
    ("{label: 姓名, bind: name, width: 1.6}", "{label: 姓名, bind: nmae, width: 1.6}",
     "'nmae' is not a field of Technician"),  # a column, relative to the list's elements
    ("name: insurer_approver", "name: insurer_aprover", "'insurer_aprover'"),  # a signature
    ('"服务日期：{visit.date}"', '"服务日期：{visit.day}"', "'day' is not a field of Visit"),
    ("    when: risk_bands", "    when: risk_band", "'risk_band'"),  # a condition
    ("    indent: true\n", "    indnet: true\n", "unknown key(s) ['indnet']"),
    ("  - heading: 四、工作建议", "  - headline: 四、工作建议", "a block needs exactly one of"),
    ("{label: 风险等级, bind: level, width: 1.3, align: center}",
     "{label: 风险等级, bind: level, width: 1.3, align: middle}",
     "align must be left, center or right"),
])
def test_a_malformed_spec_is_an_error_saying_what_to_fix(old: str, new: str, says: str) -> None:
    text = _text("shandong", "report")
    assert old in text
    with pytest.raises(SpecError, match=None) as exc:
        parse_spec("shandong", "report", text.replace(old, new, 1))
    assert says in str(exc.value)


def test_a_bind_path_into_a_computed_value_is_checked_too() -> None:
    text = _text("chengdu", "callback").replace("bind: criterion", "bind: criteria")
    with pytest.raises(SpecError) as exc:
        parse_spec("chengdu", "callback", text)
    assert "'criteria' is not a field of a computed value" in str(exc.value)
    assert "rendering/kinds.py" in str(exc.value)


def test_the_app_refuses_to_start_with_a_broken_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    import rendering.spec as spec

    spec.load_spec.cache_clear()
    real = spec.parse_spec

    def broken(profile: str, doc_type: str, text: str) -> spec.AnnexSpec:
        if (profile, doc_type) == ("shandong", "report"):
            text = text.replace("insured.address", "insured.adress")
        return real(profile, doc_type, text)

    monkeypatch.setattr(spec, "parse_spec", broken)
    try:
        with pytest.raises(SpecError, match="adress"):
            import api.main  # builds its app at import: refused there if not imported before

            api.main.create_app()
    finally:
        spec.load_spec.cache_clear()


def test_a_form_two_profiles_print_alike_is_written_once() -> None:
    """wenzhou/complaint.yaml says only ``same_as: service/complaint_no_extension.yaml``: a plain
    text file, not a symlink a checkout may lose."""
    from rendering.spec import ANNEX_DIR

    assert not any(p.is_symlink() for p in ANNEX_DIR.rglob("*.yaml"))
    assert spec_text("wenzhou", "complaint") == (
        ANNEX_DIR / "service" / "complaint_no_extension.yaml").read_text(encoding="utf-8")
    assert spec_text("chengdu", "complaint") == spec_text("wenzhou", "complaint")


@pytest.mark.parametrize(("target", "says"), [
    ("service/nothing.yaml", "names a missing file"),
    ("../../pyproject.toml", "must name <dir>/<file>.yaml"),
])
def test_a_same_as_naming_a_wrong_file_is_an_error(tmp_path, monkeypatch, target: str,
                                                    says: str) -> None:
    import rendering.spec as spec

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "complaint.yaml").write_text(f"same_as: {target}\n", encoding="utf-8")
    monkeypatch.setattr(spec, "ANNEX_DIR", tmp_path)
    with pytest.raises(SpecError, match=says):
        spec_text("x", "complaint")
