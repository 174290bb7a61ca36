"""Uncertain quantities: a fixed number, a range read as 10th/90th percentiles, or observed counts.

A plan states what it does not know in the form a manager thinks in: "win rate is somewhere
between 18% and 26%" or "38 of the last 100 inbound leads became opportunities". This module
turns those statements, as the file format writes them (a :data:`Value`: what
:func:`simulator.levers.get` returns), into ``scipy.stats`` distributions:

- a rate range ``{low, high}`` is a Beta distribution whose 10th and 90th percentiles are
  ``low`` and ``high`` (solved numerically);
- a positive range is a lognormal with the same two percentiles (closed form);
- counts ``{successes, trials}`` are the Beta(s + 1, t - s + 1) posterior under a uniform prior;
- a number is a point mass.

Sampling uses the inverse CDF of uniforms (``ppf(u)``) so that two plans that differ in one
quantity see the same quantile in every trial: common random numbers by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from scipy import optimize, special, stats

from simulator.errors import CodedError

#: z such that P(Z <= z) = 0.9 for a standard normal: a range's high end.
Z90 = float(stats.norm.ppf(0.9))

Kind = Literal["rate", "positive"]

#: One quantity of a plan in the file format: a number, ``{"low", "high"}`` or
#: ``{"successes", "trials"}``. The core hands quantities around in this form only.
Value = float | Mapping[str, float]


class Unfittable(CodedError, ValueError):
    """No distribution of the requested family has the stated percentiles."""


@dataclass(frozen=True)
class PointMass:
    """A quantity known exactly; quacks like a frozen scipy distribution where we need it."""

    value: float

    def ppf(self, q: np.ndarray | float) -> np.ndarray:
        return np.full(np.shape(q), self.value, dtype=float)

    def mean(self) -> float:
        return self.value

    def std(self) -> float:
        return 0.0

    def var(self) -> float:
        return 0.0


#: The percentiles a range states, and the step of the Newton fit's finite differences.
_TAILS = np.array([0.1, 0.9])
_NEWTON_STEP = 1e-7
_NEWTON_PROBES = np.array([[_NEWTON_STEP, 0.0], [0.0, _NEWTON_STEP]])
#: Newton stops once both log percentiles are this close to the range's (1e-12 relative).
_NEWTON_TOLERANCE = 1e-12
_NEWTON_ITERATIONS = 60


def _beta_log_percentiles(log_ab: np.ndarray) -> np.ndarray:
    """log of the 10th and 90th percentiles of Beta(a, b) at log (a, b), (..., 2) -> (..., 2)."""
    ab = np.exp(log_ab)
    with np.errstate(all="ignore"):
        return np.log(special.betaincinv(ab[..., :1], ab[..., 1:], _TAILS))


def _beta_start(low: float, high: float) -> np.ndarray | None:
    """log (a, b) of the Beta with the range's midpoint as mean and its normal-width
    standard deviation: where the fit starts. None when the range is too narrow for any
    Beta to be told from a point (a concentration a + b above 1e12)."""
    mid = 0.5 * (low + high)
    sd = (high - low) / (2 * Z90)
    with np.errstate(all="ignore"):
        concentration = mid * (1 - mid) / (sd * sd) - 1.0 if sd * sd > 0 else np.inf
    if not np.isfinite(concentration) or concentration > 1e12:
        return None
    concentration = max(concentration, 0.2)
    return np.log([mid * concentration, (1 - mid) * concentration])


def _newton_beta(start: np.ndarray, targets: np.ndarray) -> np.ndarray | None:
    """log (a, b) whose log percentiles are ``targets``, by Newton's method from ``start``.

    The Jacobian is taken by forward differences; a step that does not shrink the residual
    is halved. None when the iteration fails (a non-finite value, a singular Jacobian, no
    step that helps, or no convergence): the caller falls back to a least-squares fit.
    """
    x = start
    residual = _beta_log_percentiles(x) - targets
    for _ in range(_NEWTON_ITERATIONS):
        size = float(np.max(np.abs(residual)))
        if not np.isfinite(size):
            return None
        if size <= _NEWTON_TOLERANCE:
            return x
        jacobian = (_beta_log_percentiles(x + _NEWTON_PROBES) - targets - residual).T
        try:
            step = np.linalg.solve(jacobian / _NEWTON_STEP, -residual)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        for _ in range(40):
            candidate = x + step
            candidate_residual = _beta_log_percentiles(candidate) - targets
            if float(np.max(np.abs(candidate_residual))) < size:
                break
            step = 0.5 * step
        else:
            return None
        x, residual = candidate, candidate_residual
    return None


def _least_squares_beta(start: np.ndarray, targets: np.ndarray) -> np.ndarray | None:
    """log (a, b) by a least-squares fit of the log percentiles: slower than Newton, but
    it settles somewhere in the cases Newton gives up on. None when it raises, or when
    its answer misses either percentile by more than 1e-4 (relative)."""

    def residual(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return np.log(stats.beta.ppf(_TAILS, a, b)) - targets

    try:
        with np.errstate(all="ignore"):
            solution = optimize.least_squares(residual, start, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    except (ValueError, FloatingPointError, ZeroDivisionError):
        return None
    a, b = np.exp(solution.x)
    if not np.allclose(stats.beta.ppf(_TAILS, a, b), np.exp(targets), rtol=1e-4, atol=0):
        return None
    return solution.x


@lru_cache(maxsize=4096)
def fit_beta(low: float, high: float) -> Any:
    """Beta distribution with 10th percentile ``low`` and 90th percentile ``high``.

    Solved in log-parameter space from a moment-based start: Newton's method on the log
    percentiles (``scipy.special.betaincinv``), which settles in a few steps, and a
    least-squares fit where Newton gives up (very wide or extreme ranges). Raises
    :class:`Unfittable` when the range is outside (0, 1) or no Beta matches both
    percentiles.
    """
    if not 0.0 < low < high < 1.0:
        raise Unfittable(
            "rate_range_bounds",
            "a rate range needs 0 < low < high < 1 "
            "(low and high are the 10th and 90th percentiles)",
            low=low,
            high=high,
        )
    unfittable = Unfittable(
        "rate_range_unfittable",
        "no Beta distribution has these 10th and 90th percentiles; adjust low or high",
        low=low,
        high=high,
    )
    start = _beta_start(low, high)
    if start is None:
        raise unfittable
    targets = np.log([low, high])
    solution = _newton_beta(start, targets)
    if solution is None:
        solution = _least_squares_beta(start, targets)
    if solution is None:
        raise unfittable
    a, b = np.exp(solution)
    return stats.beta(a, b)


@lru_cache(maxsize=4096)
def fit_lognormal(low: float, high: float) -> Any:
    """Lognormal with 10th percentile ``low`` and 90th percentile ``high`` (closed form)."""
    if not 0.0 < low < high:
        raise Unfittable(
            "positive_range_bounds",
            "a range needs 0 < low < high (a lognormal cannot have a 10th percentile of 0)",
            low=low,
            high=high,
        )
    mu = 0.5 * (np.log(low) + np.log(high))
    sigma = (np.log(high) - np.log(low)) / (2 * Z90)
    return stats.lognorm(s=sigma, scale=np.exp(mu))


@lru_cache(maxsize=4096)
def beta_from_counts(successes: int, trials: int) -> Any:
    """Posterior of a rate after ``successes`` in ``trials`` under a uniform prior."""
    if not 0 <= successes <= trials:
        raise Unfittable(
            "counts_bounds",
            "successes must be between 0 and trials",
            successes=successes,
            trials=trials,
        )
    return stats.beta(successes + 1, trials - successes + 1)


def _counts(value: Mapping[str, float]) -> Any:
    return beta_from_counts(int(value["successes"]), int(value["trials"]))


def distribution(value: Value, kind: Kind) -> Any:
    """The distribution of one quantity of a plan, given in the file format.

    ``kind`` is ``"rate"`` for quantities in [0, 1] (Beta) and ``"positive"`` for volumes,
    productivity, deal sizes and lags (lognormal). A number or a zero-width range is a
    point mass.
    """
    if isinstance(value, (int, float)):
        return PointMass(float(value))
    if "successes" in value:
        if kind != "rate":
            raise Unfittable("counts_not_rate", "counts can only describe a rate")
        return _counts(value)
    low, high = float(value["low"]), float(value["high"])
    if low == high:
        return PointMass(low)
    return fit_beta(low, high) if kind == "rate" else fit_lognormal(low, high)


def is_uncertain(value: Value, kind: Kind) -> bool:
    """True when the quantity is drawn per trial rather than fixed."""
    return not isinstance(distribution(value, kind), PointMass)


def p10_p90(value: Value) -> tuple[float, float]:
    """A lever value in the file format as its (P10, P90): a number twice, a range's ends,
    counts as their Beta posterior's 10th and 90th percentiles.

    The one conversion of counts to a range: scaling or stepping counts starts from it.
    """
    if isinstance(value, (int, float)):
        return float(value), float(value)
    if "successes" in value:
        low, high = _counts(value).ppf([0.1, 0.9])
        return float(low), float(high)
    return float(value["low"]), float(value["high"])


def mean(dist: Any) -> float:
    """The mean of a distribution :func:`distribution` gives, in closed form for the
    families it fits (a frozen scipy distribution's ``.mean()`` costs a thousandfold more).
    """
    if isinstance(dist, PointMass):
        return dist.value
    if dist.dist.name == "beta":
        a, b = dist.args
        return float(a / (a + b))
    if dist.dist.name == "lognorm":
        return float(dist.kwds["scale"] * np.exp(0.5 * dist.kwds["s"] ** 2))
    return float(dist.mean())


def central(value: Value, kind: Kind) -> float:
    """The mean of a quantity: what a single-number spreadsheet would use."""
    return mean(distribution(value, kind))


def median(value: Value, kind: Kind) -> float:
    """The median of a quantity (a number is its own median)."""
    return float(distribution(value, kind).ppf(0.5))


# A Beta's inverse CDF is tabulated against z = Φ⁻¹(u) rather than u: as a function of z it
# is smooth from one tail to the other, so one evenly spaced grid serves the body and the
# tails alike, and a value's cell is found by arithmetic instead of a search.
_Z_EDGE = 8.5  # Φ(-8.5) ≈ 1e-17: beyond any uniform a float64 generator gives
_Z_POINTS = 16385
_Z_STEP = 2 * _Z_EDGE / (_Z_POINTS - 1)
_Z_GRID = np.linspace(-_Z_EDGE, _Z_EDGE, _Z_POINTS)


#: The exact inverse CDF is evaluated on a coarse grid (every 16th point) and the fine grid
#: is filled by cubic Hermite interpolation with the exact slopes dx/dz = φ(z) / f(x):
#: a Beta's inverse CDF costs microseconds a value, and a solver builds many tables.
_COARSE = 16


@lru_cache(maxsize=1024)
def _ppf_table(dist: Any) -> tuple[np.ndarray, np.ndarray]:
    """The inverse CDF on the fine grid, and its differences from one point to the next."""
    z = _Z_GRID[::_COARSE]
    x = np.asarray(dist.ppf(special.ndtr(z)), dtype=float)
    step = z[1] - z[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        slope = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) / dist.pdf(x) * step
    slope = np.where(np.isfinite(slope), slope, 0.0)
    t = np.arange(_COARSE) / _COARSE
    t2, t3 = t * t, t * t * t
    h00, h10, h01, h11 = 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + t, 3 * t2 - 2 * t3, t3 - t2
    fine = (
        np.outer(x[:-1], h00)
        + np.outer(slope[:-1], h10)
        + np.outer(x[1:], h01)
        + np.outer(slope[1:], h11)
    )
    # The inverse CDF is monotone: keep each filled point inside its coarse cell.
    fine = np.clip(fine, x[:-1, None], x[1:, None])
    table = np.append(fine.ravel(), x[-1])
    return table, np.diff(table)


def at_scores(value: Value, kind: Kind, scores: np.ndarray) -> np.ndarray:
    """Values of a quantity at standard-normal scores z: its inverse CDF at Φ(z).

    The engines draw one standard normal per trial and quantity (cheaper than a uniform
    and its Φ⁻¹) and map it through here, so a trial keeps its quantile when a lever moves.
    A lognormal is closed form. A Beta's inverse CDF (``scipy.special.betaincinv``) costs
    microseconds per value, so it is tabulated once per distribution against z and
    interpolated; the error is below 1e-6 of the value for ordinary rates and below 1e-4
    for extreme ones (a shape parameter below 1, e.g. 0 successes), far under the Monte
    Carlo error. Tests check both bounds.
    """
    dist = distribution(value, kind)
    if isinstance(dist, PointMass):
        return np.full(np.shape(scores), dist.value)
    if dist.dist.name == "lognorm":
        return dist.kwds["scale"] * np.exp(dist.kwds["s"] * scores)
    table, steps = _ppf_table(dist)
    # Linear interpolation in the cell of each score, in place (this runs for every
    # quantity of every chunk of every run).
    position = np.array(scores, dtype=float)
    position += _Z_EDGE
    position *= 1.0 / _Z_STEP
    np.clip(position, 0.0, _Z_POINTS - 1.0, out=position)
    index = np.minimum(position.astype(np.intp), _Z_POINTS - 2)
    position -= index
    position *= steps[index]
    position += table[index]
    return position


def clear_caches() -> None:
    """Forget every fitted distribution and inverse-CDF table, as a fresh process would
    (the benchmarks time cold runs)."""
    for cache in (fit_beta, fit_lognormal, beta_from_counts, _ppf_table):
        cache.cache_clear()
    from simulator import funnel  # the per-trial draws made from them

    funnel.DRAWS.clear()
