"""Partial pooling: the closed form for a known prior, the team's rate without data, pooled
rates between raw and team, and the empirical-Bayes strength against simulated teams."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulator import pooling
from simulator.plan import parse_plan
from tests.conftest import plan_dict


def test_pooled_rate_is_the_beta_posterior_mean_for_a_known_prior() -> None:
    prior = pooling.Prior(mean=0.2, strength=50.0, estimated=True)
    # Beta(10, 40) prior, 3 wins in 5: posterior Beta(13, 42), mean 13/55.
    assert pooling.pooled_mean(3, 5, prior) == pytest.approx(13 / 55, rel=1e-15)
    assert pooling.pooled_mean(3, 5, prior) == pytest.approx(stats.beta(13, 42).mean())
    assert (prior.alpha, prior.beta) == pytest.approx((10.0, 40.0))


def test_a_new_rep_with_three_wins_in_five_is_not_planned_at_sixty_percent() -> None:
    # Nine tenured reps close around 20%; the new one has 3 of 5.
    counts = [(20, 100), (22, 100), (18, 100), (19, 100), (21, 100)] * 2
    counts = [*counts[:9], (3, 5)]
    prior, rates = pooling.pool(0.2, counts)
    assert prior.estimated and prior.strength > 50
    assert rates[-1].raw == 0.6
    assert 0.2 < rates[-1].pooled < 0.25
    assert rates[-1].weight == pytest.approx(5 / (5 + prior.strength))


def test_a_member_without_data_gets_the_team_rate() -> None:
    _, rates = pooling.pool(0.15, [(30, 200), None, (10, 40)])
    assert rates[1].source == "team"
    assert rates[1].pooled == 0.15
    assert rates[1].raw is None


def test_fewer_than_two_members_with_counts_use_the_default_strength() -> None:
    prior, rates = pooling.pool(0.3, [(0, 4), None])
    assert not prior.estimated and prior.strength == pooling.DEFAULT_STRENGTH
    assert rates[0].pooled == pytest.approx((0 + 0.3 * 20) / (4 + 20))


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.01, 0.99),
    st.lists(
        st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        min_size=1,
        max_size=12,
    ),
)
def test_pooled_rates_lie_between_raw_and_team(mean: float, counts: list) -> None:
    prior, rates = pooling.pool(mean, counts)
    assert pooling.MIN_STRENGTH * 0.999 <= prior.strength <= pooling.MAX_STRENGTH * 1.001
    for (s, n), rate in zip(counts, rates, strict=True):
        low, high = sorted((s / n, mean))
        assert low - 1e-12 <= rate.pooled <= high + 1e-12
        assert rate.pooled == pytest.approx(
            rate.weight * rate.raw + (1 - rate.weight) * mean, abs=1e-12
        )


@pytest.mark.parametrize("strength", [10.0, 100.0])
def test_empirical_bayes_recovers_the_spread_of_a_simulated_team(strength: float) -> None:
    rng = np.random.default_rng(5)
    mean = 0.2
    rates = rng.beta(strength * mean, strength * (1 - mean), size=400)
    trials = rng.integers(50, 400, size=400)
    counts = list(zip(rng.binomial(trials, rates).tolist(), trials.tolist(), strict=True))
    prior = pooling.fit_prior(mean, counts)
    # 400 members pin κ within about ±30% (its sampling error at this size is ~10–15%).
    assert strength / 1.4 < prior.strength < strength * 1.4


def test_identical_members_pool_fully() -> None:
    prior = pooling.fit_prior(0.2, [(20, 100)] * 6)
    assert prior.strength > 1e5


def test_pool_plan_reads_counts_and_takes_ranges_as_given() -> None:
    data = plan_dict()
    data["team"]["members"] = [
        {"name": "a", "rates": {"connect": {"successes": 30, "trials": 200}}},
        {"name": "b", "rates": {"connect": {"successes": 10, "trials": 200}, "win_rate": 0.4}},
        {"name": "c"},
    ]
    stages = {s.key: s for s in pooling.pool_plan(parse_plan(data))}
    assert set(stages) == {"connect", "opportunity", "win_rate"}
    connect = stages["connect"]
    assert connect.path == "channels.calls.stages.connect.rate"
    assert [r.source for r in connect.members] == ["pooled", "pooled", "team"]
    assert connect.members[2].pooled == 0.1
    win = stages["win_rate"]
    assert [r.source for r in win.members] == ["team", "own", "team"]
    assert win.members[1].pooled == 0.4
