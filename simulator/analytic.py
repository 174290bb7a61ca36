"""Closed-form expectations of the funnel, month by month.

Because the per-trial quantities are independent and every stage is a thinning, the
expected count after a stage is the expected volume times the product of the expected
rates, and expected wins closing in month j are sum_m E[opportunities_m] E[win] lag[j - m].
These numbers are what the "see the math" panels show, and what the engines must
reproduce within Monte Carlo error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import uncertain
from simulator.funnel import Funnel
from simulator.plan import KpiSet


@dataclass(frozen=True)
class Expectation:
    """Expected counts per month (arrays of length ``months``) and over the horizon."""

    months: list[str]
    volumes: dict[str, np.ndarray]
    stages: dict[str, dict[str, np.ndarray]]
    opportunities: np.ndarray  # new opportunities created per month
    wins: np.ndarray  # wins closing per month, open pipeline included
    revenue: np.ndarray
    carry_over_wins: float
    win_rate: float
    deal_size: float

    @property
    def total_revenue(self) -> float:
        return float(self.revenue.sum())


def expected(plan: KpiSet) -> Expectation:
    """Closed-form expected volumes, stage counts, wins and revenue of a plan."""
    f = Funnel(plan)
    volumes: dict[str, np.ndarray] = {}
    stages: dict[str, dict[str, np.ndarray]] = {}
    opportunities = np.zeros(plan.months)
    for channel in f.channels:
        if channel.from_team:
            level = uncertain.central(f.productivity, "positive")
            volume = level * f.team_capacity_days
        else:
            volume = uncertain.central(channel.volume, "positive") * f.seasonality
        volumes[channel.key] = volume
        stages[channel.key] = {}
        count = volume
        for stage, rate in zip(channel.stage_keys, channel.rates, strict=True):
            count = count * uncertain.central(rate, "rate")
            stages[channel.key][stage] = count
        opportunities = opportunities + count
    win = uncertain.central(f.win_rate, "rate")
    deal = uncertain.central(f.deal_size, "positive")
    wins = (
        opportunities * win @ f.close_matrix + plan.open_opportunities * win * f.open_close_pmf[:-1]
    )
    carry = float(
        opportunities * win @ f.carry_probability
        + plan.open_opportunities * win * f.open_close_pmf[-1]
    )
    return Expectation(
        months=f.month_keys,
        volumes=volumes,
        stages=stages,
        opportunities=opportunities,
        wins=wins,
        revenue=wins * deal,
        carry_over_wins=carry,
        win_rate=win,
        deal_size=deal,
    )
