"""Plan backwards from the revenue goal (KGI逆算): the plain chain, and the lever at a confidence.

The plain chain is what a spreadsheet does: target ÷ deal size = wins, ÷ win rate =
opportunities, ÷ each stage's rate = the activity, per month, placed one sales cycle before
the revenue it must produce. It uses central values and ignores chance, so a plan built on
it lands short about half the time. :func:`solve` finds instead the value of one lever at
which P(revenue ≥ target) reaches the confidence, by a root find over the lever with
common random numbers (every evaluation reuses the plan's seed).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from simulator import analytic, engine, levers, uncertain
from simulator.errors import CodedError
from simulator.funnel import Funnel
from simulator.plan import KpiSet, PlanError
from simulator.results import SimulationResult

#: Trials per evaluation during the search; the answer is then checked with the plan's own.
SEARCH_TRIALS = 20_000
#: How far a continuous lever may be scaled, either way, before it is "not reachable".
MAX_FACTOR = 1_000.0
#: Most reps the solver will propose.
MAX_REPS = 10_000
SOLVABLE = ("reps", "productivity", "volume", "rate", "deal_size")


class Unsolvable(CodedError, ValueError):
    """The target cannot be reached at the confidence by moving this lever alone."""


# ----------------------------------------------------------------------------- plain chain


@dataclass(frozen=True)
class Chain:
    """The single-number chain from the revenue target down to each channel's activity."""

    target: float
    deal_size: float
    win_rate: float
    wins: float
    opportunities: float
    open_pipeline_wins: float  # expected wins from the open pipeline, subtracted first
    lag_months: int  # the central sales cycle, in whole months
    channel_share: dict[str, float]  # each channel's share of new opportunities in the plan
    steps: dict[str, list[tuple[str, float, float]]]  # channel -> (stage, rate, count needed)
    monthly: pd.DataFrame  # per month: revenue, wins, opportunities to create, activity
    unreachable_revenue: float  # revenue whose opportunities would have to predate the start


def plain_chain(plan: KpiSet, target: float | None = None) -> Chain:
    """The deterministic chain, with central (mean) values of every rate and size."""
    target = plan.target.revenue if target is None else target
    f = Funnel(plan)
    months = plan.months
    deal = uncertain.central(f.deal_size, "positive")
    win = uncertain.central(f.win_rate, "rate")
    lag = round(uncertain.central(f.sales_cycle, "positive"))
    open_wins = plan.open_opportunities * win
    wins = target / deal if deal > 0 else math.inf
    new_wins = max(wins - open_wins, 0.0)
    opportunities = new_wins / win if win > 0 else math.inf

    # Channels share the new opportunities in the proportion the plan expects of them.
    expect = analytic.expected(plan)
    expected = {c.key: float(expect.stages[c.key][c.stages[-1].key].sum()) for c in plan.channels}
    total = sum(expected.values())
    share = {k: (v / total if total > 0 else 1.0 / len(expected)) for k, v in expected.items()}

    steps: dict[str, list[tuple[str, float, float]]] = {}
    for c in f.channels:
        needed = opportunities * share[c.key]
        chain = []
        for stage, value in zip(reversed(c.stage_keys), reversed(c.rates), strict=True):
            rate = uncertain.central(value, "rate")
            chain.append((stage, rate, needed))
            needed = needed / rate if rate > 0 else math.inf
        chain.append(("volume", 1.0, needed))
        steps[c.key] = list(reversed(chain))

    # Per month: an even revenue path; its wins need opportunities `lag` months earlier.
    revenue = np.full(months, target / months)
    month_wins = revenue / deal if deal > 0 else np.full(months, math.inf)
    open_by_month = open_wins * f.open_close_pmf[:-1]
    new_by_month = np.maximum(month_wins - open_by_month, 0.0)
    create = np.zeros(months)
    unreachable = 0.0
    for m in range(months):
        start = m - lag
        if start >= 0:
            create[start] += new_by_month[m] / win if win > 0 else math.inf
        else:
            unreachable += new_by_month[m] * deal
    table = {"revenue": revenue, "wins": month_wins, "opportunities": create}
    for c in plan.channels:
        for stage_key, _, needed in steps[c.key]:
            ratio = needed / opportunities if opportunities > 0 else 0.0
            table[f"{c.key}.{stage_key}"] = create * ratio
    monthly = pd.DataFrame(table, index=pd.Index(f.month_keys, name="month"))
    return Chain(
        target=target,
        deal_size=deal,
        win_rate=win,
        wins=wins,
        opportunities=opportunities,
        open_pipeline_wins=open_wins,
        lag_months=lag,
        channel_share=share,
        steps=steps,
        monthly=monthly,
        unreachable_revenue=unreachable,
    )


# ----------------------------------------------------------------------------- capacity


def capacity(plan: KpiSet, calls_needed: np.ndarray) -> pd.DataFrame:
    """Calls needed against what the team can make, and the reps that would take, by month.

    Reps needed are at the plan's productivity (mean calls per rep per day) and count a
    ramping hire at its ramp fraction, as the engines do.
    """
    f = Funnel(plan)
    per_rep = uncertain.central(f.productivity, "positive")
    days = f.working_days * f.seasonality
    can_make = per_rep * f.team_capacity_days
    with np.errstate(divide="ignore", invalid="ignore"):
        reps_needed = np.where(days * per_rep > 0, calls_needed / (days * per_rep), np.inf)
    return pd.DataFrame(
        {
            "calls_needed": calls_needed,
            "calls_capacity": can_make,
            "effective_reps": f.reps_effective,
            "reps_needed": reps_needed,
            "short": calls_needed > can_make + 1e-9,
        },
        index=pd.Index(f.month_keys, name="month"),
    )


# ----------------------------------------------------------------------------- solving


@dataclass(frozen=True)
class Solution:
    """A lever's value at which the target is reached with the required probability."""

    lever: str
    value: float  # the lever's new median
    base_value: float  # its median in the original plan
    p_target: float  # with the plan's own trials and seed
    p_target_error: float
    plan: KpiSet
    evaluations: int = field(default=0)


def median_of(plan: KpiSet, path: str) -> float:
    """A lever's median in the plan (reps: their number)."""
    return uncertain.median(levers.get(plan, path), levers.find(plan, path).value_kind)


def _factor_limit(value: uncertain.Value) -> float:
    """The largest factor that keeps a rate at or below its ceiling."""
    high = uncertain.p10_p90(value)[1]
    return levers.rate_ceiling(value) / high if high > 0 else MAX_FACTOR


def _scaled(value: uncertain.Value, kind: levers.LeverKind, log_factor: float) -> uncertain.Value:
    """The lever's value scaled by exp(log_factor); a rate held at its ceiling (a factor at
    the limit can round a fixed rate to just above 1)."""
    ceiling = levers.rate_ceiling(value) if kind == "rate" else math.inf
    return levers.scaled(value, math.exp(log_factor), at_most=ceiling)


def _with_target(plan: KpiSet, target: float | None, confidence: float | None) -> KpiSet:
    """The plan aiming at ``target`` with ``confidence`` (its own where None)."""
    update = {
        "revenue": plan.target.revenue if target is None else target,
        "confidence": plan.target.confidence if confidence is None else confidence,
    }
    return plan.model_copy(update={"target": plan.target.model_copy(update=update)})


class _Gap(NamedTuple):
    """How far one evaluation is from the goal, two ways.

    ``p`` is P(target) less the confidence (≥ 0: it reaches), what the tolerance is stated
    in. ``revenue`` is the log of the revenue reached in the share of trials the search
    aims at (the middle of the tolerance) over the target: it moves smoothly with the
    lever where P(target) bends and its zero is the aim, so the search interpolates on it.
    """

    p: float
    revenue: float

    @property
    def reaches(self) -> bool:
        return self.p >= 0


#: The gap of a value that gives no valid plan: short of the goal.
_INVALID = _Gap(-1.0, -math.inf)


@dataclass
class _Search:
    """One lever of a plan under search: the gap at a value of the lever, each time a
    simulation with the plan's seed (common random numbers), counted."""

    plan: KpiSet  # with the target and confidence to reach
    path: str
    trials: int
    aim: float  # the P(target) aimed at: the confidence, or a little above
    evaluations: int = 0
    base_run: SimulationResult | None = None  # of the plan as it is, when the caller has it

    def plan_at(self, value: Any) -> KpiSet:
        return levers.with_value(self.plan, self.path, value)

    def simulate(self, plan: KpiSet) -> SimulationResult:
        """One evaluation: the plan's seed, the search's trials."""
        self.evaluations += 1
        return engine.simulate(plan, trials=self.trials, seed=self.plan.simulation.seed)

    def gap_of(self, result: SimulationResult) -> _Gap:
        target, confidence = self.plan.target.revenue, self.plan.target.confidence
        reached = revenue_reached(result.total_revenue, self.aim)
        return _Gap(
            result.p_target(target)[0] - confidence,
            math.log(reached / target) if reached > 0 else -math.inf,
        )

    def gap(self, value: Any) -> _Gap:
        """The gap with the lever at ``value``."""
        return self.gap_of(self.simulate(self.plan_at(value)))

    def base_gap(self) -> _Gap:
        """The gap of the plan as it is: from the caller's run of it where it gave one."""
        if self.base_run is None:
            return self.gap(levers.get(self.plan, self.path))
        return self.gap_of(self.base_run)


def solve(
    plan: KpiSet,
    path: str,
    *,
    target: float | None = None,
    confidence: float | None = None,
    search_trials: int = SEARCH_TRIALS,
    final_trials: int | None = None,
    tolerance: float = 2e-3,
    check: bool = True,
    guess: float | None = None,
    base_run: SimulationResult | None = None,
) -> Solution:
    """The value of one lever at which P(revenue ≥ target) reaches the confidence.

    Every evaluation runs the plan's seed (common random numbers), so P(target) moves only
    with the lever. The search uses ``search_trials``; the answer is then simulated with
    the plan's own trial count (or ``final_trials``); the search stops once P(target) is
    within ``tolerance`` above the confidence. With ``check=False`` the answer is not
    simulated again and its P(target) is reported as NaN (for callers that need only the
    value). ``guess`` (a factor on the lever, or a number of reps) seeds the search when
    the caller already has an estimate; ``base_run``, a run of the plan as it is with
    ``search_trials`` and its seed, saves the search its first run when the caller has it
    (a center pin solves many levers of one plan). The deal size needs no search:
    revenue is proportional to it (:func:`deal_size_for`). Raises :class:`Unsolvable` when
    no value of the lever reaches the target (a rate would have to pass 1, reps past the
    cap, or the target is out of reach of any volume because of the sales cycle).
    """
    plan = _with_target(plan, target, confidence)
    lever = levers.find(plan, path)
    if lever is None:
        raise Unsolvable("unknown_lever", f"{path!r} is not a lever of this plan", lever=path)
    if lever.kind not in SOLVABLE:
        raise Unsolvable("not_solvable", f"{path} cannot be solved for", lever=path)
    search = _Search(
        plan,
        path,
        trials=min(search_trials, plan.simulation.trials),
        aim=min(plan.target.confidence + 0.5 * tolerance, 0.5 * (1.0 + plan.target.confidence)),
        base_run=base_run,
    )
    base_value = levers.get(plan, path)
    if lever.kind == "reps":
        solved = _solve_reps(search, int(base_value), guess)
    elif lever.kind == "deal_size":
        revenue = search.simulate(plan).total_revenue
        solved = deal_size_for(plan, revenue_reached(revenue, plan.target.confidence))
    else:
        solved = _solve_factor(search, base_value, lever.kind, tolerance, guess)
    p, p_error = math.nan, math.nan
    if check:
        final = engine.simulate(solved, trials=final_trials, seed=plan.simulation.seed)
        p, p_error = final.p_target(plan.target.revenue)
    return Solution(
        lever=path,
        value=median_of(solved, path),
        base_value=median_of(plan, path),
        p_target=p,
        p_target_error=p_error,
        plan=solved,
        evaluations=search.evaluations + check,
    )


def plain_value(plan: KpiSet, path: str, target: float | None = None) -> KpiSet:
    """The plan with one lever set so that *expected* revenue equals the target.

    This is the single-number answer a spreadsheet gives (no chance, central values); its
    P(target) is usually near or below one half, which is the point of showing it.
    """
    target = plan.target.revenue if target is None else target
    lever = levers.find(plan, path)
    if lever is None or lever.kind not in SOLVABLE:
        raise Unsolvable("not_solvable", f"{path} cannot be solved for", lever=path)
    base_value = levers.get(plan, path)

    def expected_at(candidate: KpiSet) -> float:
        return analytic.expected(candidate).total_revenue

    def short_at(value: Any) -> bool:
        """Whether the plan with this value falls short; a value past the plan's bounds
        (a volume or a deal size beyond what a plan may hold) counts as falling short."""
        try:
            return expected_at(levers.with_value(plan, path, value)) < target
        except PlanError:
            return True

    if lever.kind == "reps":
        low, high = 0, max(int(base_value), 1)
        while short_at(high):
            low, high = high, high * 2
            if high > MAX_REPS:
                raise Unsolvable("reps_cap", f"even {MAX_REPS:,} reps do not reach the target")
        while high - low > 1:
            middle = (low + high) // 2
            if not short_at(middle):
                high = middle
            else:
                low = middle
        return levers.with_value(plan, path, high)
    limit = _factor_limit(base_value) if lever.kind == "rate" else MAX_FACTOR
    low, high = math.log(1.0 / MAX_FACTOR), math.log(limit)

    def short(log_factor: float) -> bool:
        return short_at(_scaled(base_value, lever.kind, log_factor))

    if short(high):
        raise Unsolvable(
            "rate_above_one" if lever.kind == "rate" else "factor_cap",
            "no value of this lever makes the expected revenue reach the target",
        )
    for _ in range(40):  # bisection on log factor: 2^-40 of the bracket
        middle = 0.5 * (low + high)
        if short(middle):
            low = middle
        else:
            high = middle
    return levers.with_value(plan, path, _scaled(base_value, lever.kind, high))


def revenue_reached(revenue: np.ndarray, confidence: float) -> float:
    """The most revenue reached in at least ``confidence`` of the trials (total revenue
    per trial): P(revenue ≥ it) ≥ confidence, and no more for any higher revenue."""
    n = len(revenue)
    must_reach = max(math.ceil(confidence * n - 1e-9), 1)
    return float(np.partition(revenue, n - must_reach)[n - must_reach])


def deal_size_for(plan: KpiSet, reached: float) -> KpiSet:
    """The plan with its deal size scaled so that it reaches the target at its confidence,
    given ``reached``, the :func:`revenue_reached` of a run of the plan as it is.

    Deal sizes do not change a single count and every deal's size moves with the
    distribution's scale, so scaling the deal size by f scales each trial's revenue by f:
    the factor is the target over ``reached``, exact for the trials of that run (a hair
    above, 1e-12, so that rounding cannot leave the quantile just short). A range keeps
    its shape; beyond MAX_FACTOR it is "not reachable".
    """
    factor = plan.target.revenue / reached if reached > 0 else math.inf
    if factor > MAX_FACTOR:
        raise _out_of_reach("deal_size")
    factor = max(factor, 1.0 / MAX_FACTOR) * (1.0 + 1e-12)
    return levers.with_value(
        plan, "deal_size", levers.scaled(levers.get(plan, "deal_size"), factor)
    )


def _solve_reps(search: _Search, base: int, guess: float | None = None) -> KpiSet:
    """The fewest starting reps that reach the confidence (whole reps, so at or above it).

    First two numbers of reps, one short and one that reaches: from the guess, then steps
    along the log revenue (:func:`_next_step`, at most a doubling). Then whole reps in
    between, where the line through the ends' log revenue meets the aim, or the midpoint
    once the same end has held twice, until the two are one rep apart.
    """
    gaps: dict[int, _Gap] = {}

    def at(reps: int) -> _Gap:
        if reps not in gaps:
            gaps[reps] = search.base_gap() if reps == base else search.gap(reps)
        return gaps[reps]

    if at(base).reaches:  # fewer may do: find the fewest
        if base == 0 or at(0).reaches:
            return search.plan_at(0)
        low, high = 0, base
    else:
        low = base
        high = min(round(guess), MAX_REPS) if guess and round(guess) > base else max(2 * base, 1)
        while not at(high).reaches:
            step = _next_step(low, at(low), high, at(high), smallest=1.0, largest=high)
            low, high = high, high + math.ceil(step)
            if high > MAX_REPS:
                raise Unsolvable(
                    "reps_cap",
                    f"even {MAX_REPS:,} reps do not reach the target at this confidence",
                    cap=MAX_REPS,
                )
    held = 0  # how many times in a row the same end stayed put
    while high - low > 1:
        crossing = _crossing(low, at(low), high, at(high))
        if abs(held) >= 2 or not math.isfinite(crossing):
            middle = (low + high) // 2
        else:
            middle = min(max(math.ceil(crossing), low + 1), high - 1)
        if at(middle).reaches:
            high, held = middle, min(held, 0) - 1
        else:
            low, held = middle, max(held, 0) + 1
    return search.plan_at(high)


def _solve_factor(
    search: _Search,
    base_value: Any,
    kind: levers.LeverKind,
    tolerance: float,
    guess: float | None = None,
) -> KpiSet:
    """Scale the lever (its whole range) until P(target) crosses the confidence."""
    log_limit = math.log(_factor_limit(base_value) if kind == "rate" else MAX_FACTOR)

    def gap(log_factor: float) -> _Gap:
        try:
            return search.gap(_scaled(base_value, kind, log_factor))
        except PlanError:
            return _INVALID

    g0 = search.base_gap()
    if g0.p == 0.0:
        return search.plan_at(base_value)
    bracket = _bracket(gap, g0, log_limit, kind, guess)
    if bracket is None:  # reached even near zero
        return search.plan_at(levers.scaled(base_value, 1.0 / MAX_FACTOR))
    reach = _regula_falsi(gap, *bracket, tolerance)
    return search.plan_at(_scaled(base_value, kind, reach))


_Point = tuple[float, _Gap]  # a log factor and the gap there


def _bracket(
    gap: Callable[[float], _Gap],
    g0: _Gap,
    log_limit: float,
    kind: levers.LeverKind,
    guess: float | None,
) -> tuple[_Point, _Point] | None:
    """Two log factors, the one that falls short first, that bracket the confidence.

    From the plan as it is (gap ``g0``), double the factor away from 1 in the direction
    that closes the gap, starting from ``guess`` where it lies on that side. None when even
    1/MAX_FACTOR of the lever still reaches; raises :class:`Unsolvable` when the highest
    factor allowed still falls short.
    """
    direction = -1.0 if g0.reaches else 1.0
    inner, outer = 0.0, 0.0
    g_inner = g_outer = g0
    if guess is not None and guess > 0 and math.isfinite(guess):
        # A guess on the right side of 1 either brackets the root at once or is a better
        # place to start doubling from; one past the limit is tried at the limit, which
        # settles at once whether the lever can reach at all.
        x = min(math.log(guess), log_limit) if direction > 0 else math.log(guess)
        if x * direction > 0:
            g_x = gap(x)
            if g_x.reaches != g0.reaches:
                outer, g_outer = x, g_x
            elif direction > 0 and x >= log_limit:
                raise _out_of_reach(kind)
            else:
                inner = outer = x
                g_inner = g_outer = g_x
    previous, g_previous = 0.0, g0
    while g_outer.reaches == g0.reaches:
        inner, g_inner = outer, g_outer
        outer = inner + direction * _next_step(previous, g_previous, inner, g_inner)
        previous, g_previous = inner, g_inner
        if direction > 0 and outer >= log_limit:
            outer = log_limit
            g_outer = gap(outer)
            if not g_outer.reaches:
                raise _out_of_reach(kind)
            break
        if direction < 0 and outer < -math.log(MAX_FACTOR):
            return None
        g_outer = gap(outer)
    short, reach = sorted([(inner, g_inner), (outer, g_outer)], key=lambda p: p[1].reaches)
    return short, reach


def _crossing(x0: float, g0: _Gap, x1: float, g1: _Gap) -> float:
    """Where the line through two points' log revenue meets the aim (NaN when it does not)."""
    rise = g1.revenue - g0.revenue
    if not (math.isfinite(rise) and rise != 0.0):
        return math.nan
    return x1 - g1.revenue * (x1 - x0) / rise


def _next_step(
    x0: float,
    g0: _Gap,
    x1: float,
    g1: _Gap,
    *,
    smallest: float = 0.05,
    largest: float = math.log(2.0),
) -> float:
    """How far beyond ``x1`` (away from ``x0``) to look for the other side of the goal:
    to where the line through the two points' log revenue meets the aim, but at least
    ``smallest`` and at most ``largest`` (a doubling); ``largest`` when the line does not
    lead that way."""
    distance = (_crossing(x0, g0, x1, g1) - x1) * (1.0 if x1 > x0 else -1.0)
    if not distance > 0:  # NaN too
        return largest
    return min(max(distance, smallest), largest)


def _out_of_reach(kind: levers.LeverKind) -> Unsolvable:
    if kind == "rate":
        return Unsolvable(
            "rate_above_one",
            "the rate would have to exceed 100% to reach the target at this confidence",
        )
    return Unsolvable(
        "factor_cap",
        f"even {MAX_FACTOR:,.0f}× the current value does not reach the target",
        factor=MAX_FACTOR,
    )


def _regula_falsi(
    gap: Callable[[float], _Gap], short_point: _Point, reach_point: _Point, tolerance: float
) -> float:
    """Regula falsi (Illinois) on log factor between a point that falls short and one that
    reaches, interpolating the log revenue reached at the aim (near linear in the log
    factor, and negative at both ends only once P is inside the tolerance). P(target) is
    a step function of the factor (finitely many trials), so stop once the bracket is
    narrower than 0.1% or P is within ``tolerance`` above the confidence, and answer with
    the side that reaches."""
    (short, g_short), (reach, g_reach) = short_point, reach_point
    h_short, h_reach = g_short.revenue, g_reach.revenue
    side = 0
    while abs(reach - short) > 1e-3 and g_reach.p > tolerance:
        x = reach - h_reach * (reach - short) / (h_reach - h_short)
        if not min(short, reach) < x < max(short, reach):
            x = 0.5 * (short + reach)
        g = gap(x)
        if g.reaches:
            reach, g_reach, h_reach = x, g, g.revenue
            if side == 1:
                h_short *= 0.5
            side = 1
        else:
            short, h_short = x, g.revenue
            if side == -1:
                h_reach *= 0.5
            side = -1
    return reach
