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
  confidence (:func:`simulator.reverse.solve`), or that it cannot: the slow part, so
  :func:`analyse` can rank without it and :func:`required_values` add it after;
- **headroom** against published benchmarks where one exists;
- each uncertain input's **share of the variance** of revenue (first-order Sobol indices
  of the expected revenue, ``scipy.stats.sobol_indices``), with the share left to chance
  reported apart: where better measurement pays.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import special, stats

from simulator import analytic, engine, levers, reverse, uncertain
from simulator import funnel as fn
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
    #: The most revenue the base run reaches in at least the plan's confidence of its
    #: trials (:func:`simulator.reverse.revenue_reached`): where required values start.
    revenue_reached: float = math.nan
    #: Whether :func:`required_values` has filled in each lever's required value.
    required_solved: bool = False

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


@dataclass(frozen=True)
class _Quantile:
    """A quantity's inverse CDF as ``scipy.stats.sobol_indices`` asks for it (``ppf``), from
    the engines' tabulated one: a Beta's exact ``ppf`` would cost most of the indices' time.
    """

    value: uncertain.Value
    kind: uncertain.Kind

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return uncertain.at_scores(self.value, self.kind, special.ndtri(u))


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
    deal = uncertain.central(f.deal_size, "positive")

    def expected_revenue(x: np.ndarray) -> np.ndarray:
        values = {path: x[i] for i, (path, _, _) in enumerate(uncertain_inputs)}
        return f.expected_wins(f.draws_from(values, x.shape[1])) * deal

    if len(uncertain_inputs) == 1:
        return {uncertain_inputs[0][0]: 1.0}
    result = stats.sobol_indices(
        func=expected_revenue,
        n=2**power,
        dists=[_Quantile(q, kind) for _, q, kind in uncertain_inputs],
        rng=np.random.default_rng(seed),
    )
    first = np.clip(np.asarray(result.first_order, dtype=float), 0.0, 1.0)
    return {path: float(s) for (path, _, _), s in zip(uncertain_inputs, first, strict=True)}


def _half_gain_month(base: analytic.Expectation, stepped: KpiSet) -> str | None:
    gain = analytic.expected(stepped).revenue - base.revenue
    total = gain.sum()
    if total <= 0:
        return None
    return base.months[int(np.searchsorted(np.cumsum(gain), 0.5 * total))]


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


class _Base:
    """What every step shares of the base plan: its expected revenue by month, and its
    run's per-trial draws, chunk by chunk. A run that moves one lever draws the moved
    quantity again and nothing else.

    Each trial's expected revenue needs no counts, so a step's mean revenue is this and a
    matrix product: the numbers of :func:`simulator.engine.expected_revenue` for the same
    trials and seed (a test holds them equal), at a fraction of its cost.
    """

    def __init__(self, plan: KpiSet, trials: int, seed: int) -> None:
        f, self.seed = Funnel(plan), seed
        self.expected = analytic.expected(plan)
        self.chunks = [
            (index, f.draw(seed, index, stop - start))
            for index, (start, stop) in enumerate(fn.chunks(trials))
        ]

    def _values(
        self, value: uncertain.Value, kind: uncertain.Kind, path: str, chunk: int, n: int
    ) -> np.ndarray:
        """One quantity's per-trial values in one chunk, from its own stream (as
        :meth:`simulator.funnel.Funnel.draw` draws them: one stream per lever path)."""
        if isinstance(value, (int, float)):
            return np.full(n, float(value))
        rng = fn.stream(self.seed, chunk, fn.PARAMETERS, zlib.crc32(path.encode()))
        return uncertain.at_scores(value, kind, rng.standard_normal(n))

    def _moved(self, f: Funnel, lever: levers.Lever, chunk: int, draws: fn.Draws) -> fn.Draws:
        """The chunk's draws with the lever's quantity drawn again for the plan of ``f``;
        levers not drawn per trial (reps, deal size, sales cycle) keep them as they are."""
        quantity = next((q for q in f.quantities if q[0] == lever.path), None)
        if quantity is None:
            return draws
        values = self._values(quantity[1], quantity[2], lever.path, chunk, len(draws.win_rate))
        if lever.path == "win_rate":
            return replace(draws, win_rate=values)
        if lever.kind == "productivity":
            return replace(draws, productivity=values)
        if lever.kind == "volume":
            return replace(draws, volumes={**draws.volumes, lever.channel: values})
        rates = draws.rates[lever.channel].copy()
        channel = next(c for c in f.channels if c.key == lever.channel)
        rates[:, channel.stage_keys.index(lever.stage)] = values
        return replace(draws, rates={**draws.rates, lever.channel: rates})

    def expected_revenue(self, plan: KpiSet, lever: levers.Lever) -> np.ndarray:
        """Each trial's expected revenue for ``plan``, the base plan with ``lever`` moved."""
        f = Funnel(plan)
        deal = uncertain.central(f.deal_size, "positive")
        return np.concatenate(
            [f.expected_wins(self._moved(f, lever, i, draws)) * deal for i, draws in self.chunks]
        )


def _deal_size_scaled(base: SimulationResult, plan: KpiSet, factor: float) -> SimulationResult:
    """The run of ``plan``, the base plan with its deal size scaled by ``factor``, without
    simulating: no count depends on the deal size and every deal's size scales with it,
    so each trial's revenue is the base's times the factor (a test holds this to the
    engine)."""
    if not base.keeps_every_trial:  # a streamed run has no per-trial arrays to scale
        return engine.simulate(plan, trials=base.trials, seed=base.seed)
    kept = replace(
        base.kept,
        revenue=base.kept.revenue * factor,
        expected_revenue=base.kept.expected_revenue * factor,
    )
    return replace(base, plan=plan, kept=kept)


def _step_row(
    base: SimulationResult, shared: _Base, lever: levers.Lever, step: float
) -> LeverResult | None:
    """One step of the lever measured against the base run under common random numbers;
    None when the step gives no valid plan."""
    plan = base.plan
    try:
        stepped_plan = levers.with_value(plan, lever.path, stepped_value(plan, lever, step))
    except PlanError:
        return None
    if lever.kind == "deal_size":
        result = _deal_size_scaled(base, stepped_plan, 1.0 + step)
    else:
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
        revenue_loss=_step_down_loss(base, shared, lever, step),
        effort=None,
        score=revenue_gain,
        required_for_target=None,
        required_setting=None,
        required_problem=None,
        half_gain_month=_half_gain_month(shared.expected, stepped_plan),
        benchmark=bench,
        headroom=headroom,
        variance_share=None,
    )


def _step_down_loss(
    base: SimulationResult, shared: _Base, lever: levers.Lever, step: float
) -> float:
    """Mean revenue after one step the other way (the tornado's other side), less the base.

    Only its mean revenue is needed: no counts to draw, and of the draws only the lever's.
    """
    try:
        down = levers.with_value(base.plan, lever.path, stepped_value(base.plan, lever, -step))
    except PlanError:  # e.g. a rate already at 0
        return 0.0
    return float(shared.expected_revenue(down, lever).mean()) - _mean_revenue(base)


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


def _with_required(row: LeverResult, solved: KpiSet) -> LeverResult:
    return replace(
        row,
        required_for_target=reverse.median_of(solved, row.lever),
        required_setting=levers.get(solved, row.lever),
    )


def _required(
    plan: KpiSet, analysis: Analysis, row: LeverResult, base_run: SimulationResult | None
) -> LeverResult:
    """The row with what its lever alone must reach for the target at the plan's confidence
    (a coarse search: the value, not its P(target)), or why it cannot.

    The deal size needs no search: the base run's revenue scales with it. Every search
    starts from the same run of the plan as it is (``base_run``, SOLVE_TRIALS).
    """
    if row.kind not in reverse.SOLVABLE:
        return replace(row, required_problem="not_solvable")
    try:
        if row.kind == "deal_size":
            return _with_required(row, reverse.deal_size_for(plan, analysis.revenue_reached))
        scale_needed = plan.target.revenue / max(analysis.revenue_reached, 1e-9)
        solution = reverse.solve(
            plan,
            row.lever,
            search_trials=SOLVE_TRIALS,
            tolerance=SOLVE_TOLERANCE,
            check=False,
            guess=_first_guess(row, analysis.base_revenue, scale_needed),
            base_run=base_run,
        )
    except reverse.Unsolvable as exc:
        return replace(row, required_problem=exc.code)
    return _with_required(row, solution.plan)


def required_values(plan: KpiSet, analysis: Analysis) -> Analysis:
    """The analysis with each lever's required value filled in (the slow part).

    ``analysis`` is :func:`analyse` of ``plan`` with ``required=False``, which a page can
    show first: the ranking, tornado and variance shares do not wait for the solver. The
    rows keep their order; efforts stay as they were.
    """
    if analysis.required_solved:
        return analysis
    rows = analysis.levers
    base_run = None
    if any(r.kind in reverse.SOLVABLE and r.kind != "deal_size" for r in rows):
        base_run = engine.simulate(plan, trials=min(SOLVE_TRIALS, plan.simulation.trials))
    rows = _two_at_a_time(
        lambda row: _required(plan, analysis, row, base_run), rows, "centerpin-solve"
    )
    return replace(analysis, levers=rows, required_solved=True)


def analyse(
    plan: KpiSet,
    *,
    efforts: dict[str, float] | None = None,
    steps: dict[str, float] | None = None,
    trials: int = STEP_TRIALS,
    required: bool = True,
) -> Analysis:
    """Rank every lever of the plan; see the module docstring for what is measured.

    With ``required=False`` the required values are left out (None, and
    ``required_solved`` False): the ranking is ready in a fraction of the time, and
    :func:`required_values` adds them after.
    """
    steps = steps or {}
    seed = plan.simulation.seed
    trials = min(trials, plan.simulation.trials)
    base = engine.simulate(plan, trials=trials, seed=seed)
    shared = _Base(plan, trials, seed)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="centerpin-sobol") as pool:
        shares_pending = pool.submit(variance_shares, plan, seed)  # beside the step runs
        rows = _two_at_a_time(
            lambda lever: _step_row(base, shared, lever, steps.get(lever.path, STEPS[lever.kind])),
            levers.levers(plan),
            "centerpin-step",
        )
        shares = shares_pending.result()
    rows = [replace(row, variance_share=shares.get(row.lever)) for row in rows if row is not None]
    analysis = Analysis(
        levers=rows,
        center_pin="",
        reason={},
        noise_share=_noise_share(base),
        tie=relative_tie(plan)[0],
        base_p_target=base.p_target()[0],
        base_revenue=_mean_revenue(base),
        variance_shares=shares,
        revenue_reached=reverse.revenue_reached(base.total_revenue, plan.target.confidence),
    )
    if required:
        analysis = required_values(plan, analysis)
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
