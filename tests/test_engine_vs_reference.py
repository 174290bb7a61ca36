"""The fast engine against the reference engine, on every sample plan.

The two engines run with different seeds, so their samples are independent. For each
decile q of the fast engine's sample, the share of reference trials below it must be
q within 4 standard errors of a difference of two proportions; and a two-sample
Kolmogorov–Smirnov test must not reject at the 0.1% level.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator import engine, reference
from simulator.plan import KpiSet

FAST_TRIALS = 100_000
REFERENCE_TRIALS = 20_000


@pytest.fixture(scope="module")
def runs() -> dict:
    return {}


def _pair(plan: KpiSet, cache: dict) -> tuple:
    if plan.name not in cache:
        cache[plan.name] = (
            engine.simulate(plan, trials=FAST_TRIALS, seed=101),
            reference.simulate(plan, trials=REFERENCE_TRIALS, seed=202),
        )
    return cache[plan.name]


def _same_distribution(fast: np.ndarray, ref: np.ndarray, what: str) -> None:
    n1, n2 = fast.size, ref.size
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        cut = np.quantile(fast, q)
        share_fast = np.mean(fast <= cut)
        share_ref = np.mean(ref <= cut)
        p = 0.5 * (share_fast + share_ref)
        error = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        assert abs(share_fast - share_ref) <= 4 * error + 1e-12, (
            f"{what}: at the fast engine's {q:.0%} quantile {cut:,.0f}, "
            f"{share_ref:.4f} of reference trials lie below vs {share_fast:.4f}"
        )
    test = stats.ks_2samp(fast, ref)
    assert test.pvalue > 0.001, f"{what}: KS statistic {test.statistic:.4f}, p = {test.pvalue:.2g}"


@pytest.mark.parametrize(
    "metric",
    ["revenue", "wins", "opportunities", "carry_over_wins", "first_channel_volume"],
)
def test_fast_engine_matches_reference(sample_plan: KpiSet, metric: str, runs: dict) -> None:
    fast, ref = _pair(sample_plan, runs)

    def values(result) -> np.ndarray:
        if metric == "revenue":
            return result.total_revenue
        if metric == "wins":
            return result.wins.sum(axis=1)
        if metric == "opportunities":
            return result.detail.opportunities.sum(axis=1)
        if metric == "carry_over_wins":
            return result.carry_over_wins
        key = sample_plan.channels[0].key
        return result.detail.volumes[key].sum(axis=1)

    _same_distribution(values(fast), values(ref), f"{sample_plan.name} {metric}")


def test_monthly_revenue_matches_reference(sample_plan: KpiSet, runs: dict) -> None:
    fast, ref = _pair(sample_plan, runs)
    for month in range(sample_plan.months):
        if ref.revenue[:, month].max() == 0:
            assert fast.revenue[:, month].max() == 0
            continue
        _same_distribution(
            fast.revenue[:, month], ref.revenue[:, month], f"{sample_plan.name} month {month}"
        )


def test_p_target_matches_reference(sample_plan: KpiSet, runs: dict) -> None:
    fast, ref = _pair(sample_plan, runs)
    (p1, e1), (p2, e2) = fast.p_target(), ref.p_target()
    assert abs(p1 - p2) <= 4 * np.hypot(e1, e2)
