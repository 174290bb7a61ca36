"""The center pin (センターピン): which lever moves the result most, and why.

In a pure product funnel +10% on calls, on any rate or on deal size is +10% revenue: a
ranking by relative change is a tie, and :func:`relative_tie` says so. The ranking here
comes from what really differs between levers:

- a **step** a manager can act on (+1 pt of a rate, +5 calls a day, +1 rep, +10% volume or
  deal size, a sales cycle 0.5 month shorter), its gain in mean revenue and in P(target),
  both under common random numbers;
- the **effort** each step costs, when the user enters it (gain per effort then ranks);
- **timing**: only what closes inside the horizon counts, so a lever that also converts
  the open pipeline (win rate, deal size) pays sooner than new activity;
- the **required value**: what the lever alone must reach for the target at the plan's
  confidence (:func:`simulator.reverse.solve`), or that it cannot;
- **headroom** against published benchmarks where one exists;
- each uncertain input's **share of the variance** of revenue (first-order Sobol indices
  of the expected revenue, ``scipy.stats.sobol_indices``), with the share left to chance
  reported apart: where better measurement pays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import stats

from simulator import analytic, engine, levers, reverse, uncertain
from simulator.funnel import Funnel
from simulator.plan import KpiSet, PlanError
from simulator.results import SimulationResult

#: The natural step of each kind of lever (DESIGN: what a manager can act on).
STEPS: dict[str, float] = {
    "rate": 0.01,  # +1 point
    "productivity": 5.0,  # +5 calls a rep a day
    "reps": 1.0,  # +1 rep
    "volume": 0.10,  # +10%
    "deal_size": 0.10,  # +10%
    "cycle": -0.5,  # half a month shorter
}
RELATIVE = {"volume", "deal_size"}

#: Published ranges (docs/design.md §6, sample_data/README.md) by lever kind or stage key.
BENCHMARKS: dict[str, tuple[float, float]] = {
    "team.calls_per_rep_per_day": (28.0, 80.0),
    "win_rate": (0.17, 0.30),
    "stage:connect": (0.054, 0.20),
    "stage:opportunity": (0.10, 0.40),
    "stage:meeting": (0.03, 0.10),
    "stage:open": (0.28, 0.44),
    "stage:reply": (0.01, 0.10),
}
#: Trials for each step's simulation: gains in mean revenue use each trial's expected
#: revenue (exact under common random numbers); P(target) gains carry ~0.5 pt of noise.
STEP_TRIALS = 20_000
#: Required values: a coarse search, then the answer simulated with STEP_TRIALS.
SOLVE_TRIALS = 5_000
SOLVE_TOLERANCE = 0.01
SOBOL_POWER = 12


@dataclass(frozen=True)
class LeverResult:
    lever: str
    kind: str
    base: float  # the lever's median now
    step: float  # the step, in the lever's units (a fraction for +10% levers)
    stepped: float  # its median after one step
    revenue_gain: float  # mean revenue, CRN
    p_target_gain: float
    revenue_loss: float  # one step the other way (the tornado's other side)
    effort: float | None
    score: float  # what the ranking sorts by
    required_for_target: float | None  # the lever's median at the required value
    required_setting: Any  # that value in the file format, to put back into the plan
    required_problem: str | None
    half_gain_month: str | None  # by when half of the step's gain has arrived
    benchmark: tuple[float, float] | None
    headroom: float | None  # where the base sits in the benchmark range: 0 = low end, 1 = high
    variance_share: float | None


@dataclass(frozen=True)
class Analysis:
    levers: list[LeverResult]
    center_pin: str
    reason: dict[str, Any]  # a code and its values, for a sentence in the user's language
    noise_share: float  # share of revenue variance that is chance, not the inputs
    tie: bool  # +10% on every multiplicative lever gives the same revenue
    base_p_target: float
    base_revenue: float
    variance_shares: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """DESIGN §4's ``center-pin --json`` output (plus the reason's details)."""
        return {
            "levers": [
                {
                    "lever": r.lever,
                    "base": r.base,
                    "step": r.step,
                    "revenue_gain": r.revenue_gain,
                    "p_target_gain": r.p_target_gain,
                    "required_for_target": r.required_for_target,
                    "variance_share": r.variance_share,
                }
                for r in self.levers
            ],
            "center_pin": self.center_pin,
            "reason": self.reason,
        }


def stepped_value(plan: KpiSet, lever: levers.Lever, step: float) -> Any:
    """The lever's value after one step, in the file format: +10% for the relative kinds."""
    value = levers.get(plan, lever.path)
    if lever.kind in RELATIVE:
        return levers.scaled(value, 1.0 + step)
    return levers.stepped(value, step, lever.kind)


def relative_tie(plan: KpiSet, tolerance: float = 0.005) -> tuple[bool, dict[str, float]]:
    """Expected revenue gain of +10% on the mean of each multiplicative lever (closed form).

    Expected revenue is a sum over channels of level × product of rates × win rate × deal
    size (plus the open pipeline's wins × deal size), so +10% on one factor adds 10% of the
    revenue that factor multiplies. Equal gains (within ``tolerance``, relative) are the tie
    a ranking by relative change would show: the reason a center pin needs absolute steps.
    """
    f = Funnel(plan)
    expect = analytic.expected(plan)
    total = expect.total_revenue
    if total <= 0:
        return False, {}
    deal, win = expect.deal_size, expect.win_rate
    inside = f.close_matrix.sum(axis=1)  # share of a month's wins that close in the horizon
    by_channel = {
        channel.key: float(
            np.dot(expect.stages[channel.key][channel.stages[-1].key] * win * deal, inside)
        )
        for channel in plan.channels
    }
    gains: dict[str, float] = {}
    for lever in levers.levers(plan):
        if lever.kind in ("reps", "cycle"):
            continue
        if lever.path in ("win_rate", "deal_size"):
            affected = total  # every deal, the open pipeline's too
        elif lever.channel is not None:
            affected = by_channel[lever.channel]
        else:  # calls per rep per day: the team's channel
            affected = sum(by_channel[c.key] for c in plan.channels if c.volume_from == "team")
        gains[lever.path] = 0.10 * affected / total
    values = np.array(list(gains.values()))
    spread = float(values.max() - values.min()) if len(values) else 0.0
    tie = len(values) > 1 and spread <= tolerance * max(float(values.mean()), 1e-12)
    return tie, gains


def variance_shares(plan: KpiSet, seed: int, power: int = SOBOL_POWER) -> dict[str, float]:
    """First-order Sobol indices of each trial's expected revenue over the uncertain inputs."""
    f = Funnel(plan)
    uncertain_inputs = [
        (path, quantity, kind)
        for path, quantity, kind in f.quantities
        if not isinstance(quantity, (int, float)) and uncertain.is_uncertain(quantity, kind)
    ]
    if not uncertain_inputs:
        return {}
    dists = [uncertain.distribution(q, kind) for _, q, kind in uncertain_inputs]
    deal = float(f.deal.mean())

    def expected_revenue(x: np.ndarray) -> np.ndarray:
        values = {path: x[i] for i, (path, _, _) in enumerate(uncertain_inputs)}
        return f.expected_wins(f.draws_from(values, x.shape[1])) * deal

    if len(dists) == 1:
        return {uncertain_inputs[0][0]: 1.0}
    result = stats.sobol_indices(
        func=expected_revenue, n=2**power, dists=dists, rng=np.random.default_rng(seed)
    )
    first = np.clip(np.asarray(result.first_order, dtype=float), 0.0, 1.0)
    return {path: float(s) for (path, _, _), s in zip(uncertain_inputs, first, strict=True)}


def _half_gain_month(base: KpiSet, stepped: KpiSet) -> str | None:
    gain = analytic.expected(stepped).revenue - analytic.expected(base).revenue
    total = gain.sum()
    if total <= 0:
        return None
    months = analytic.expected(base).months
    return months[int(np.searchsorted(np.cumsum(gain), 0.5 * total))]


def _headroom(lever: levers.Lever, base: float) -> tuple[tuple[float, float] | None, float | None]:
    key = (
        lever.path if lever.path in BENCHMARKS else f"stage:{lever.stage}" if lever.stage else None
    )
    bench = BENCHMARKS.get(key) if key else None
    if bench is None:
        return None, None
    low, high = bench
    return bench, (base - low) / (high - low)


def _two_at_a_time(function: Callable[[Any], Any], items: list[Any], name: str) -> list[Any]:
    """``function`` over ``items`` on two threads: levers are independent, and two keep
    both cores busy between numpy calls (each run is small)."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix=name) as pool:
        return list(pool.map(function, items))


def _mean_revenue(result: SimulationResult) -> float:
    return float(result.expected_revenue.mean())


def _noise_share(result: SimulationResult) -> float:
    """The share of revenue variance that is chance: 1 − Var(E[R|θ]) / Var(R)."""
    total = float(result.total_revenue.var())
    explained = float(result.expected_revenue.var())
    return max(0.0, 1.0 - explained / total) if total > 0 else 0.0


def _step_down_loss(base: SimulationResult, lever: levers.Lever, step: float) -> float:
    """Mean revenue after one step the other way (the tornado's other side), less the base.

    Only its mean revenue is needed: no counts to draw.
    """
    try:
        down = levers.with_value(base.plan, lever.path, stepped_value(base.plan, lever, -step))
    except PlanError:  # e.g. a rate already at 0
        return 0.0
    revenue = engine.expected_revenue(down, trials=base.trials, seed=base.seed)
    return float(revenue.mean()) - _mean_revenue(base)


def _step_row(
    base: SimulationResult, lever: levers.Lever, step: float, shares: dict[str, float]
) -> LeverResult | None:
    """One step of the lever measured against the base run under common random numbers;
    None when the step gives no valid plan."""
    plan = base.plan
    try:
        stepped_plan = levers.with_value(plan, lever.path, stepped_value(plan, lever, step))
    except PlanError:
        return None
    result = engine.simulate(stepped_plan, trials=base.trials, seed=base.seed)
    revenue_gain = _mean_revenue(result) - _mean_revenue(base)
    base_median = reverse.median_of(plan, lever.path)
    bench, headroom = _headroom(lever, base_median)
    return LeverResult(
        lever=lever.path,
        kind=lever.kind,
        base=base_median,
        step=step,
        stepped=reverse.median_of(stepped_plan, lever.path),
        revenue_gain=revenue_gain,
        p_target_gain=result.p_target()[0] - base.p_target()[0],
        revenue_loss=_step_down_loss(base, lever, step),
        effort=None,
        score=revenue_gain,
        required_for_target=None,
        required_setting=None,
        required_problem=None,
        half_gain_month=_half_gain_month(plan, stepped_plan),
        benchmark=bench,
        headroom=headroom,
        variance_share=shares.get(lever.path),
    )


def _first_guess(row: LeverResult, base_revenue: float, scale_needed: float) -> float | None:
    """A first guess of the lever's required value (a number of reps, or a factor on the
    lever) from its step's elasticity, which saves the solver most of its search.

    ``scale_needed`` is about how much the whole revenue distribution would have to scale
    to put its (1 − confidence) quantile on the target.
    """
    gain = row.revenue_gain / base_revenue if base_revenue else 0.0
    if not gain > 0:
        return None
    if row.kind == "reps":
        return row.base + (scale_needed - 1.0) / gain * row.step
    if row.kind in reverse.SOLVABLE and row.base > 0:
        factor_step = row.stepped / row.base - 1.0
        if factor_step > 0:
            return 1.0 + (scale_needed - 1.0) * factor_step / gain
    return None


def _required(plan: KpiSet, row: LeverResult, guess: float | None) -> LeverResult:
    """The row with what its lever alone must reach for the target at the plan's confidence
    (a coarse search: the value, not its P(target)), or why it cannot."""
    if row.kind not in reverse.SOLVABLE:
        return replace(row, required_problem="not_solvable")
    try:
        solution = reverse.solve(
            plan,
            row.lever,
            search_trials=SOLVE_TRIALS,
            tolerance=SOLVE_TOLERANCE,
            check=False,
            guess=guess,
        )
    except reverse.Unsolvable as exc:
        return replace(row, required_problem=exc.code)
    return replace(
        row,
        required_for_target=solution.value,
        required_setting=levers.get(solution.plan, row.lever),
    )


def _with_required_values(base: SimulationResult, rows: list[LeverResult]) -> list[LeverResult]:
    scale_needed = base.target / max(base.revenue_at_confidence(), 1e-9)
    base_revenue = _mean_revenue(base)
    return _two_at_a_time(
        lambda row: _required(base.plan, row, _first_guess(row, base_revenue, scale_needed)),
        rows,
        "centerpin-solve",
    )


def analyse(
    plan: KpiSet,
    *,
    efforts: dict[str, float] | None = None,
    steps: dict[str, float] | None = None,
    trials: int = STEP_TRIALS,
    required: bool = True,
) -> Analysis:
    """Rank every lever of the plan; see the module docstring for what is measured."""
    steps = steps or {}
    seed = plan.simulation.seed
    base = engine.simulate(plan, trials=min(trials, plan.simulation.trials), seed=seed)
    shares = variance_shares(plan, seed)
    rows = _two_at_a_time(
        lambda lever: _step_row(base, lever, steps.get(lever.path, STEPS[lever.kind]), shares),
        levers.levers(plan),
        "centerpin-step",
    )
    rows = [row for row in rows if row is not None]
    if required:
        rows = _with_required_values(base, rows)
    analysis = Analysis(
        levers=rows,
        center_pin="",
        reason={},
        noise_share=_noise_share(base),
        tie=relative_tie(plan)[0],
        base_p_target=base.p_target()[0],
        base_revenue=_mean_revenue(base),
        variance_shares=shares,
    )
    return with_efforts(analysis, efforts)


def with_efforts(analysis: Analysis, efforts: dict[str, float] | None) -> Analysis:
    """The analysis ranked again for the given efforts, without simulating anything anew.

    Without efforts, levers rank by the revenue one step adds; with them, by revenue per
    unit of effort, and levers without an effort go last.
    """
    efforts = {k: float(v) for k, v in (efforts or {}).items() if v is not None and v > 0}
    rows = [
        replace(
            r,
            effort=efforts.get(r.lever),
            score=r.revenue_gain / efforts[r.lever] if r.lever in efforts else r.revenue_gain,
        )
        for r in analysis.levers
    ]
    if efforts:
        ranked = sorted(rows, key=lambda r: (r.effort is None, -r.score))
    else:
        ranked = sorted(rows, key=lambda r: -r.revenue_gain)
    pin = ranked[0]
    base = analysis.base_revenue
    reason = {
        "code": "per_effort" if efforts else "per_step",
        "lever": pin.lever,
        "step": pin.step,
        "kind": pin.kind,
        "revenue_gain": pin.revenue_gain,
        "revenue_gain_pct": pin.revenue_gain / base if base else math.nan,
        "p_target_gain": pin.p_target_gain,
        "effort": pin.effort,
        "tie": analysis.tie,
        "runner_up": ranked[1].lever if len(ranked) > 1 else None,
    }
    return replace(analysis, levers=ranked, center_pin=pin.lever, reason=reason)


def reason_text(analysis: Analysis) -> str:
    """The verdict in one English sentence (the UI words it in the user's language)."""
    r = analysis.reason
    text = (
        f"{r['lever']}: one step ({r['step']:+g}) adds {r['revenue_gain_pct']:+.1%} revenue "
        f"and {r['p_target_gain'] * 100:+.1f} pt P(target)"
    )
    if r["code"] == "per_effort":
        text += f", the most per unit of effort ({r['effort']:g})"
    else:
        text += ", the largest gain of any single step"
    if r["tie"]:
        text += "; a +10% on any rate, volume or deal size would be a tie"
    return text + "."
