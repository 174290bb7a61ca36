"""Uncertain quantities: fitting ranges and counts, and inverse-CDF sampling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from simulator import uncertain
from simulator.uncertain import PointMass, Unfittable


def _sample(value: Any, kind: uncertain.Kind, uniforms: np.ndarray) -> np.ndarray:
    """The quantity at the given uniforms, as the engines draw it: at Φ⁻¹(u)."""
    return uncertain.at_scores(value, kind, special.ndtri(uniforms))


def test_z90_is_the_normal_90th_percentile() -> None:
    assert math.isclose(uncertain.Z90, 1.2815515655446004, rel_tol=1e-15)


# --------------------------------------------------------------------------- fit_beta


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (0.18, 0.26),  # win rate of the SMB sample plan
        (0.10, 0.18),
        (0.03, 0.06),
        (0.20, 0.35),
        (0.30, 0.70),  # symmetric
        (0.4999, 0.5001),  # narrow
        (0.0011, 0.0021),  # narrow, near 0
        (0.997, 0.998),  # narrow, near 1
        (0.01, 0.99),  # wide
        (0.001, 0.999),  # as wide as allowed in the property test below
        (0.001, 0.5),  # wide and skewed
        (0.6, 0.95),
    ],
)
def test_fit_beta_reproduces_both_percentiles(low: float, high: float) -> None:
    dist = uncertain.fit_beta(low, high)
    assert dist.dist.name == "beta"
    p10, p90 = dist.ppf([0.1, 0.9])
    assert p10 == pytest.approx(low, rel=1e-6)
    assert p90 == pytest.approx(high, rel=1e-6)
    assert low < dist.median() < high


def test_fit_beta_symmetric_range_gives_symmetric_beta() -> None:
    a, b = uncertain.fit_beta(0.3, 0.7).args
    assert a == pytest.approx(b, rel=1e-6)
    assert uncertain.fit_beta(0.3, 0.7).mean() == pytest.approx(0.5, abs=1e-9)


def test_fit_beta_mirrors_under_one_minus() -> None:
    a, b = uncertain.fit_beta(0.1, 0.2).args
    a2, b2 = uncertain.fit_beta(0.8, 0.9).args
    assert (a2, b2) == pytest.approx((b, a), rel=1e-6)


def test_fit_beta_narrower_range_is_more_concentrated() -> None:
    wide, narrow = uncertain.fit_beta(0.1, 0.3), uncertain.fit_beta(0.15, 0.25)
    assert narrow.std() < wide.std()
    assert sum(narrow.args) > sum(wide.args)


@settings(max_examples=150, deadline=None)
@given(
    st.floats(min_value=0.001, max_value=0.9979, exclude_min=True).flatmap(
        lambda low: st.tuples(
            st.just(low),
            st.floats(min_value=low + 1e-3, max_value=0.999, exclude_min=True, exclude_max=True),
        )
    )
)
def test_fit_beta_property_percentiles(bounds: tuple[float, float]) -> None:
    # Every range with 0.001 < low < high < 0.999 and high - low > 1e-3 must be fittable:
    # no Unfittable is tolerated in this domain (none occurs in 3,000+ probes).
    low, high = bounds
    assert 0.001 < low < high < 0.999 and high - low > 1e-3
    dist = uncertain.fit_beta(low, high)
    p10, p90 = dist.ppf([0.1, 0.9])
    assert p10 == pytest.approx(low, rel=1e-6)
    assert p90 == pytest.approx(high, rel=1e-6)


@pytest.mark.parametrize(
    ("low", "high"),
    [(0.0, 0.5), (0.5, 1.0), (0.0, 1.0), (-0.1, 0.5), (0.5, 1.1), (0.3, 0.2), (0.3, 0.3)],
)
def test_fit_beta_rejects_ranges_outside_open_unit_interval(low: float, high: float) -> None:
    with pytest.raises(Unfittable) as caught:
        uncertain.fit_beta(low, high)
    assert caught.value.code == "rate_range_bounds"
    assert caught.value.ctx == {"low": low, "high": high}
    assert "0 < low < high < 1" in str(caught.value)


def test_fit_beta_unfittable_extreme_range() -> None:
    # A 10th percentile of 1e-300 and a 90th of 0.5: no Beta has both.
    with pytest.raises(Unfittable) as caught:
        uncertain.fit_beta(1e-300, 0.5)
    assert caught.value.code == "rate_range_unfittable"
    assert "no Beta distribution" in str(caught.value)


# A grid of ranges from narrow to as wide as allowed, near 0, near 1 and in the middle.
_GRID = [0.0005, 0.001, 0.003, 0.01, 0.03, 0.06, 0.1, 0.18, 0.26, 0.4, 0.5, 0.6, 0.8]
_GRID += [0.9, 0.95, 0.99, 0.997, 0.999]
BETA_GRID = [(low, high) for low in _GRID for high in _GRID if low < high]
BETA_GRID += [(0.4999, 0.5001), (0.0011, 0.0021), (0.997, 0.998), (1e-9, 2e-9), (1e-50, 0.5)]


@pytest.mark.parametrize(("low", "high"), BETA_GRID, ids=str)
def test_newton_fit_gives_the_least_squares_parameters(low: float, high: float) -> None:
    """The fast fit (Newton on betaincinv) and the least-squares fit it replaced agree to
    well under 6 significant digits, and fit_beta answers with Newton's."""
    start = uncertain._beta_start(low, high)
    targets = np.log([low, high])
    newton = uncertain._newton_beta(start, targets)
    least_squares = uncertain._least_squares_beta(start, targets)
    assert newton is not None and least_squares is not None
    np.testing.assert_allclose(np.exp(newton), np.exp(least_squares), rtol=1e-7)
    np.testing.assert_allclose(uncertain.fit_beta(low, high).args, np.exp(newton), rtol=1e-15)


@pytest.mark.parametrize(
    ("low", "high"), [(1e-300, 0.5), (1e-200, 0.5), (0.5, 0.500000001), (0.3, 0.3000001)]
)
def test_ranges_no_beta_fits_stay_unfittable(low: float, high: float) -> None:
    uncertain.fit_beta.cache_clear()
    with pytest.raises(Unfittable) as caught:
        uncertain.fit_beta(low, high)
    assert caught.value.code == "rate_range_unfittable"


def test_the_least_squares_fit_serves_where_newton_gives_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(uncertain, "_newton_beta", lambda start, targets: None)
    uncertain.fit_beta.cache_clear()
    try:
        p10, p90 = uncertain.fit_beta(0.1, 0.2).ppf([0.1, 0.9])
        assert (p10, p90) == (pytest.approx(0.1, rel=1e-6), pytest.approx(0.2, rel=1e-6))
        with pytest.raises(Unfittable):
            uncertain.fit_beta(1e-300, 0.5)
    finally:
        uncertain.fit_beta.cache_clear()


# --------------------------------------------------------------------------- lognormal, counts


@pytest.mark.parametrize(
    ("low", "high"),
    [(600_000, 1_800_000), (1, 3), (30, 60), (35, 50), (0.5, 100), (1e-6, 1e6), (10, 10.001)],
)
def test_fit_lognormal_closed_form(low: float, high: float) -> None:
    dist = uncertain.fit_lognormal(low, high)
    mu = (math.log(low) + math.log(high)) / 2
    sigma = math.log(high / low) / (2 * uncertain.Z90)
    assert dist.ppf(0.1) == pytest.approx(low, rel=1e-12)
    assert dist.ppf(0.9) == pytest.approx(high, rel=1e-12)
    assert dist.median() == pytest.approx(math.sqrt(low * high), rel=1e-12)
    assert dist.mean() == pytest.approx(math.exp(mu + sigma**2 / 2), rel=1e-12)
    assert dist.kwds["s"] == pytest.approx(sigma, rel=1e-12)


def test_fit_lognormal_known_numbers() -> None:
    # low 1, high 3: median sqrt(3); sigma = ln 3 / (2 * 1.28155) = 0.428626...
    dist = uncertain.fit_lognormal(1.0, 3.0)
    assert dist.median() == pytest.approx(1.7320508, rel=1e-7)
    assert dist.kwds["s"] == pytest.approx(0.4286262, rel=1e-6)
    assert dist.mean() == pytest.approx(1.8986939, rel=1e-6)


@pytest.mark.parametrize(("low", "high"), [(0.0, 10.0), (-1.0, 10.0), (5.0, 5.0), (5.0, 4.0)])
def test_fit_lognormal_unfittable(low: float, high: float) -> None:
    with pytest.raises(Unfittable) as caught:
        uncertain.fit_lognormal(low, high)
    assert caught.value.code == "positive_range_bounds"
    assert "0 < low < high" in str(caught.value)


@pytest.mark.parametrize(
    ("successes", "trials"), [(38, 100), (0, 10), (10, 10), (18, 120), (0, 1), (500, 1000)]
)
def test_beta_from_counts(successes: int, trials: int) -> None:
    dist = uncertain.beta_from_counts(successes, trials)
    assert dist.args == (successes + 1, trials - successes + 1)
    assert dist.mean() == pytest.approx((successes + 1) / (trials + 2), rel=1e-12)
    assert uncertain.central({"successes": successes, "trials": trials}, "rate") == pytest.approx(
        (successes + 1) / (trials + 2), rel=1e-12
    )


@pytest.mark.parametrize(
    ("quantity", "kind"),
    [
        ({"low": 0.18, "high": 0.26}, "rate"),
        ({"low": 0.001, "high": 0.999}, "rate"),
        ({"successes": 38, "trials": 100}, "rate"),
        ({"low": 600_000, "high": 1_800_000}, "positive"),
        ({"low": 1, "high": 3}, "positive"),
        (0.25, "rate"),
    ],
    ids=str,
)
def test_closed_form_mean_is_scipys(quantity: Any, kind: uncertain.Kind) -> None:
    dist = uncertain.distribution(quantity, kind)
    assert uncertain.mean(dist) == pytest.approx(float(dist.mean()), rel=1e-14)
    assert uncertain.central(quantity, kind) == uncertain.mean(dist)


@pytest.mark.parametrize(("successes", "trials"), [(5, 3), (-1, 3)])
def test_beta_from_counts_rejects_bad_counts(successes: int, trials: int) -> None:
    with pytest.raises(Unfittable) as caught:
        uncertain.beta_from_counts(successes, trials)
    assert caught.value.code == "counts_bounds"


def test_counts_for_a_positive_quantity_are_unfittable() -> None:
    with pytest.raises(Unfittable) as caught:
        uncertain.distribution({"successes": 1, "trials": 2}, "positive")
    assert caught.value.code == "counts_not_rate"


# --------------------------------------------------------------------------- distribution


@pytest.mark.parametrize(
    ("quantity", "kind", "value"),
    [
        (0.25, "rate", 0.25),
        (3, "positive", 3.0),
        ({"low": 0.2, "high": 0.2}, "rate", 0.2),
        ({"low": 5, "high": 5}, "positive", 5.0),
        ({"low": 0.0, "high": 0.0}, "rate", 0.0),  # zero width at the edge is fine
        ({"low": 0, "high": 0}, "positive", 0.0),
    ],
)
def test_number_and_zero_width_range_are_point_masses(
    quantity: Any, kind: uncertain.Kind, value: float
) -> None:
    dist = uncertain.distribution(quantity, kind)
    assert dist == PointMass(value)
    assert not uncertain.is_uncertain(quantity, kind)
    assert uncertain.central(quantity, kind) == value
    assert (dist.mean(), dist.std(), dist.var()) == (value, 0.0, 0.0)
    np.testing.assert_array_equal(dist.ppf(np.array([0.0, 0.5, 1.0])), [value] * 3)
    out = _sample(quantity, kind, np.array([1e-9, 0.3, 1 - 1e-9]))
    np.testing.assert_array_equal(out, [value] * 3)


def test_distribution_dispatches_by_kind() -> None:
    assert uncertain.distribution({"low": 0.1, "high": 0.2}, "rate").dist.name == "beta"
    assert uncertain.distribution({"low": 0.1, "high": 0.2}, "positive").dist.name == "lognorm"
    assert uncertain.distribution({"successes": 1, "trials": 4}, "rate").args == (2, 4)
    assert uncertain.is_uncertain({"low": 1, "high": 2}, "positive")


# --------------------------------------------------------------------------- sample


UNIFORMS = np.random.default_rng(20270401).random(100_000)
EXTREMES = np.array([1e-9, 1e-7, 1e-4, 0.5, 1 - 1e-4, 1 - 1e-7, 1 - 1e-9])

# Rates as plans state them: moderate ranges and counts with both outcomes seen.
TYPICAL_RATES = [
    {"low": 0.18, "high": 0.26},
    {"low": 0.10, "high": 0.18},
    {"low": 0.03, "high": 0.06},
    {"low": 0.15, "high": 0.30},
    {"low": 0.4999, "high": 0.5001},
    {"low": 0.0011, "high": 0.0021},
    {"low": 0.9, "high": 0.99},
    {"successes": 38, "trials": 100},
    {"successes": 18, "trials": 120},
    {"successes": 10, "trials": 10},
]
# Betas with a shape parameter at or below 1 (density unbounded or flat at an edge).
SKEWED_RATES = [
    {"low": 0.001, "high": 0.5},
    {"low": 0.001, "high": 0.999},
    {"successes": 0, "trials": 10},
    {"successes": 0, "trials": 1_000_000},
]


def _rel_error(quantity: Any, uniforms: np.ndarray) -> float:
    got = _sample(quantity, "rate", uniforms)
    want = uncertain.distribution(quantity, "rate").ppf(uniforms)
    return float(np.max(np.abs(got - want) / np.abs(want)))


@pytest.mark.parametrize("quantity", TYPICAL_RATES, ids=str)
def test_sample_matches_beta_ppf(quantity: Any) -> None:
    assert _rel_error(quantity, UNIFORMS) < 1e-6


@pytest.mark.parametrize("quantity", SKEWED_RATES, ids=str)
def test_sample_matches_beta_ppf_skewed(quantity: Any) -> None:
    """A Beta with a shape parameter below 1 is steep at an end: the stated bound is 1e-4."""
    assert _rel_error(quantity, UNIFORMS) < 1e-4


@pytest.mark.parametrize("quantity", TYPICAL_RATES + SKEWED_RATES, ids=str)
def test_sample_extreme_uniforms(quantity: Any) -> None:
    assert _rel_error(quantity, EXTREMES) < 1e-3
    assert _rel_error(quantity, UNIFORMS) < 1e-4  # every rate, however skewed


@pytest.mark.parametrize("quantity", TYPICAL_RATES + SKEWED_RATES, ids=str)
def test_sample_is_monotone_in_u(quantity: Any) -> None:
    u = np.sort(np.concatenate([UNIFORMS, EXTREMES]))
    values = _sample(quantity, "rate", u)
    assert np.all(np.diff(values) >= 0)
    assert np.all((values >= 0) & (values <= 1))


def test_sample_keeps_shape_and_order_of_uniforms() -> None:
    u = np.array([[0.9, 0.1], [0.5, 0.5]])
    out = _sample({"low": 0.1, "high": 0.2}, "rate", u)
    assert out.shape == (2, 2)
    assert out[0, 0] > out[1, 0] == out[1, 1] > out[0, 1]
    assert out[0, 0] == pytest.approx(0.2, rel=1e-6)
    assert out[0, 1] == pytest.approx(0.1, rel=1e-6)


@pytest.mark.parametrize("bounds", [(600_000, 1_800_000), (1, 3), (0.5, 100)])
def test_sample_lognormal_is_exact(bounds: tuple[float, float]) -> None:
    quantity = {"low": bounds[0], "high": bounds[1]}
    u = np.concatenate([UNIFORMS, EXTREMES])
    got = _sample(quantity, "positive", u)
    want = uncertain.fit_lognormal(*bounds).ppf(u)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_sample_mean_and_percentiles_converge() -> None:
    quantity = {"low": 0.18, "high": 0.26}
    values = _sample(quantity, "rate", UNIFORMS)
    assert np.mean(values < 0.18) == pytest.approx(0.1, abs=0.005)
    assert np.mean(values > 0.26) == pytest.approx(0.1, abs=0.005)
    assert values.mean() == pytest.approx(uncertain.central(quantity, "rate"), rel=2e-3)


def test_common_random_numbers_same_uniform_same_quantile() -> None:
    # Two plans that differ in one rate see the same quantile in every trial.
    u = UNIFORMS[:1000]
    low = _sample({"low": 0.18, "high": 0.26}, "rate", u)
    high = _sample({"low": 0.20, "high": 0.28}, "rate", u)
    assert np.all(high > low)
    cdf_low = stats.beta.cdf(low, *uncertain.fit_beta(0.18, 0.26).args)
    np.testing.assert_allclose(cdf_low, u, rtol=1e-5)
