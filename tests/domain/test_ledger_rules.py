"""The pure rules of issue 15: fee floors (温州 第六条, 山东 7.2), sampling bands and the
reproducible draw (山东 8.1 b, c), coverage figures (山东 8.1 a)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.coverage import PolicyCoverage, quarter_bounds, quarterly, realtime
from domain.fees import accrual_amount, floors, totals
from domain.sampling import BANDS, Unit, band_of, draw, period_bounds, period_problem, seed_for

D = Decimal


@pytest.mark.parametrize(("premium", "share", "amount"), [
    ("85000.00", "35", "29750.00"), ("0.03", "35", "0.01"), ("1000.00", "20.5", "205.00"),
    ("333.33", "33.33", "111.10"),
])
def test_accrual_is_premium_times_share_to_the_cent(premium: str, share: str,
                                                   amount: str) -> None:
    assert accrual_amount(D(premium), D(share)) == D(amount)


def test_wenzhou_floor_is_35_percent_of_premium_and_shandong_pools_30_percent() -> None:
    f = totals([("accrual", D("34000"), D("100000")), ("expenditure", D("20000"), None),
                ("pooling", D("10000"), None)])
    assert (f.accrued, f.spent, f.pooled, f.balance) == (D(34000), D(20000), D(10000), D(14000))
    (w,) = floors("wenzhou", f)  # 温州 第六条: 35,000 needed
    assert (w.required, w.met) == (D("35000.00"), False)
    (s,) = floors("shandong", f)  # 山东 7.2: 30 % of 34,000 = 10,200 pooled
    assert (s.required, s.met) == (D("10200.00"), False)
    assert floors("chengdu", f) == [] and floors("national", f) == []


@pytest.mark.parametrize(("kind", "amount", "band"), [
    ("post_policy", "4999.99", 1), ("post_policy", "5000", 2), ("post_policy", "14999.99", 2),
    ("post_policy", "15000", 3), ("post_policy", "30000", 4), ("post_policy", "99999.99", 4),
    ("post_policy", "100000", 5), ("post_policy", "300000", 6), ("post_policy", "0", 1),
    ("post_claim", "9999.99", None), ("post_claim", "10000", 1), ("post_claim", "100000", 2),
    ("post_claim", "499999.99", 2), ("post_claim", "500000", 3), ("post_claim", "1000000", 4),
])
def test_bands_of_shandong_8_1(kind: str, amount: str, band: int | None) -> None:
    got = band_of(kind, D(amount))
    assert (got.no if got else None) == band


def test_band_rates_are_the_standards() -> None:
    assert [b.rate_percent for b in BANDS["post_policy"]] == [10, 10, 20, 20, 40, 40]
    assert [b.rate_percent for b in BANDS["post_claim"]] == [10, 30, 100, 100]


units_st = st.lists(st.tuples(st.text("ABC0123456789", min_size=1, max_size=8),
                              st.decimals(0, 2_000_000, places=2)),
                    max_size=60, unique_by=lambda t: t[0])


@given(units_st, st.sampled_from(["post_policy", "post_claim"]))
def test_the_draw_rounds_up_takes_one_from_every_band_and_is_reproducible(
        raw: list[tuple[str, Decimal]], kind: str) -> None:
    units = [Unit(i, a) for i, a in raw]
    seed = seed_for("人保济南", None, kind, "2026-06" if kind == "post_policy" else "2026Q2")
    first = draw(kind, units, seed)
    assert first == draw(kind, list(reversed(units)), seed)  # order of the population is moot
    for d in first:
        assert len(d.drawn) == math.ceil(len(d.population) * d.band.rate_percent / 100)
        assert (len(d.drawn) >= 1) == (len(d.population) >= 1)
        ranks = sorted(d.population,
                       key=lambda u: hashlib.sha256(f"{seed}|{u}".encode()).hexdigest())
        assert set(d.drawn) == set(ranks[:len(d.drawn)])


def test_seed_depends_on_insurer_branch_and_period() -> None:
    a = seed_for("人保济南", None, "post_policy", "2026-06")
    assert a == hashlib.sha256("azx-sampling/1|人保济南||post_policy|2026-06".encode()).hexdigest()
    assert len({a, seed_for("人保青岛", None, "post_policy", "2026-06"),
                seed_for("人保济南", "历下", "post_policy", "2026-06"),
                seed_for("人保济南", None, "post_policy", "2026-07")}) == 4


@pytest.mark.parametrize(("kind", "period", "ok"), [
    ("post_policy", "2026-06", True), ("post_policy", "2026-6", False),
    ("post_policy", "2026Q2", False), ("post_claim", "2026Q4", True),
    ("post_claim", "2026Q5", False), ("post_claim", "1999Q1", False),
])
def test_periods(kind: str, period: str, ok: bool) -> None:
    assert (period_problem(kind, period) is None) == ok


def test_period_and_quarter_bounds() -> None:
    assert period_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_bounds("2026Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert quarter_bounds(dt.date(2026, 11, 5)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert quarter_bounds(dt.date(2026, 1, 1)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_coverage_figures() -> None:
    d = dt.date
    ps = [PolicyCoverage("A", d(2026, 1, 1), d(2026, 12, 31), True, False),
          PolicyCoverage("B", d(2026, 1, 1), d(2026, 12, 31), False, False),
          PolicyCoverage("C", d(2025, 7, 1), d(2026, 6, 30), True, True),
          PolicyCoverage("D", d(2025, 5, 1), d(2026, 4, 30), True, False)]
    rt = realtime(ps, d(2026, 7, 1))  # 山东 8.1 a) in force on 1 July: A, B
    assert (rt.covered, rt.not_covered, rt.rate) == (("A",), ("B",), D("50.00"))
    q = quarterly(ps, d(2026, 4, 1), d(2026, 6, 30))  # ended in Q2: C, D
    assert (q.covered, q.not_covered, q.rate) == (("C",), ("D",), D("50.00"))
    assert realtime([], d(2026, 1, 1)).rate is None
