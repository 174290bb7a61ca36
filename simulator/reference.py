"""The reference engine: slow, obvious, and used only as a test oracle.

It follows the funnel stage by stage, month by month: a Poisson volume, then a binomial at
every stage, a binomial for the wins, and for every single won deal its own sales-cycle
lag and its own deal size. Nothing here is clever; the fast engine must agree with it.
It shares the per-trial draws of rates and volumes (:meth:`Funnel.draw`) with the fast
engine, and nothing else: capacity, lags and deal sums are computed again from the plan.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simulator import budget, calendar, levers, uncertain
from simulator import funnel as fn
from simulator.plan import KpiSet
from simulator.results import Detail, SimulationResult, TrialArrays

REFERENCE = 5  # purpose number of the reference engine's count stream


def _members_working(plan: KpiSet, month: int) -> float:
    """Effective reps in a month of a team planned by member, member by member, each
    weighted by their calls a day over the team's (medians)."""
    team_calls = uncertain.median(
        plan.model_dump(mode="json")["team"]["calls_per_rep_per_day"], "positive"
    )
    total = 0.0
    for member in plan.team.members or []:
        if member.leave_month is not None and month >= plan.month_index(member.leave_month):
            continue
        ramp = plan.team.ramp_months if member.ramp_months is None else member.ramp_months
        if member.start_month is None:
            share = 1.0
        else:
            i = month - plan.month_index(member.start_month) + 1  # the member's i-th month
            share = 0.0 if i < 1 else 1.0 if ramp == 0 else min(1.0, i / ramp)
        calls = member.model_dump(mode="json").get("calls_per_rep_per_day")
        weight = 1.0
        if calls is not None and team_calls > 0:
            weight = uncertain.median(calls, "positive") / team_calls
        total += weight * share
    return total


def _reps_working(plan: KpiSet, month: int) -> float:
    """Effective reps in a month, rep by rep."""
    if plan.team.members is not None:  # members replace reps and hires
        return _members_working(plan, month)
    reps = [1.0] * plan.team.reps  # starters are fully ramped
    for hire in plan.team.hires:
        joined = plan.month_index(hire.month)
        if joined > month:
            continue
        if hire.change < 0:
            reps.extend([-1.0] * -hire.change)
            continue
        i = month - joined + 1  # the rep's i-th month
        ramp = 1.0 if plan.team.ramp_months == 0 else min(1.0, i / plan.team.ramp_months)
        reps.extend([ramp] * hire.change)
    return max(sum(reps), 0.0)


def _draw_lags(rng: np.random.Generator, cycle: Any, size: int) -> np.ndarray:
    """A whole-month lag for each of ``size`` won deals from the sales cycle's distribution."""
    if isinstance(cycle, uncertain.PointMass):
        whole = math.floor(cycle.value)
        return whole + (rng.random(size) < cycle.value - whole)
    return np.floor(cycle.ppf(rng.random(size)) + 0.5).astype(np.int64)


def simulate(
    plan: KpiSet, *, trials: int | None = None, seed: int | None = None
) -> SimulationResult:
    """Run the plan with the reference engine (same inputs and result type as the fast one)."""
    budget.check(plan, trials)
    trials = plan.simulation.trials if trials is None else trials
    seed = plan.simulation.seed if seed is None else seed
    f = fn.Funnel(plan)
    months = plan.months
    days = calendar.working_days(
        plan.start_month,
        months,
        plan.country,
        year_end_closure=plan.year_end_closure,
        override=plan.team.working_days_per_month,
    )
    season = [plan.seasonality[m - 1] for _, m in calendar.month_sequence(plan.start_month, months)]
    reps = [_reps_working(plan, m) for m in range(months)]
    cycle = uncertain.distribution(levers.get(plan, "sales_cycle_months"), "positive")
    deal = uncertain.distribution(levers.get(plan, "deal_size"), "positive")
    deal_mean = float(deal.mean())

    parts = []
    for index, (start, stop) in enumerate(fn.chunks(trials)):
        n = stop - start
        draws = f.draw(seed, index, n)
        rng = fn.stream(seed, index, REFERENCE)
        revenue = np.zeros((n, months))
        wins = np.zeros((n, months), dtype=np.int64)
        carry = np.zeros(n, dtype=np.int64)
        expected = np.zeros(n)
        opportunities = np.zeros((n, months), dtype=np.int64)
        volumes = {c.key: np.zeros((n, months), dtype=np.int64) for c in plan.channels}
        stages = {
            c.key: {s.key: np.zeros((n, months), dtype=np.int64) for s in c.stages}
            for c in plan.channels
        }
        for m in range(months):
            created = np.zeros(n, dtype=np.int64)
            created_mean = np.zeros(n)
            for c in plan.channels:
                if c.volume_from == "team":
                    mean = reps[m] * draws.productivity * days[m] * season[m]
                else:
                    mean = draws.volumes[c.key] * season[m]
                count = rng.poisson(mean)
                volumes[c.key][:, m] = count
                for s, stage in enumerate(c.stages):
                    rate = draws.rates[c.key][:, s]
                    count = rng.binomial(count, rate)
                    mean = mean * rate
                    stages[c.key][stage.key][:, m] = count
                created += count
                created_mean += mean
            opportunities[:, m] = created
            if m == 0:  # the open pipeline counts as created in the first month
                created = created + plan.open_opportunities
                created_mean = created_mean + plan.open_opportunities
            won = rng.binomial(created, draws.win_rate)
            owner = np.repeat(np.arange(n), won)
            close = m + _draw_lags(rng, cycle, owner.size)
            size = deal.ppf(rng.random(owner.size))
            inside = close < months
            np.add.at(wins, (owner[inside], close[inside]), 1)
            np.add.at(revenue, (owner[inside], close[inside]), size[inside])
            np.add.at(carry, owner[~inside], 1)
            closes_inside = f.lag[: months - m].sum()
            expected += created_mean * draws.win_rate * closes_inside * deal_mean
        parts.append((revenue, wins, carry, expected, opportunities, volumes, stages))

    details = [{"opportunities": p[4], "volumes": p[5], "stages": p[6]} for p in parts]
    return SimulationResult(
        plan=plan,
        months=f.month_keys,
        seed=seed,
        trials=trials,
        kept=TrialArrays(
            revenue=np.concatenate([p[0] for p in parts]),
            wins=np.concatenate([p[1] for p in parts]),
            carry_over_wins=np.concatenate([p[2] for p in parts]),
            expected_revenue=np.concatenate([p[3] for p in parts]),
        ),
        detail_factory=lambda count: Detail.concatenate(details[:count]),
        opportunities_factory=lambda count: Detail.concatenate(details[:count]).opportunities,
    )
