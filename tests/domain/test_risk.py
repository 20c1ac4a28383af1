"""Risk evaluation against band tables written out here independently, over the whole domain."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.errors import DomainValidationError, LevelMismatchError, OffScaleError
from domain.risk import (
    BANDS,
    DEFAULT_LEC_BANDS,
    DEFAULT_LS_BANDS,
    LEC_FOUR_LEVEL,
    LEC_FOUR_LEVEL_UPPER,
    LS_SCHEME_A,
    LS_SCHEME_B,
    Band,
    RiskBands,
    RiskColour,
    RiskEvaluation,
    RiskLevel,
    RiskMethod,
    bands_by_name,
    check_declared_level,
    evaluate_lec,
    evaluate_ls,
    parse_level,
)

重大, 较大, 一般, 低 = "重大风险", "较大风险", "一般风险", "低风险"

# domain-facts.md, "Risk matrix": (重大, 较大, 一般, 低) as closed ranges of R.
LS_TABLE = {
    "LS-A": ((20, 25), (15, 16), (9, 12), (1, 8)),
    "LS-B": ((17, 25), (11, 16), (5, 10), (1, 4)),
    "LS-C": ((20, 25), (9, 16), (4, 8), (1, 3)),
    "LS-D": ((20, 25), (10, 16), (4, 9), (1, 3)),
}

# The LEC value tables as printed (strings, so nothing passes through binary floating point).
LEC_L_TEXT = ("10", "6", "3", "1", "0.5", "0.2", "0.1")
LEC_E_TEXT = ("10", "6", "3", "2", "1", "0.5")
LEC_C_TEXT = ("100", "40", "15", "7", "3", "1")

COLOURS = {重大: ("red", "FF0000"), 较大: ("orange", "FFC000"), 一般: ("yellow", "FFFF00"),
           低: ("blue", "0070C0")}


def ls_expected(scheme: str, r: int) -> str:
    for (lo, hi), level in zip(LS_TABLE[scheme], (重大, 较大, 一般, 低), strict=True):
        if lo <= r <= hi:
            return level
    raise AssertionError(f"R={r} is in no band of {scheme}")


def lec_expected(d: Fraction) -> str:
    """D ≥ 320 重大; 160 ≤ D < 320 较大; 70 ≤ D < 160 一般; D < 70 低 (boundary → higher)."""
    if d >= 320:
        return 重大
    if d >= 160:
        return 较大
    if d >= 70:
        return 一般
    return 低


def lec_expected_upper(d: Fraction) -> str:
    """D > 320 重大; 160 < D ≤ 320 较大; 70 < D ≤ 160 一般; D ≤ 70 低 (boundary → lower)."""
    if d > 320:
        return 重大
    if d > 160:
        return 较大
    if d > 70:
        return 一般
    return 低


# --- LS over the whole domain -------------------------------------------------------------------


@pytest.mark.parametrize("scheme", sorted(LS_TABLE))
def test_ls_every_pair_every_scheme(scheme: str) -> None:
    bands = bands_by_name(scheme)
    seen = 0
    for l, s in product(range(1, 6), range(1, 6)):  # noqa: E741
        ev = evaluate_ls(l, s, bands)
        assert ev.value == l * s
        assert ev.level == ls_expected(scheme, l * s), (l, s)
        assert (ev.colour.value, ev.colour_hex) == COLOURS[ev.level]
        assert ev.method is RiskMethod.LS
        assert ev.bands_name == scheme
        assert ev.bands_text == bands.describe()
        seen += 1
    assert seen == 25


def test_ls_default_is_scheme_a() -> None:
    assert DEFAULT_LS_BANDS is LS_SCHEME_A
    assert evaluate_ls(4, 5).level is RiskLevel.MAJOR
    assert evaluate_ls(4, 4).level is RiskLevel.SIGNIFICANT
    assert evaluate_ls(3, 4).level is RiskLevel.GENERAL
    assert evaluate_ls(2, 4).level is RiskLevel.LOW


@given(st.sampled_from(range(1, 6)), st.sampled_from(range(1, 6)),
       st.sampled_from(sorted(LS_TABLE)))
def test_ls_monotone(l: int, s: int, scheme: str) -> None:  # noqa: E741
    """Raising L or S never lowers the level."""
    bands = BANDS[scheme]
    base = evaluate_ls(l, s, bands).level.rank
    if l < 5:
        assert evaluate_ls(l + 1, s, bands).level.rank >= base
    if s < 5:
        assert evaluate_ls(l, s + 1, bands).level.rank >= base


@given(st.sampled_from(range(1, 6)), st.sampled_from(range(1, 6)))
def test_ls_accepts_integral_decimal_and_float(l: int, s: int) -> None:  # noqa: E741
    assert evaluate_ls(Decimal(l), float(s)).value == l * s


# --- LEC over the whole domain ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bands", "expected"),
    [(LEC_FOUR_LEVEL, lec_expected), (LEC_FOUR_LEVEL_UPPER, lec_expected_upper)],
    ids=["lower-inclusive", "upper-inclusive"],
)
def test_lec_every_triple(bands: RiskBands, expected: object) -> None:
    assert callable(expected)
    seen = 0
    for lt, et, ct in product(LEC_L_TEXT, LEC_E_TEXT, LEC_C_TEXT):
        d = Fraction(lt) * Fraction(et) * Fraction(ct)
        for args in ((Decimal(lt), Decimal(et), Decimal(ct)), (float(lt), float(et), float(ct))):
            ev = evaluate_lec(args[0], args[1], args[2], bands)
            assert Fraction(ev.value) == d, (lt, et, ct)
            assert ev.level == expected(d), (lt, et, ct, d)
            assert (ev.colour.value, ev.colour_hex) == COLOURS[ev.level]
        seen += 1
    assert seen == 7 * 6 * 6


def test_lec_default_and_boundaries() -> None:
    assert DEFAULT_LEC_BANDS is LEC_FOUR_LEVEL
    # D = 70 is reachable (10 × 1 × 7): it belongs to the higher band under the default rule.
    assert evaluate_lec(10, 1, 7).level is RiskLevel.GENERAL
    assert evaluate_lec(10, 1, 7, LEC_FOUR_LEVEL_UPPER).level is RiskLevel.LOW
    assert evaluate_lec(0.1, 0.5, 1).value == Decimal("0.05")
    assert evaluate_lec(0.1, 0.5, 1).value_text == "0.05"
    assert evaluate_lec(10, 10, 100).value_text == "10000"


@given(st.sampled_from(LEC_L_TEXT), st.sampled_from(LEC_E_TEXT), st.sampled_from(LEC_C_TEXT))
def test_lec_monotone(lt: str, et: str, ct: str) -> None:
    base = evaluate_lec(Decimal(lt), Decimal(et), Decimal(ct)).level.rank
    for i, table in enumerate((LEC_L_TEXT, LEC_E_TEXT, LEC_C_TEXT)):
        args = [lt, et, ct]
        pos = table.index(args[i])
        if pos > 0:  # tables run from the highest value down
            args[i] = table[pos - 1]
            lv, ev, cv = map(Decimal, args)
            assert evaluate_lec(lv, ev, cv).level.rank >= base


# --- Off-scale values ---------------------------------------------------------------------------

OFF_LS = [0, 6, 2.5, -1, -5, float("nan"), float("inf"), Decimal("NaN"), Decimal("2.5"), True,
          "3", None]


@pytest.mark.parametrize("bad", OFF_LS, ids=repr)
def test_ls_off_scale_refused(bad: object) -> None:
    with pytest.raises(OffScaleError) as info:
        evaluate_ls(bad, 3, path=("rows", 2))
    (problem,) = info.value.problems
    assert problem.path == ("rows", 2, "L")
    assert problem.rule == "risk.ls.l.off_scale"
    assert "可能性" in problem.message_zh and "L=" in problem.message_en


@given(st.one_of(
    st.integers().filter(lambda i: not 1 <= i <= 5),
    st.floats().filter(lambda f: not (math.isfinite(f) and f.is_integer() and 1 <= f <= 5)),
))
def test_ls_off_scale_property(bad: float) -> None:
    with pytest.raises(OffScaleError):
        evaluate_ls(3, bad)


def test_both_factors_reported() -> None:
    with pytest.raises(OffScaleError) as info:
        evaluate_ls(0, 6)
    assert [p.path for p in info.value.problems] == [("L",), ("S",)]


LEC_ALL = {Fraction(t) for t in LEC_L_TEXT + LEC_E_TEXT + LEC_C_TEXT}


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_lec_off_scale_property(bad: float) -> None:
    on_some_scale = math.isfinite(bad) and Fraction(repr(bad)) in LEC_ALL
    if on_some_scale:
        return
    for args in ((bad, 1, 1), (1, bad, 1), (1, 1, bad)):
        with pytest.raises(OffScaleError):
            evaluate_lec(*args)


@pytest.mark.parametrize("bad", [0, 2, 4, 0.3, -10, 0.30000000000000004, float("nan"), 1000])
def test_lec_off_scale_refused(bad: float) -> None:
    with pytest.raises(OffScaleError) as info:
        evaluate_lec(bad, 6, 15)
    assert info.value.problems[0].rule == "risk.lec.l.off_scale"


def test_lec_e_and_c_off_scale() -> None:
    with pytest.raises(OffScaleError) as info:
        evaluate_lec(10, 7, 2)
    assert [p.rule for p in info.value.problems] == ["risk.lec.e.off_scale", "risk.lec.c.off_scale"]


def test_off_scale_is_a_domain_validation_error() -> None:
    assert issubclass(OffScaleError, DomainValidationError)
    assert issubclass(LevelMismatchError, DomainValidationError)


def test_bands_of_the_wrong_method_refused() -> None:
    with pytest.raises(DomainValidationError) as info:
        evaluate_ls(1, 1, LEC_FOUR_LEVEL)
    assert info.value.problems[0].rule == "risk.bands.method_mismatch"
    with pytest.raises(DomainValidationError):
        evaluate_lec(1, 1, 1, LS_SCHEME_A)


# --- Band texts ---------------------------------------------------------------------------------


def test_describe_texts() -> None:
    assert LS_SCHEME_A.describe() == (
        "风险矩阵法 R=L×S：20–25 重大风险（红）；15–16 较大风险（橙）；9–12 一般风险（黄）；"
        "1–8 低风险（蓝）"
    )
    assert LEC_FOUR_LEVEL.describe() == (
        "作业条件危险性分析法 D=L×E×C：D≥320 重大风险（红）；160≤D<320 较大风险（橙）；"
        "70≤D<160 一般风险（黄）；D<70 低风险（蓝）；分界值归入较高等级"
    )
    assert LEC_FOUR_LEVEL_UPPER.describe().endswith("D≤70 低风险（蓝）；分界值归入较低等级")


def test_bands_by_name() -> None:
    assert set(BANDS) == {"LS-A", "LS-B", "LS-C", "LS-D", "LEC-4", "LEC-4-upper"}
    assert bands_by_name("LS-B") is LS_SCHEME_B
    with pytest.raises(DomainValidationError) as info:
        bands_by_name("LS-Z", path=("bands",))
    assert info.value.problems[0].rule == "risk.bands.unknown"


@pytest.mark.parametrize("name", sorted(BANDS))
def test_bands_json_round_trip(name: str) -> None:
    bands = BANDS[name]
    assert RiskBands.model_validate(bands.model_dump(mode="json")) == bands


# --- Band validation ----------------------------------------------------------------------------


ALL_LEVELS = (重大, 较大, 一般, 低)


def ls_bands(*ranges: tuple[int, int], levels: tuple[str, ...] = ALL_LEVELS) -> RiskBands:
    return RiskBands.model_validate({
        "name": "test",
        "method": "LS",
        "bands": [{"level": lv, "lower": lo, "upper": hi}
                  for lv, (lo, hi) in zip(levels, ranges, strict=True)],
    })


def error_type(exc: ValidationError) -> str:
    return str(exc.errors()[0]["type"])


@pytest.mark.parametrize(
    ("ranges", "kind"),
    [
        (((20, 25), (15, 16), (9, 12), (2, 8)), "bands_gap"),  # R = 1 in no band
        (((20, 25), (15, 16), (10, 12), (1, 8)), "bands_gap"),  # R = 9 in no band
        (((20, 24), (15, 16), (9, 12), (1, 8)), "bands_gap"),  # R = 25 in no band
        (((20, 25), (12, 16), (9, 12), (1, 8)), "bands_overlap"),  # 12 twice
        (((20, 25), (15, 16), (8, 12), (1, 8)), "bands_overlap"),  # 8 twice
        (((1, 8), (9, 12), (15, 16), (20, 25)), "bands_overlap"),  # upside down
        (((20, 25), (15, 16), (12, 9), (1, 8)), "band_empty"),
    ],
)
def test_bad_ls_bands_rejected(ranges: tuple[tuple[int, int], ...], kind: str) -> None:
    with pytest.raises(ValidationError) as info:
        ls_bands(*ranges)
    assert error_type(info.value) == kind
    assert " / " in str(info.value.errors()[0]["msg"])  # Chinese / English


def test_unreachable_gaps_are_fine() -> None:
    """Scheme A leaves 13–14 and 17–19 out: R never takes those values."""
    ls_bands((20, 25), (15, 16), (9, 12), (1, 8))
    ls_bands((17, 25), (13, 16), (9, 12), (1, 8))  # 13, 14 unreachable: same levels as A


def test_levels_must_be_the_four_in_order() -> None:
    with pytest.raises(ValidationError) as info:
        ls_bands((20, 25), (15, 16), (9, 12), (1, 8), levels=(重大, 一般, 较大, 低))
    assert error_type(info.value) == "bands_levels"
    with pytest.raises(ValidationError):
        ls_bands((20, 25), (9, 16), (1, 8), levels=(重大, 较大, 低))


def test_lec_gap_and_overlap_rejected() -> None:
    data = LEC_FOUR_LEVEL.model_dump(mode="json")
    gap = {**data, "bands": [*data["bands"][:3], {**data["bands"][3], "upper": "60"}]}
    with pytest.raises(ValidationError) as info:
        RiskBands.model_validate(gap)
    assert error_type(info.value) == "bands_gap"  # 60 ≤ D < 70 reachable (e.g. 10×6×1)
    both = {**data, "bands": [*data["bands"][:3], {**data["bands"][3], "upper_inclusive": True}]}
    with pytest.raises(ValidationError) as info:
        RiskBands.model_validate(both)
    assert error_type(info.value) == "bands_overlap"  # D = 70 in two bands


def test_nan_bound_rejected() -> None:
    with pytest.raises(ValidationError):
        Band(level=RiskLevel.LOW, lower=Decimal("NaN"), upper=Decimal(3))


R_VALUES = sorted({lv * sv for lv, sv in product(range(1, 6), range(1, 6))})


@given(st.lists(st.sampled_from(R_VALUES[1:]), min_size=3, max_size=3, unique=True))
def test_any_cut_of_reachable_values_is_valid(cuts: list[int]) -> None:
    """Three distinct cut points (each the lowest R of a higher band) always give valid bands."""
    c1, c2, c3 = sorted(cuts)  # bottom of 一般, 较大, 重大
    bands = ls_bands((c3, 25), (c2, c3 - 1), (c1, c2 - 1), (1, c1 - 1))
    for r in R_VALUES:
        expected = 重大 if r >= c3 else 较大 if r >= c2 else 一般 if r >= c1 else 低
        assert bands.level_of(Decimal(r)) == expected


# --- Declared levels ----------------------------------------------------------------------------


def test_declared_level_agrees() -> None:
    ev = evaluate_ls(5, 5)
    check_declared_level("重大风险", ev, ("rows", 0, "level"))
    check_declared_level("重大", ev, ("rows", 0, "level"))
    check_declared_level(RiskLevel.MAJOR, ev.level, ())
    check_declared_level(None, ev, ())


def test_declared_level_contradiction_raises() -> None:
    ev = evaluate_ls(5, 4)  # R = 20 → 重大风险
    with pytest.raises(LevelMismatchError) as info:
        check_declared_level("较大风险", ev, ("rows", 3, "level"))
    (p,) = info.value.problems
    assert p.path == ("rows", 3, "level")
    assert p.rule == "risk.level.mismatch"
    assert "较大风险" in p.message_zh and "重大风险" in p.message_zh and "R=20" in p.message_zh
    assert "contradicts" in p.message_en


def test_declared_level_unknown() -> None:
    with pytest.raises(DomainValidationError) as info:
        check_declared_level("very high", evaluate_ls(1, 1), ("level",))
    assert not isinstance(info.value, LevelMismatchError)
    assert info.value.problems[0].rule == "risk.level.unknown"


def test_level_properties() -> None:
    assert [lv.value for lv in RiskLevel] == [重大, 较大, 一般, 低]
    assert [lv.colour for lv in RiskLevel] == list(RiskColour)
    assert [lv.colour.zh for lv in RiskLevel] == ["红", "橙", "黄", "蓝"]
    assert [lv.short for lv in RiskLevel] == ["重", "较", "一", "低"]
    assert parse_level(" 低 ") is RiskLevel.LOW and parse_level("高") is None


def test_evaluation_json() -> None:
    dumped = evaluate_ls(3, 5).model_dump(mode="json")
    assert dumped["level"] == 较大 and dumped["colour"] == "orange"
    assert dumped["colour_hex"] == "FFC000" and dumped["value"] == "15"
    assert RiskEvaluation.model_validate(
        {k: v for k, v in dumped.items() if k not in ("colour", "colour_hex")}
    ).level is RiskLevel.SIGNIFICANT
