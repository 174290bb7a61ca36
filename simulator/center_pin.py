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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import stats

from simulator import analytic, engine, levers, reverse, uncertain
from simulator.funnel import Funnel
from simulator.plan import KpiSet, PlanError

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


def _headroom(
    plan: KpiSet, lever: levers.Lever, base: float
) -> tuple[tuple[float, float] | None, float | None]:
    key = (
        lever.path if lever.path in BENCHMARKS else f"stage:{lever.stage}" if lever.stage else None
    )
    bench = BENCHMARKS.get(key) if key else None
    if bench is None:
        return None, None
    low, high = bench
    return bench, (base - low) / (high - low)


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
    trials = min(trials, plan.simulation.trials)
    base_result = engine.simulate(plan, trials=trials, seed=seed)
    base_p = base_result.p_target()[0]
    base_expected = float(base_result.expected_revenue.mean())
    shares = variance_shares(plan, seed)
    total_var = float(base_result.total_revenue.var())
    explained = float(base_result.expected_revenue.var())
    noise = max(0.0, 1.0 - explained / total_var) if total_var > 0 else 0.0
    tie, _ = relative_tie(plan)

    # The whole revenue distribution would have to scale by about this much to put its
    # (1 - confidence) quantile on the target: with each lever's step elasticity, a first
    # guess of its required value that saves the solver most of its search.
    scale_needed = plan.target.revenue / max(base_result.revenue_at_confidence(), 1e-9)
    guesses: dict[str, float] = {}

    def required_value(lever: levers.Lever) -> tuple[float | None, Any, str | None]:
        if not required:
            return None, None, None
        if lever.kind not in reverse.SOLVABLE:
            return None, None, "not_solvable"
        try:
            solution = reverse.solve(
                plan,
                lever.path,
                search_trials=SOLVE_TRIALS,
                tolerance=SOLVE_TOLERANCE,
                check=False,
                guess=guesses.get(lever.path),
            )
        except reverse.Unsolvable as exc:
            return None, None, exc.code
        return solution.value, levers.get(solution.plan, lever.path), None

    def step_row(lever: levers.Lever) -> LeverResult | None:
        step = steps.get(lever.path, STEPS[lever.kind])
        base_median = reverse.median_of(plan, lever.path)
        try:
            stepped_plan = levers.with_values(plan, {lever.path: stepped_value(plan, lever, step)})
        except PlanError:
            return None
        result = engine.simulate(stepped_plan, trials=trials, seed=seed)
        revenue_gain = float(result.expected_revenue.mean()) - base_expected
        p_gain = result.p_target()[0] - base_p
        try:  # the step down needs only its mean revenue: no counts to draw
            down_plan = levers.with_values(plan, {lever.path: stepped_value(plan, lever, -step)})
            down = engine.expected_revenue(down_plan, trials=trials, seed=seed)
            revenue_loss = float(down.mean()) - base_expected
        except PlanError:  # e.g. a rate already at 0
            revenue_loss = 0.0
        bench, headroom = _headroom(plan, lever, base_median)
        return LeverResult(
            lever=lever.path,
            kind=lever.kind,
            base=base_median,
            step=step,
            stepped=reverse.median_of(stepped_plan, lever.path),
            revenue_gain=revenue_gain,
            p_target_gain=p_gain,
            revenue_loss=revenue_loss,
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

    all_levers = levers.levers(plan)
    # Levers are independent: two at a time keep both cores busy between numpy calls.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="centerpin-step") as pool:
        rows = [row for row in pool.map(step_row, all_levers) if row is not None]
    # First guesses from each lever's step: revenue fraction gained per unit of the lever.
    for row in rows:
        gain = row.revenue_gain / base_expected if base_expected else 0.0
        if row.kind == "reps" and gain > 0:
            guesses[row.lever] = row.base + (scale_needed - 1.0) / gain * row.step
        elif row.kind in reverse.SOLVABLE and gain > 0 and row.base > 0:
            factor_step = row.stepped / row.base - 1.0
            if factor_step > 0:
                guesses[row.lever] = 1.0 + (scale_needed - 1.0) * factor_step / gain
    # Each solve runs small single-chunk simulations: two at a time use both cores.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="centerpin-solve") as pool:
        solved = dict(
            zip([lv.path for lv in all_levers], pool.map(required_value, all_levers), strict=True)
        )

    rows = [
        replace(
            row,
            required_for_target=solved[row.lever][0],
            required_setting=solved[row.lever][1],
            required_problem=solved[row.lever][2],
        )
        for row in rows
    ]
    analysis = Analysis(
        levers=rows,
        center_pin="",
        reason={},
        noise_share=noise,
        tie=tie,
        base_p_target=base_p,
        base_revenue=base_expected,
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
