"""Risk evaluation: the risk matrix (LS) and LEC methods, bands and the four colours.

Pure functions over exact decimals: ``0.1 × 0.5 × 1`` is ``0.05``, never ``0.05000000000000001``.

Chengdu Appendix C (表 5, 表 6) records L, S, R and 风险等级 per row; 表 7 lists the risks with
their level (重大风险、较大风险、一般风险、低风险), shown on the 安全风险四色图. Chengdu leaves the
method to DB5101/T 18-2018 (风险矩阵分析法、作业条件危险性分析法); that text was not available,
so the bands are configuration, printed under every table that uses them
(:meth:`RiskBands.describe`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise, product
from types import MappingProxyType
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator
from pydantic_core import PydanticCustomError

from domain.errors import (
    DomainValidationError,
    LevelMismatchError,
    OffScaleError,
    PathPart,
    Problem,
)

__all__ = [
    "BANDS",
    "DEFAULT_LEC_BANDS",
    "DEFAULT_LS_BANDS",
    "LEC_C",
    "LEC_E",
    "LEC_FOUR_LEVEL",
    "LEC_FOUR_LEVEL_UPPER",
    "LEC_L",
    "LEC_VALUES",
    "LS_L",
    "LS_S",
    "LS_SCHEME_A",
    "LS_SCHEME_B",
    "LS_SCHEME_C",
    "LS_SCHEME_D",
    "LS_VALUES",
    "Band",
    "RiskBands",
    "RiskColour",
    "RiskEvaluation",
    "RiskLevel",
    "RiskMethod",
    "bands_by_name",
    "check_declared_level",
    "evaluate_lec",
    "evaluate_ls",
    "format_decimal",
    "parse_level",
]


class RiskColour(StrEnum):
    """The four colours of the 安全风险四色图 (national wording since 2016; no official RGB)."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"

    @property
    def zh(self) -> str:
        return _COLOUR_ZH[self]

    @property
    def hex(self) -> str:
        """RRGGBB without ``#`` (common palette FF0000 / FFC000 / FFFF00 / 0070C0)."""
        return _COLOUR_HEX[self]


_COLOUR_ZH: Final = {
    RiskColour.RED: "红", RiskColour.ORANGE: "橙", RiskColour.YELLOW: "黄", RiskColour.BLUE: "蓝"
}
_COLOUR_HEX: Final = {
    RiskColour.RED: "FF0000",
    RiskColour.ORANGE: "FFC000",
    RiskColour.YELLOW: "FFFF00",
    RiskColour.BLUE: "0070C0",
}


class RiskLevel(StrEnum):
    """风险等级 — Chengdu 3.2 表 7 wording (重大风险、较大风险、一般风险、低风险)."""

    MAJOR = "重大风险"
    SIGNIFICANT = "较大风险"
    GENERAL = "一般风险"
    LOW = "低风险"

    @property
    def rank(self) -> int:
        """4 for 重大 … 1 for 低: higher is worse."""
        return _RANK[self]

    @property
    def short(self) -> str:
        """One character for compact labels: 重 / 较 / 一 / 低."""
        return _SHORT[self]

    @property
    def colour(self) -> RiskColour:
        return _LEVEL_COLOUR[self]

    @property
    def colour_hex(self) -> str:
        return self.colour.hex


_RANK: Final = {
    RiskLevel.MAJOR: 4, RiskLevel.SIGNIFICANT: 3, RiskLevel.GENERAL: 2, RiskLevel.LOW: 1
}
_SHORT: Final = {
    RiskLevel.MAJOR: "重", RiskLevel.SIGNIFICANT: "较", RiskLevel.GENERAL: "一", RiskLevel.LOW: "低"
}
_LEVEL_COLOUR: Final = {
    RiskLevel.MAJOR: RiskColour.RED,
    RiskLevel.SIGNIFICANT: RiskColour.ORANGE,
    RiskLevel.GENERAL: RiskColour.YELLOW,
    RiskLevel.LOW: RiskColour.BLUE,
}
_LEVELS_DESC: Final = (RiskLevel.MAJOR, RiskLevel.SIGNIFICANT, RiskLevel.GENERAL, RiskLevel.LOW)


def parse_level(text: str) -> RiskLevel | None:
    """The level named by ``text`` (``重大风险`` or ``重大``, …), or None if it names none."""
    t = text.strip()
    for level in RiskLevel:
        if t in (level.value, level.value.removesuffix("风险")):
            return level
    return None


class RiskMethod(StrEnum):
    LS = "LS"
    LEC = "LEC"

    @property
    def zh(self) -> str:
        return "风险矩阵法" if self is RiskMethod.LS else "作业条件危险性分析法"

    @property
    def symbol(self) -> str:
        return "R" if self is RiskMethod.LS else "D"

    @property
    def formula(self) -> str:
        return "R=L×S" if self is RiskMethod.LS else "D=L×E×C"


# --- Scales -------------------------------------------------------------------------------------

#: LS 可能性 L, 1–5 (usual JHA/SCL wording, abridged).
LS_L: Final[Mapping[int, str]] = MappingProxyType({
    5: "无预防、监测、控制措施，或危害不能被发觉，或经常发生",
    4: "危害难以发觉，从未监测；或有控制措施但未有效执行；或经常、预期发生",
    3: "无防护措施或防护用品，或未严格执行操作规程，或曾经发生",
    2: "危害能及时发现并定期监测，或控制措施有效，或偶尔发生",
    1: "措施完善有效，员工安全意识高，极不可能发生",
})
#: LS 严重性 S, 1–5 (by people harmed, loss, compliance, stoppage, reputation; abridged).
LS_S: Final[Mapping[int, str]] = MappingProxyType({
    5: "违反法律法规和标准；死亡；损失 > 50 万元；多套装置停工；国家或国际影响",
    4: "潜在违反法规和标准；丧失劳动能力；> 25 万元；两套装置停工；省级或行业内影响",
    3: "不符合上级公司或行业规定；截肢、骨折；> 10 万元；一套装置停工；地区影响",
    2: "不符合公司规章制度；轻微受伤；< 10 万元；几乎不停工；公司及周边影响",
    1: "完全符合；无伤亡；无损失；没有停工；形象无损",
})
#: LEC 事故发生的可能性 L.
LEC_L: Final[Mapping[Decimal, str]] = MappingProxyType({
    Decimal("10"): "完全可以预料",
    Decimal("6"): "相当可能",
    Decimal("3"): "可能，但不经常",
    Decimal("1"): "可能性小，完全意外",
    Decimal("0.5"): "很不可能，可以设想",
    Decimal("0.2"): "极不可能",
    Decimal("0.1"): "实际不可能",
})
#: LEC 暴露于危险环境的频繁程度 E.
LEC_E: Final[Mapping[Decimal, str]] = MappingProxyType({
    Decimal("10"): "连续暴露",
    Decimal("6"): "每天工作时间内暴露",
    Decimal("3"): "每周一次或偶然暴露",
    Decimal("2"): "每月一次暴露",
    Decimal("1"): "每年几次暴露",
    Decimal("0.5"): "非常罕见地暴露",
})
#: LEC 发生事故产生的后果 C.
LEC_C: Final[Mapping[Decimal, str]] = MappingProxyType({
    Decimal("100"): "大灾难，许多人死亡",
    Decimal("40"): "灾难，数人死亡",
    Decimal("15"): "非常严重，一人死亡",
    Decimal("7"): "严重，重伤",
    Decimal("3"): "重大，致残",
    Decimal("1"): "引人注目，需要救护",
})

#: Every value R = L×S can take (1–6, 8–10, 12, 15, 16, 20, 25).
LS_VALUES: Final = tuple(sorted({Decimal(lk * sk) for lk, sk in product(LS_L, LS_S)}))
#: Every value D = L×E×C can take.
LEC_VALUES: Final = tuple(
    sorted({(lk * ek * ck).normalize() for lk, ek, ck in product(LEC_L, LEC_E, LEC_C)})
)
_DOMAIN: Final = {RiskMethod.LS: LS_VALUES, RiskMethod.LEC: LEC_VALUES}


def format_decimal(d: Decimal) -> str:
    """``Decimal('320')`` → ``320``, ``Decimal('0.050')`` → ``0.05`` (no exponent)."""
    return format(d.normalize(), "f")


# --- Bands --------------------------------------------------------------------------------------


class Band(BaseModel):
    """One level's interval of R or D; a missing bound is unbounded on that side."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: RiskLevel = Field(title="风险等级")
    lower: Decimal | None = Field(None, title="下限", allow_inf_nan=False)
    upper: Decimal | None = Field(None, title="上限", allow_inf_nan=False)
    lower_inclusive: bool = Field(True, title="含下限")
    upper_inclusive: bool = Field(True, title="含上限")

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        lo, hi = self.lower, self.upper
        if lo is not None and hi is not None and (
            lo > hi or (lo == hi and not (self.lower_inclusive and self.upper_inclusive))
        ):
            raise PydanticCustomError(
                "band_empty",
                "{level} 的区间为空 / the interval of {level} is empty",
                {"level": self.level.value},
            )
        return self

    def contains(self, value: Decimal) -> bool:
        lo, hi = self.lower, self.upper
        if lo is not None and (value < lo or (value == lo and not self.lower_inclusive)):
            return False
        return not (hi is not None and (value > hi or (value == hi and not self.upper_inclusive)))

    def describe(self, symbol: str) -> str:
        """``20–25`` for a closed range, else inequalities such as ``160≤D<320`` or ``D<70``."""
        lo, hi = self.lower, self.upper
        lo_op = "≤" if self.lower_inclusive else "<"
        hi_op = "≤" if self.upper_inclusive else "<"
        if lo is not None and hi is not None:
            if self.lower_inclusive and self.upper_inclusive:
                return f"{format_decimal(lo)}–{format_decimal(hi)}"
            return f"{format_decimal(lo)}{lo_op}{symbol}{hi_op}{format_decimal(hi)}"
        if lo is not None:
            return f"{symbol}{'≥' if self.lower_inclusive else '>'}{format_decimal(lo)}"
        if hi is not None:
            return f"{symbol}{hi_op}{format_decimal(hi)}"
        return f"全部 {symbol}"


def _above(lower_band: Band, upper_band: Band) -> bool:
    """True when ``lower_band`` lies wholly below ``upper_band`` (they share no value)."""
    top, bottom = lower_band.upper, upper_band.lower
    if top is None or bottom is None:
        return False
    return top < bottom or (
        top == bottom and not (lower_band.upper_inclusive and upper_band.lower_inclusive)
    )


class RiskBands(BaseModel):
    """How R (or D) maps to the four levels.

    Valid when the four levels appear once each, highest first; their intervals do not overlap
    and rise with the level; and every value the method can produce falls in exactly one band
    (LS scheme A leaves 13–14 and 17–19 out, which is fine: R never takes those values).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(title="分级方案", min_length=1, max_length=40)
    method: RiskMethod = Field(title="评价方法")
    bands: tuple[Band, ...] = Field(title="分级区间", description="重大、较大、一般、低，依次排列")
    source: str | None = Field(None, title="依据", max_length=200)

    @model_validator(mode="after")
    def _contiguous_cover(self) -> Self:
        levels = tuple(b.level for b in self.bands)
        if levels != _LEVELS_DESC:
            raise PydanticCustomError(
                "bands_levels",
                "分级须依次为重大、较大、一般、低风险各一档，实为 {got} / bands must list 重大, "
                "较大, 一般, 低 once each, highest first; got {got}",
                {"got": "、".join(levels) or "（空）"},
            )
        for hi, lo in pairwise(self.bands):
            if not _above(lo, hi):
                raise PydanticCustomError(
                    "bands_overlap",
                    "{low} 与 {high} 的区间重叠或次序颠倒 / the bands of {low} and {high} "
                    "overlap or are out of order",
                    {"low": lo.level.value, "high": hi.level.value},
                )
        gaps = [v for v in _DOMAIN[self.method] if not any(b.contains(v) for b in self.bands)]
        if gaps:
            shown = "、".join(format_decimal(v) for v in gaps[:8])
            raise PydanticCustomError(
                "bands_gap",
                "{symbol} 的取值 {values} 不属于任何等级 / "
                "{symbol} values {values} fall in no band",
                {"symbol": self.method.symbol, "values": shown},
            )
        return self

    def level_of(self, value: Decimal) -> RiskLevel:
        for band in self.bands:
            if band.contains(value):
                return band.level
        raise ValueError(f"{value} is outside every band of {self.name}")  # unreachable if valid

    def band_for(self, level: RiskLevel) -> Band:
        return next(b for b in self.bands if b.level is level)

    @property
    def boundary_rule(self) -> str | None:
        """Which side a shared boundary value belongs to, in words, or None if none is shared."""
        sides = {
            "higher" if hi.lower_inclusive else "lower"
            for hi, lo in pairwise(self.bands)
            if hi.lower is not None and hi.lower == lo.upper
        }
        if sides == {"higher"}:
            return "分界值归入较高等级"
        if sides == {"lower"}:
            return "分界值归入较低等级"
        return None

    def describe(self) -> str:
        """The text to print under a table, e.g. ``风险矩阵法 R=L×S：20–25 重大风险（红）；…``."""
        parts = [
            f"{b.describe(self.method.symbol)} {b.level.value}（{b.level.colour.zh}）"
            for b in self.bands
        ]
        text = f"{self.method.zh} {self.method.formula}：" + "；".join(parts)
        rule = self.boundary_rule
        return f"{text}；{rule}" if rule else text


def _closed(level: RiskLevel, lower: int, upper: int) -> Band:
    return Band(level=level, lower=Decimal(lower), upper=Decimal(upper))


def _ls(name: str, source: str, cuts: tuple[int, int, int, int, int, int]) -> RiskBands:
    a, b, c, d, e, f = cuts
    return RiskBands(
        name=name,
        method=RiskMethod.LS,
        source=source,
        bands=(
            _closed(RiskLevel.MAJOR, a, 25),
            _closed(RiskLevel.SIGNIFICANT, b, c),
            _closed(RiskLevel.GENERAL, d, e),
            _closed(RiskLevel.LOW, 1, f),
        ),
    )


# Published LS bands differ (domain-facts.md); A is the default, never claimed as Chengdu's.
LS_SCHEME_A: Final = _ls(
    "LS-A", "最常见的分级（一般认为出自山东 DB37/T 2882）", (20, 15, 16, 9, 12, 8)
)
LS_SCHEME_B: Final = _ls("LS-B", "另一种公开分级", (17, 11, 16, 5, 10, 4))
LS_SCHEME_C: Final = _ls("LS-C", "另一种公开分级", (20, 9, 16, 4, 8, 3))
LS_SCHEME_D: Final = _ls("LS-D", "煤矿常用分级", (20, 10, 16, 4, 9, 3))


def _lec(name: str, *, lower_inclusive: bool) -> RiskBands:
    def band(level: RiskLevel, lo: int | None, hi: int | None) -> Band:
        return Band(
            level=level,
            lower=None if lo is None else Decimal(lo),
            upper=None if hi is None else Decimal(hi),
            lower_inclusive=lower_inclusive,
            upper_inclusive=not lower_inclusive,
        )

    rule = "含下限" if lower_inclusive else "含上限"
    return RiskBands(
        name=name,
        method=RiskMethod.LEC,
        source=f"LEC 常用四级划分（320/160/70，{rule}）",
        bands=(
            band(RiskLevel.MAJOR, 320, None),
            band(RiskLevel.SIGNIFICANT, 160, 320),
            band(RiskLevel.GENERAL, 70, 160),
            band(RiskLevel.LOW, None, 70),
        ),
    )


# LEC four levels: D ≥ 320 重大, 160 ≤ D < 320 较大, 70 ≤ D < 160 一般, D < 70 低 (lower bound in).
LEC_FOUR_LEVEL: Final = _lec("LEC-4", lower_inclusive=True)
# The other reading found in sources: D > 320, 160 < D ≤ 320, 70 < D ≤ 160, D ≤ 70.
LEC_FOUR_LEVEL_UPPER: Final = _lec("LEC-4-upper", lower_inclusive=False)

DEFAULT_LS_BANDS: Final = LS_SCHEME_A
DEFAULT_LEC_BANDS: Final = LEC_FOUR_LEVEL

#: Every shipped scheme by name.
BANDS: Final[Mapping[str, RiskBands]] = MappingProxyType({
    b.name: b
    for b in (LS_SCHEME_A, LS_SCHEME_B, LS_SCHEME_C, LS_SCHEME_D, LEC_FOUR_LEVEL,
              LEC_FOUR_LEVEL_UPPER)
})


# Bands in force per profile (published schemes differ, domain-facts.md): "profile" or
# "profile:lec" → scheme name. Set once at start-up from AZX_RISK_BANDS.
_PROFILE_BANDS: dict[str, str] = {}


def configure_profile_bands(mapping: Mapping[str, str]) -> None:
    """Choose the scheme per profile, e.g. ``{"chengdu": "LS-B", "chengdu:lec": "LEC-4-upper"}``."""
    for key, name in mapping.items():
        scheme = bands_by_name(name, path=("AZX_RISK_BANDS", key))
        wanted = RiskMethod.LEC if key.endswith(":lec") else RiskMethod.LS
        if scheme.method != wanted:
            raise DomainValidationError.single(
                ("AZX_RISK_BANDS", key), "risk.bands.method",
                f"“{key}”须使用{wanted.value}方案", f"{key!r} needs a {wanted.value} scheme")
    _PROFILE_BANDS.clear()
    _PROFILE_BANDS.update(mapping)


def profile_bands(profile: str, method: str = "ls") -> RiskBands:
    """The bands in force for ``profile`` and ``method`` ("ls" or "lec")."""
    key = f"{profile}:lec" if method == "lec" else profile
    if key in _PROFILE_BANDS:
        return BANDS[_PROFILE_BANDS[key]]
    return DEFAULT_LEC_BANDS if method == "lec" else DEFAULT_LS_BANDS


def bands_by_name(name: str, *, path: tuple[PathPart, ...] = ()) -> RiskBands:
    """A shipped scheme (``LS-A`` … ``LS-D``, ``LEC-4``, ``LEC-4-upper``)."""
    try:
        return BANDS[name]
    except KeyError:
        known = "、".join(BANDS)
        raise DomainValidationError.single(
            path, "risk.bands.unknown",
            f"未知的风险分级方案“{name}”，可选：{known}",
            f"unknown risk band scheme {name!r}; known: {', '.join(BANDS)}",
        ) from None


# --- Evaluation ---------------------------------------------------------------------------------


class RiskEvaluation(BaseModel):
    """One evaluated risk: factors, product, level and the bands that gave the level."""

    model_config = ConfigDict(frozen=True)

    method: RiskMethod
    factors: dict[str, Decimal]
    value: Decimal
    level: RiskLevel
    bands_name: str
    bands_text: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def colour(self) -> RiskColour:
        return self.level.colour

    @computed_field  # type: ignore[prop-decorator]
    @property
    def colour_hex(self) -> str:
        return self.level.colour_hex

    @property
    def value_text(self) -> str:
        return format_decimal(self.value)


_FACTOR_ZH: Final = {"L": "可能性", "S": "严重性", "E": "暴露频繁程度", "C": "后果"}


def _exact(x: object) -> Decimal | None:
    """The exact decimal a number stands for; None for non-numbers, bools, NaN and infinities."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(repr(x)) if math.isfinite(x) else None  # repr: 0.1 → Decimal('0.1')
    if isinstance(x, Decimal):
        return x if x.is_finite() else None
    return None


def _factors(
    method: RiskMethod,
    given: dict[str, object],
    scales: dict[str, Mapping[int, str] | Mapping[Decimal, str]],
    path: tuple[PathPart, ...],
) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    problems: list[Problem] = []
    for key, raw in given.items():
        scale = scales[key]
        allowed = "、".join(format_decimal(Decimal(v)) for v in scale)
        value = _exact(raw)
        if value is not None and value in scale:
            out[key] = Decimal(next(k for k in scale if k == value))  # the table's own spelling
            continue
        shown = str(raw) if isinstance(raw, int | float | Decimal) else repr(raw)
        problems.append(Problem(
            (*path, key),
            f"risk.{method.value.lower()}.{key.lower()}.off_scale",
            f"{_FACTOR_ZH[key]} {key}={shown} 不在{method.zh}的取值表内（应为 {allowed} 之一）",
            f"{key}={shown} is not on the {method.value} scale (must be one of "
            f"{allowed.replace('、', ', ')})",
        ))
    if problems:
        raise OffScaleError(problems)
    return out


def _check_method(bands: RiskBands, method: RiskMethod, path: tuple[PathPart, ...]) -> None:
    if bands.method is not method:
        raise DomainValidationError.single(
            path, "risk.bands.method_mismatch",
            f"分级方案 {bands.name} 用于{bands.method.zh}，不能用于{method.zh}",
            f"band scheme {bands.name} is for {bands.method.value}, not {method.value}",
        )


def evaluate_ls(
    l: object,  # noqa: E741 — L is the standard's name
    s: object,
    bands: RiskBands = DEFAULT_LS_BANDS,
    *,
    path: tuple[PathPart, ...] = (),
) -> RiskEvaluation:
    """风险矩阵法: R = L × S with L, S integers 1–5, level from ``bands`` (default scheme A).

    Raises :class:`OffScaleError` naming every factor that is off its scale (0, 6, 2.5, −1, NaN).
    """
    _check_method(bands, RiskMethod.LS, path)
    f = _factors(RiskMethod.LS, {"L": l, "S": s}, {"L": LS_L, "S": LS_S}, path)
    value = f["L"] * f["S"]  # R = L × S
    return RiskEvaluation(
        method=RiskMethod.LS, factors=f, value=value, level=bands.level_of(value),
        bands_name=bands.name, bands_text=bands.describe(),
    )


def evaluate_lec(
    l: object,  # noqa: E741 — L is the standard's name
    e: object,
    c: object,
    bands: RiskBands = DEFAULT_LEC_BANDS,
    *,
    path: tuple[PathPart, ...] = (),
) -> RiskEvaluation:
    """作业条件危险性分析法: D = L × E × C on the standard value tables, exactly.

    Level from ``bands`` (default: D ≥ 320 重大, 160 ≤ D < 320 较大, 70 ≤ D < 160 一般, D < 70 低).
    """
    _check_method(bands, RiskMethod.LEC, path)
    f = _factors(
        RiskMethod.LEC, {"L": l, "E": e, "C": c}, {"L": LEC_L, "E": LEC_E, "C": LEC_C}, path
    )
    value = f["L"] * f["E"] * f["C"]  # D = L × E × C
    return RiskEvaluation(
        method=RiskMethod.LEC, factors=f, value=value, level=bands.level_of(value),
        bands_name=bands.name, bands_text=bands.describe(),
    )


def check_declared_level(
    declared: RiskLevel | str | None,
    computed: RiskEvaluation | RiskLevel,
    path: tuple[PathPart, ...],
) -> None:
    """Refuse a client-sent level that contradicts the computed one; it is never overwritten.

    ``None`` (nothing declared) passes. Raises :class:`LevelMismatchError`, or
    :class:`DomainValidationError` when ``declared`` names no level.
    """
    if declared is None:
        return
    level = declared if isinstance(declared, RiskLevel) else parse_level(declared)
    if level is None:
        raise DomainValidationError.single(
            path, "risk.level.unknown",
            f"风险等级“{declared}”无效，应为重大风险、较大风险、一般风险或低风险",
            f"risk level {declared!r} is not one of 重大风险, 较大风险, 一般风险, 低风险",
        )
    got = computed.level if isinstance(computed, RiskEvaluation) else computed
    if level is got:
        return
    how_zh = how_en = ""
    if isinstance(computed, RiskEvaluation):
        how_zh = f"（{computed.method.symbol}={computed.value_text}，{computed.bands_text}）"
        how_en = f" ({computed.method.symbol}={computed.value_text}, scheme {computed.bands_name})"
    raise LevelMismatchError([Problem(
        path, "risk.level.mismatch",
        f"填写的风险等级“{level.value}”与计算结果“{got.value}”不一致{how_zh}",
        f"declared level {level.value} contradicts the computed level {got.value}{how_en}",
    )])
