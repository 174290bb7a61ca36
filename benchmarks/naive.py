"""A naive pure-Python Monte Carlo loop: what a spreadsheet macro would do.

Trial by trial, month by month, channel by channel: a Poisson volume, a binomial at every
stage, a binomial for the wins, then each won deal's sales-cycle lag and deal size drawn
one by one. It uses only the ``random`` and ``math`` modules; the plan comes in already
compiled to plain numbers (:func:`benchmarks.plans.naive_plan`, the setup). It exists to
show what the vectorised engine saves, so it draws from the same distributions as the
engines and its mean revenue must agree with theirs.

Counts use simple samplers: ``random.binomialvariate`` where Python has it (3.12+),
otherwise a normal approximation when both n·p and n·(1 − p) exceed 30 and a Bernoulli
loop below that; Poisson by Knuth's product of uniforms up to a mean of 30 and a normal
approximation above.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

#: ("fixed", value) | ("beta", a, b) | ("lognormal", mu, sigma)
Spec = tuple[Any, ...]

#: Above this mean, counts use a normal approximation.
NORMAL_ABOVE = 30.0

_HAS_BINOMIALVARIATE = hasattr(random.Random, "binomialvariate")


@dataclass(frozen=True)
class NaiveChannel:
    key: str
    volume: Spec  # calls per rep per day (team channel) or volume per month
    month_factors: tuple[float, ...]  # rep-days × seasonality (team), or seasonality
    rates: tuple[Spec, ...]  # one per stage


@dataclass(frozen=True)
class NaivePlan:
    months: int
    channels: tuple[NaiveChannel, ...]
    win_rate: Spec
    deal_size: Spec
    sales_cycle: Spec
    open_opportunities: int


@dataclass(frozen=True)
class NaiveResult:
    revenue: list[float]  # per trial, closing inside the horizon
    wins: list[int]  # per trial, closing inside the horizon
    carry_over_wins: list[int]  # per trial, closing after it

    @property
    def mean_revenue(self) -> float:
        return sum(self.revenue) / len(self.revenue)


def draw(rng: random.Random, spec: Spec) -> float:
    family = spec[0]
    if family == "fixed":
        return spec[1]
    if family == "beta":
        return rng.betavariate(spec[1], spec[2])
    if family == "lognormal":
        return rng.lognormvariate(spec[1], spec[2])
    raise ValueError(f"unknown distribution {family!r}")


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0.0:
        return 0
    if mean > NORMAL_ABOVE:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if _HAS_BINOMIALVARIATE:
        return rng.binomialvariate(n, p)  # type: ignore[attr-defined]
    mean = n * p
    if mean > NORMAL_ABOVE and n - mean > NORMAL_ABOVE:
        x = round(rng.gauss(mean, math.sqrt(mean * (1.0 - p))))
        return min(max(x, 0), n)
    successes = 0
    for _ in range(n):
        if rng.random() < p:
            successes += 1
    return successes


def lag(rng: random.Random, spec: Spec) -> int:
    """Whole months from opportunity to close, as the engines read ``sales_cycle_months``."""
    if spec[0] == "fixed":  # 2.5 months: half the deals after 2, half after 3
        whole = math.floor(spec[1])
        return whole + (1 if rng.random() < spec[1] - whole else 0)
    return math.floor(draw(rng, spec) + 0.5)  # a lognormal in months, rounded half up


def simulate(plan: NaivePlan, trials: int, seed: int = 0) -> NaiveResult:
    rng = random.Random(seed)
    months = plan.months
    revenue: list[float] = []
    wins: list[int] = []
    carry_over: list[int] = []
    for _ in range(trials):
        # What we do not know, drawn once per trial.
        levels = [draw(rng, c.volume) for c in plan.channels]
        rates = [[draw(rng, r) for r in c.rates] for c in plan.channels]
        win_rate = draw(rng, plan.win_rate)
        trial_revenue = 0.0
        trial_wins = 0
        trial_carry = 0
        for month in range(months):
            created = plan.open_opportunities if month == 0 else 0
            for i, channel in enumerate(plan.channels):
                count = poisson(rng, levels[i] * channel.month_factors[month])
                for rate in rates[i]:
                    count = binomial(rng, count, rate)
                created += count
            won = binomial(rng, created, win_rate)
            for _ in range(won):
                close = month + lag(rng, plan.sales_cycle)
                size = draw(rng, plan.deal_size)
                if close < months:
                    trial_revenue += size
                    trial_wins += 1
                else:
                    trial_carry += 1
        revenue.append(trial_revenue)
        wins.append(trial_wins)
        carry_over.append(trial_carry)
    return NaiveResult(revenue, wins, carry_over)
