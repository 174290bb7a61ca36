"""Months of a plan (working days, seasonality, labels), ramping reps and the sales-cycle lag."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simulator import calendar
from simulator.funnel import lag_pmf, ramp_reps
from simulator.uncertain import fit_lognormal

# --------------------------------------------------------------------------- working days


def test_golden_week_2027_05_japan() -> None:
    # May 2027: 1 Sat, 2 Sun. Weekdays: 3-7, 10-14, 17-21, 24-28 (4 x 5) and Mon 31 = 21.
    # Holidays on weekdays: Mon 3 憲法記念日, Tue 4 みどりの日, Wed 5 こどもの日 -> 21 - 3 = 18.
    assert calendar.working_days("2027-05", 1, "JP").tolist() == [18.0]


def test_april_2027_japan() -> None:
    # April 2027: 1 Thu. Weekdays: 1-2, 5-9, 12-16, 19-23, 26-30 = 2 + 4 x 5 = 22.
    # Holiday: Thu 29 昭和の日 -> 21.
    assert calendar.working_days("2027-04", 1, "JP").tolist() == [21.0]


def test_weekdays_are_counted_independently_of_the_holidays_package() -> None:
    # 2027-05 again, from first principles: weekdays in May minus the three GW holidays.
    days = [dt.date(2027, 5, d) for d in range(1, 32)]
    weekdays = [d for d in days if d.weekday() < 5]
    assert len(weekdays) == 21
    golden_week = {dt.date(2027, 5, 3), dt.date(2027, 5, 4), dt.date(2027, 5, 5)}
    assert golden_week <= set(weekdays)
    assert calendar.working_days("2027-05", 1, "JP")[0] == len(weekdays) - len(golden_week)


def test_year_end_closure_december_and_january() -> None:
    # December 2027: 1 Wed. Weekdays: 1-3, 6-10, 13-17, 20-24, 27-31 = 3 + 4 x 5 = 23, no
    # public holiday. The closure takes Wed 29, Thu 30, Fri 31 -> 20.
    # January 2028: 1 Sat. Weekdays: 3-7, 10-14, 17-21, 24-28, 31 = 21, minus Mon 10
    # 成人の日 = 20 (元日 is a Saturday). The closure takes Mon 3 (1 Sat, 2 Sun) -> 19.
    without = calendar.working_days("2027-12", 2, "JP")
    with_closure = calendar.working_days("2027-12", 2, "JP", year_end_closure=True)
    assert without.tolist() == [23.0, 20.0]
    assert with_closure.tolist() == [20.0, 19.0]


def test_year_end_closure_changes_only_december_and_january() -> None:
    without = calendar.working_days("2027-04", 12, "JP")
    with_closure = calendar.working_days("2027-04", 12, "JP", year_end_closure=True)
    difference = without - with_closure
    # Months 2027-04 .. 2028-03: December is index 8, January index 9.
    assert difference.tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0]


def test_fy2027_japan_working_days() -> None:
    # Weekdays minus weekday holidays, month by month (counted by hand):
    # 2027-04 22 - 昭和の日 Thu 29 = 21
    # 2027-05 21 - 憲法記念日 Mon 3, みどりの日 Tue 4, こどもの日 Wed 5 = 18
    # 2027-06 22 (no holiday) = 22
    # 2027-07 22 - 海の日 Mon 19 = 21
    # 2027-08 22 - 山の日 Wed 11 = 21
    # 2027-09 22 - 敬老の日 Mon 20, 秋分の日 Thu 23 = 20
    # 2027-10 21 - スポーツの日 Mon 11 = 20
    # 2027-11 22 - 文化の日 Wed 3, 勤労感謝の日 Tue 23 = 20
    # 2027-12 23 (no holiday) = 23
    # 2028-01 21 - 成人の日 Mon 10 = 20 (元日 is a Saturday)
    # 2028-02 21 (leap year) - 建国記念の日 Fri 11, 天皇誕生日 Wed 23 = 19
    # 2028-03 23 - 春分の日 Mon 20 = 22
    assert calendar.working_days("2027-04", 12, "JP").tolist() == [
        21, 18, 22, 21, 21, 20, 20, 20, 23, 20, 19, 22,
    ]  # fmt: skip


def test_us_holidays_differ_from_japan() -> None:
    # US May 2027: 21 weekdays minus Memorial Day (Mon 31) = 20; Japan: 18 (Golden Week).
    assert calendar.working_days("2027-05", 1, "US").tolist() == [20.0]
    jp = calendar.working_days("2027-04", 12, "JP")
    us = calendar.working_days("2027-04", 12, "US")
    assert not np.array_equal(jp, us)
    assert us.sum() > jp.sum()


def test_override_gives_constant_days() -> None:
    days = calendar.working_days("2027-04", 7, "JP", override=19.5)
    assert days.tolist() == [19.5] * 7
    assert days.dtype == float
    closed = calendar.working_days("2027-12", 2, "JP", year_end_closure=True, override=0)
    assert closed.tolist() == [0.0, 0.0]


def test_working_days_span_years_and_never_exceed_weekdays() -> None:
    days = calendar.working_days("2027-04", 36, "JP", year_end_closure=True)
    assert days.shape == (36,)
    assert np.all((days >= 15) & (days <= 23))


# --------------------------------------------------------------------------- months and labels


def test_month_sequence_across_year_boundary() -> None:
    assert calendar.month_sequence("2027-11", 4) == [(2027, 11), (2027, 12), (2028, 1), (2028, 2)]
    assert calendar.month_keys("2027-11", 4) == ["2027-11", "2027-12", "2028-01", "2028-02"]


def test_month_sequence_long_horizon() -> None:
    sequence = calendar.month_sequence("2027-04", 36)
    assert sequence[0] == (2027, 4)
    assert sequence[8] == (2027, 12)
    assert sequence[9] == (2028, 1)
    assert sequence[-1] == (2030, 3)
    assert calendar.month_sequence("2027-04", 0) == []


def test_month_label() -> None:
    assert calendar.month_label(2027, 4) == "2027年4月"
    assert calendar.month_label(2027, 4, "ja") == "2027年4月"
    assert calendar.month_label(2027, 12, "en") == "Dec 2027"
    assert calendar.month_label(2028, 1, "en") == "Jan 2028"


def test_seasonality_factors_follow_calendar_months() -> None:
    seasonality = [0.1 * (i + 1) for i in range(12)]  # January 0.1 ... December 1.2
    factors = calendar.seasonality_factors("2027-04", 12, seasonality)
    assert factors[0] == seasonality[3]  # April
    assert factors[8] == seasonality[11]  # December
    assert factors[9] == seasonality[0]  # January
    assert factors.tolist() == seasonality[3:] + seasonality[:3]
    longer = calendar.seasonality_factors("2027-04", 15, seasonality)
    assert longer[12:].tolist() == seasonality[3:6]


# --------------------------------------------------------------------------- ramp_reps


def test_ramp_reps_hire_ramps_over_three_months() -> None:
    # 5 reps; +2 in month 3 with a 3-month ramp: months 3, 4, 5 add 2/3, 4/3, 2.
    reps = ramp_reps(5, [(3, 2)], 6, 3)
    np.testing.assert_allclose(reps, [5, 5, 5, 5 + 2 / 3, 5 + 4 / 3, 7])


def test_ramp_reps_without_ramp_is_full_at_once() -> None:
    assert ramp_reps(5, [(3, 2)], 6, 0).tolist() == [5, 5, 5, 7, 7, 7]


def test_ramp_reps_ramp_of_one_month_is_full_at_once() -> None:
    assert ramp_reps(5, [(3, 2)], 6, 1).tolist() == [5, 5, 5, 7, 7, 7]


def test_ramp_reps_leaver_is_removed_in_full_from_that_month() -> None:
    assert ramp_reps(5, [(2, -1)], 6, 3).tolist() == [5, 5, 4, 4, 4, 4]


def test_ramp_reps_several_changes_add_up() -> None:
    reps = ramp_reps(3, [(1, 1), (2, -1), (4, 2)], 6, 2)
    # hire in 1: +1/2, +1, +1 ...; leaver in 2: -1 from month 2; hires in 4: +1, +2.
    np.testing.assert_allclose(reps, [3, 3.5, 3, 3, 4, 5])


def test_ramp_reps_never_below_zero() -> None:
    assert ramp_reps(1, [(1, -3)], 3, 0).tolist() == [1, 0, 0]
    assert ramp_reps(0, [(0, -1)], 2, 3).tolist() == [0, 0]


def test_ramp_reps_ignores_changes_after_horizon() -> None:
    assert ramp_reps(5, [(6, 2), (9, -5)], 6, 3).tolist() == [5] * 6


def test_ramp_reps_long_ramp_beyond_horizon() -> None:
    np.testing.assert_allclose(ramp_reps(0, [(0, 6)], 3, 6), [1, 2, 3])


# --------------------------------------------------------------------------- lag_pmf


def test_lag_fixed_whole_months() -> None:
    assert lag_pmf(2, 6).tolist() == [0, 0, 1, 0, 0, 0, 0]
    assert lag_pmf(0, 3).tolist() == [1, 0, 0, 0]


def test_lag_fixed_half_month_splits_between_neighbours() -> None:
    assert lag_pmf(2.5, 6).tolist() == [0, 0, 0.5, 0.5, 0, 0, 0]
    pmf = lag_pmf(1.25, 6)
    np.testing.assert_allclose(pmf, [0, 0.75, 0.25, 0, 0, 0, 0])
    assert pmf @ np.arange(7) == pytest.approx(1.25)


@pytest.mark.parametrize("cycle", [6, 6.5, 10, 36])
def test_lag_fixed_at_or_beyond_horizon_is_all_tail(cycle: float) -> None:
    assert lag_pmf(cycle, 6).tolist() == [0, 0, 0, 0, 0, 0, 1]


def test_lag_fixed_straddling_the_horizon() -> None:
    assert lag_pmf(5.5, 6).tolist() == [0, 0, 0, 0, 0, 0.5, 0.5]


def test_lag_point_mass_range() -> None:
    assert lag_pmf({"low": 2, "high": 2}, 4).tolist() == [0, 0, 1, 0, 0]


def test_lag_range_sums_to_one_with_the_lognormal_mean() -> None:
    pmf = lag_pmf({"low": 1, "high": 3}, 36)
    assert pmf.shape == (37,)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(pmf >= 0)
    # The lognormal with P10 1 and P90 3 has mean 1.899; rounding to whole months
    # moves the mean by a few hundredths at most.
    assert fit_lognormal(1, 3).mean() == pytest.approx(1.8987, abs=1e-4)
    assert pmf @ np.arange(37) == pytest.approx(fit_lognormal(1, 3).mean(), abs=0.02)
    assert pmf[-1] < 1e-6  # hardly any deal takes three years
    assert int(np.argmax(pmf)) == 2


def test_lag_range_rounds_to_nearest_month() -> None:
    dist = fit_lognormal(1, 3)
    pmf = lag_pmf({"low": 1, "high": 3}, 12)
    assert pmf[0] == pytest.approx(dist.cdf(0.5))
    assert pmf[1] == pytest.approx(dist.cdf(1.5) - dist.cdf(0.5))
    assert pmf[2] == pytest.approx(dist.cdf(2.5) - dist.cdf(1.5))


def test_lag_long_range_has_a_tail_entry() -> None:
    # P10 3, P90 8 over a 6-month horizon: everything from 5.5 months on is in the tail.
    pmf = lag_pmf({"low": 3, "high": 8}, 6)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert pmf[-1] == pytest.approx(fit_lognormal(3, 8).sf(5.5), rel=1e-9)
    assert pmf[-1] == pytest.approx(0.3812, abs=1e-4)
    assert pmf[-1] == pmf.max()
