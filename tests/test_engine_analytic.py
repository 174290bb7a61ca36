"""The fast engine reproduces the closed-form expectations within Monte Carlo error.

Each case is a plan feature the engines must get right (lag, ramp, hires, seasonality,
channels, counts, ranges, open pipeline). A mean within 4 standard errors of the closed
form is expected in all but about 6 in 100,000 checks for a correct engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator import analytic, engine, reference
from simulator.plan import KpiSet
from tests.conftest import make_plan

Z = 4.0

TWO_CHANNELS = [
    {
        "key": "calls",
        "volume_from": "team",
        "stages": [{"key": "connect", "rate": 0.12}, {"key": "opportunity", "rate": 0.15}],
    },
    {
        "key": "inbound",
        "volume_per_month": 40,
        "stages": [{"key": "opportunity", "rate": 0.35}],
    },
]

CASES = {
    "fixed_no_lag": {},
    "fixed_lag_2": {"sales_cycle_months": 2},
    "fractional_lag": {"sales_cycle_months": 1.5},
    "range_lag": {"sales_cycle_months": {"low": 1, "high": 4}},
    "ramp_and_hires": {
        "months": 12,
        "team": {
            "reps": 3,
            "calls_per_rep_per_day": 45,
            "working_days_per_month": None,
            "ramp_months": 3,
            "hires": [
                {"month": "2027-06", "change": 2},
                {"month": "2027-10", "change": -1},
            ],
        },
    },
    "seasonality": {
        "months": 12,
        "seasonality": [0.8, 0.9, 1.4, 1.0, 0.9, 1.0, 1.0, 0.7, 1.2, 1.0, 1.1, 0.8],
    },
    "several_channels": {"channels": TWO_CHANNELS, "sales_cycle_months": 1},
    "count_rates": {
        "win_rate": {"successes": 21, "trials": 90},
        "channels": [
            {
                "key": "calls",
                "volume_from": "team",
                "stages": [{"key": "opportunity", "rate": {"successes": 15, "trials": 120}}],
            }
        ],
    },
    "ranged_everything": {
        "months": 12,
        "channels": [
            {
                "key": "calls",
                "volume_from": "team",
                "stages": [
                    {"key": "connect", "rate": {"low": 0.08, "high": 0.14}},
                    {"key": "opportunity", "rate": {"low": 0.1, "high": 0.18}},
                ],
            },
            {
                "key": "inbound",
                "volume_per_month": {"low": 30, "high": 60},
                "stages": [{"key": "opportunity", "rate": {"successes": 38, "trials": 100}}],
            },
        ],
        "team": {
            "reps": 5,
            "calls_per_rep_per_day": {"low": 35, "high": 50},
            "working_days_per_month": None,
            "ramp_months": 2,
            "hires": [{"month": "2027-07", "change": 2}],
        },
        "win_rate": {"low": 0.18, "high": 0.26},
        "deal_size": {"low": 600_000, "high": 1_800_000},
        "sales_cycle_months": {"low": 1, "high": 4},
        "seasonality": [1.0, 1.0, 1.3, 1.0, 0.9, 1.0, 1.0, 0.8, 1.1, 1.0, 1.0, 0.9],
    },
    "open_pipeline": {"open_opportunities": 25, "sales_cycle_months": 2.5, "win_rate": 0.3},
}


def _close(simulated: np.ndarray, expected: np.ndarray | float, what: str) -> None:
    simulated = np.asarray(simulated, dtype=float)
    n = simulated.shape[0]
    mean = simulated.mean(axis=0)
    error = simulated.std(axis=0, ddof=1) / np.sqrt(n)
    gap = np.abs(mean - expected)
    # A quantity that is fixed in every trial has zero error: then it must match exactly.
    allowed = np.where(error > 0, Z * error, 1e-9 * np.maximum(1.0, np.abs(expected)))
    assert np.all(gap <= allowed), f"{what}: mean {mean} vs closed form {expected} (SE {error})"


def _check_against_closed_form(plan: KpiSet, result) -> None:
    expect = analytic.expected(plan)
    _close(result.total_revenue, expect.total_revenue, "total revenue")
    _close(result.revenue, expect.revenue, "monthly revenue")
    _close(result.wins, expect.wins, "monthly wins")
    _close(result.carry_over_wins, expect.carry_over_wins, "carry-over wins")
    _close(result.detail.opportunities, expect.opportunities, "monthly opportunities")
    for channel, volume in expect.volumes.items():
        _close(result.detail.volumes[channel], volume, f"{channel} volume")
        for stage, counts in expect.stages[channel].items():
            _close(result.detail.stages[channel][stage], counts, f"{channel}.{stage}")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_fast_engine_reproduces_closed_form_means(case: dict) -> None:
    plan = make_plan(**case)
    _check_against_closed_form(plan, engine.simulate(plan, trials=100_000, seed=11))


@pytest.mark.parametrize(
    "name", ["range_lag", "ramp_and_hires", "open_pipeline", "ranged_everything"]
)
def test_reference_engine_reproduces_closed_form_means(name: str) -> None:
    plan = make_plan(**CASES[name])
    _check_against_closed_form(plan, reference.simulate(plan, trials=20_000, seed=12))


def test_closed_form_chain_by_hand() -> None:
    """4 reps × 40 calls × 20 days = 3,200 calls; ×0.1×0.2 = 64 opportunities; ×0.25 = 16 wins."""
    expect = analytic.expected(make_plan())
    np.testing.assert_allclose(expect.volumes["calls"], 3200.0)
    np.testing.assert_allclose(expect.opportunities, 64.0)
    np.testing.assert_allclose(expect.wins, 16.0)
    np.testing.assert_allclose(expect.revenue, 16 * 500_000.0)
    assert expect.carry_over_wins == pytest.approx(0.0)


def test_lag_moves_wins_later_and_into_carry_over() -> None:
    expect = analytic.expected(make_plan(sales_cycle_months=2))
    np.testing.assert_allclose(expect.wins, [0, 0, 16, 16, 16, 16])
    assert expect.carry_over_wins == pytest.approx(32.0)


def test_expected_revenue_is_the_conditional_mean() -> None:
    """Each trial's expected revenue averages to the closed form (it is unbiased)."""
    plan = make_plan(**CASES["ranged_everything"])
    result = engine.simulate(plan, trials=50_000, seed=3)
    _close(result.expected_revenue, analytic.expected(plan).total_revenue, "expected revenue")
