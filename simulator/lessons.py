"""The training path (研修): seven short lessons on how the funnel works, each a number to
predict and the answer the simulation gives.

Every function is pure (no Streamlit): it takes a plan (and, where it simulates, a
``run`` that simulates a plan, so a page can pass a cached one) and returns what the
lesson shows and the answer its question reveals.

1. :func:`funnel_chain`: the funnel and its KPIs (架電数 → 接触率 → 商談化率 → 受注率 →
   受注金額) with the sample plan's numbers; the question: how many calls one win takes.
2. :func:`compounding`: +p on each of the chain's k factors is (1 + p)^k − 1, not p.
3. :func:`honest_tie`: +10% on any factor of a pure product funnel gives the same
   revenue, so the center pin comes from absolute steps, effort and timing.
4. :func:`lag`: a top-of-funnel gain from a later month pays little inside the year.
5. :func:`uncertainty`: a plan whose average meets the target reaches it about half the
   time; what a higher confidence costs in calls a day.
6. :func:`kgi`: from the revenue goal back to this month's calls (the plain chain).
7. :func:`center_pin_quiz`: guess the center pin of a plan not seen before; the answer,
   its reasons and a score.

The lessons on the funnel's arithmetic (2–4) run on :func:`pure_funnel`, the sample's
calls channel alone with every quantity at its mean and no open pipeline: there the
closed forms hold exactly, and the simulation shows them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulator import analytic, engine, levers, reverse, uncertain
from simulator.center_pin import Analysis, LeverResult, relative_tie
from simulator.funnel import Funnel
from simulator.plan import KpiSet, parse_plan
from simulator.results import SimulationResult

#: How many lessons the path has.
COUNT = 7
#: The plan lessons 1–6 teach on, and the plans lesson 7 may quiz on (one not yet seen).
SAMPLE = "jp_smb_saas"
MYSTERY = ("jp_enterprise", "us_sdr")
#: Trials behind every lesson's simulation: enough for the answers' stated accuracy, and
#: quick enough that a lesson answers within a second.
TRIALS = 10_000
#: The lever a lesson moves for "activity": calls per rep per day.
CALLS_PER_DAY = "team.calls_per_rep_per_day"

Run = Callable[[KpiSet], SimulationResult]


def simulate(plan: KpiSet) -> SimulationResult:
    """The plan's run with its own trials and seed (what a page replaces by a cached run)."""
    return engine.simulate(plan)


def with_trials(plan: KpiSet, trials: int = TRIALS) -> KpiSet:
    """The plan with ``trials`` trials (its seed kept)."""
    update = {"trials": trials}
    return plan.model_copy(update={"simulation": plan.simulation.model_copy(update=update)})


def team_channel(plan: KpiSet) -> str:
    """The key of the channel whose volume comes from the team (the calls)."""
    for channel in plan.channels:
        if channel.volume_from == "team":
            return channel.key
    raise ValueError("the plan has no channel that takes its volume from the team")


def pure_funnel(plan: KpiSet, trials: int = TRIALS) -> KpiSet:
    """The plan's calls channel alone, every quantity fixed at its mean, no open pipeline.

    Revenue is then calls × Π stage rates × win rate × deal size, month by month and
    shifted by the sales cycle: the pure product funnel where the closed forms of lessons
    2–4 hold exactly.
    """
    data = plan.model_dump(mode="json")
    key = team_channel(plan)
    channel = next(c for c in data["channels"] if c["key"] == key)
    for stage in channel["stages"]:
        stage["rate"] = uncertain.central(stage["rate"], "rate")
    data["channels"] = [channel]
    team = data["team"]
    team["calls_per_rep_per_day"] = uncertain.central(team["calls_per_rep_per_day"], "positive")
    data["win_rate"] = uncertain.central(data["win_rate"], "rate")
    data["deal_size"] = uncertain.central(data["deal_size"], "positive")
    data["sales_cycle_months"] = round(uncertain.central(data["sales_cycle_months"], "positive"), 1)
    data["open_opportunities"] = 0
    data["simulation"]["trials"] = trials
    return parse_plan(data)


def chain_levers(plan: KpiSet) -> list[str]:
    """The calls chain's factors as lever paths: calls a day, each calls stage's rate, the
    win rate, the deal size."""
    key = team_channel(plan)
    channel = next(c for c in plan.channels if c.key == key)
    stages = [f"channels.{key}.stages.{stage.key}.rate" for stage in channel.stages]
    return [CALLS_PER_DAY, *stages, "win_rate", "deal_size"]


def mean_revenue(result: SimulationResult) -> float:
    """Mean revenue from each trial's expected revenue given its draws: under common random
    numbers a change between two runs is the lever's alone, free of count noise."""
    return float(result.expected_revenue.mean())


# ----------------------------------------------------------------------------- 1 the funnel


@dataclass(frozen=True)
class Step:
    """One step of the calls chain over the horizon: a count, and the rate that led to it."""

    metric: str  # the glossary's metric path: calls.volume, calls.connect, wins, revenue
    rate_path: str | None  # the lever whose rate leads here (None for the first count)
    rate: float | None
    value: float  # the expected count (money for revenue) over the horizon


@dataclass(frozen=True)
class FunnelChain:
    channel: str
    steps: list[Step]
    deal_size: float
    calls_per_win: float  # the question's answer: 1 ÷ (Π stage rates × win rate)
    share_of_revenue: float  # the calls channel's share of the plan's expected revenue


def funnel_chain(plan: KpiSet, rates: dict[str, float] | None = None) -> FunnelChain:
    """The plan's calls chain over the horizon at mean values (``rates`` may replace a
    stage's or the win rate's mean by lever path: the lesson's slider).

    Wins here are the calls' opportunities times the win rate, wherever they close; the
    question's answer, calls per win, is 1 ÷ (Π stage rates × win rate).
    """
    rates = rates or {}
    key = team_channel(plan)
    f = Funnel(plan)
    expect = analytic.expected(plan)
    channel = next(c for c in f.channels if c.key == key)
    count = float(expect.volumes[key].sum())
    steps = [Step(f"{key}.volume", None, None, count)]
    for stage, value in zip(channel.stage_keys, channel.rates, strict=True):
        path = f"channels.{key}.stages.{stage}.rate"
        rate = rates.get(path, uncertain.central(value, "rate"))
        count *= rate
        steps.append(Step(f"{key}.{stage}", path, rate, count))
    win = rates.get("win_rate", expect.win_rate)
    wins = count * win
    steps.append(Step("wins", "win_rate", win, wins))
    steps.append(Step("revenue", None, None, wins * expect.deal_size))
    product = math.prod(s.rate for s in steps if s.rate is not None)
    total = analytic.expected(plan).total_revenue
    inside = float(expect.stages[key][channel.stage_keys[-1]] @ f.close_matrix.sum(axis=1))
    return FunnelChain(
        channel=key,
        steps=steps,
        deal_size=expect.deal_size,
        calls_per_win=1.0 / product if product > 0 else math.inf,
        share_of_revenue=inside * expect.win_rate * expect.deal_size / total if total else 0.0,
    )


# ----------------------------------------------------------------------------- 2 compounding


@dataclass(frozen=True)
class Compounding:
    improvement: float  # p, on each factor
    factors: int  # k
    closed_form: float  # (1 + p)^k − 1: the question's answer
    simulated: float  # mean revenue with every factor +p, over the base, less 1
    one_factor: float  # the same with the first factor alone +p (= p)
    base_revenue: float
    improved_revenue: float
    cumulative: list[float]  # revenue gain after the first i factors improved, i = 1..k


def improved(plan: KpiSet, paths: Sequence[str], improvement: float) -> KpiSet:
    """The plan with each lever in ``paths`` multiplied by 1 + ``improvement``."""
    for path in paths:
        value = levers.get(plan, path)
        plan = levers.with_value(plan, path, levers.scaled(value, 1.0 + improvement))
    return plan


def compounding(pure: KpiSet, improvement: float = 0.10, run: Run = simulate) -> Compounding:
    """+``improvement`` on every factor of the calls chain against on one factor."""
    if not 0 < improvement <= 1:
        raise ValueError("the improvement must be in (0, 1]")
    paths = chain_levers(pure)
    base = mean_revenue(run(pure))
    cumulative = []
    for i in range(1, len(paths) + 1):
        cumulative.append(mean_revenue(run(improved(pure, paths[:i], improvement))) / base - 1)
    return Compounding(
        improvement=improvement,
        factors=len(paths),
        closed_form=(1.0 + improvement) ** len(paths) - 1.0,
        simulated=cumulative[-1],
        one_factor=cumulative[0],
        base_revenue=base,
        improved_revenue=base * (1 + cumulative[-1]),
        cumulative=cumulative,
    )


# ----------------------------------------------------------------------------- 3 the honest tie


@dataclass(frozen=True)
class Tie:
    tie: bool  # the question's answer: +10% on any factor gives the same revenue
    relative: dict[str, float]  # lever -> closed-form gain of +10% (a share of revenue)
    simulated: dict[str, float]  # lever -> simulated gain of +10% (common random numbers)
    steps: list[LeverResult]  # the center pin's ranking by one realistic step each
    center_pin: str
    base_revenue: float


def honest_tie(pure: KpiSet, analysis: Analysis, run: Run = simulate) -> Tie:
    """+10% on each factor of the pure funnel (closed form and simulated: all equal), and
    the ranking the center pin gives instead (``analysis``: :func:`center_pin.analyse` of
    ``pure``), by absolute steps with their timing."""
    tie, relative = relative_tie(pure)
    base = mean_revenue(run(pure))
    simulated = {
        path: mean_revenue(run(improved(pure, [path], 0.10))) / base - 1 for path in relative
    }
    return Tie(
        tie=tie,
        relative=relative,
        simulated=simulated,
        steps=list(analysis.levers),
        center_pin=analysis.center_pin,
        base_revenue=analysis.base_revenue,
    )


# ----------------------------------------------------------------------------- 4 the lag


@dataclass(frozen=True)
class Lag:
    start: int  # the month (0-based in the horizon) the lift starts
    lift: float  # on calls, from that month on
    cycle: float  # the sales cycle, months
    months: list[str]
    gain: float  # the question's answer: revenue gain inside the horizon, a share
    closed_form: float  # the same from the expected counts
    naive: float  # lift × the share of months left: what ignoring the cycle would say
    full_year: float  # the lift from the first month (= lift)
    extra_by_month: np.ndarray  # expected extra revenue closing in each month
    extra_after: float  # expected extra revenue that closes after the horizon
    base_revenue: float


def lifted_from(plan: KpiSet, start: int, lift: float) -> KpiSet:
    """The plan with every channel's volume × (1 + ``lift``) from month ``start`` on
    (0-based), by the seasonality of those calendar months (a horizon of 12 months or
    fewer: each calendar month once)."""
    if plan.months > 12:
        raise ValueError("a lift from a month needs a horizon of at most 12 months")
    if not 0 <= start < plan.months:
        raise ValueError(f"the start month must be in 0..{plan.months - 1}")
    f = Funnel(plan)
    seasonality = list(plan.seasonality)
    for key in f.month_keys[start:]:
        calendar = int(key[5:7]) - 1
        seasonality[calendar] *= 1.0 + lift
    return plan.model_copy(update={"seasonality": seasonality})


def with_cycle(plan: KpiSet, months: float) -> KpiSet:
    return levers.with_value(plan, "sales_cycle_months", months)


def lag(pure: KpiSet, start: int, lift: float = 0.10, run: Run = simulate) -> Lag:
    """Calls +``lift`` from month ``start`` on: the revenue it adds inside the horizon,
    simulated and in closed form, against the naive share of months left."""
    lifted = lifted_from(pure, start, lift)
    base_run, lifted_run = run(pure), run(lifted)
    base = mean_revenue(base_run)
    before, after = analytic.expected(pure), analytic.expected(lifted)
    extra = after.revenue - before.revenue
    deal = before.deal_size
    return Lag(
        start=start,
        lift=lift,
        cycle=float(uncertain.central(pure.sales_cycle_months, "positive")),
        months=before.months,
        gain=mean_revenue(lifted_run) / base - 1,
        closed_form=float(extra.sum()) / before.total_revenue,
        naive=lift * (pure.months - start) / pure.months,
        full_year=lift,
        extra_by_month=extra,
        extra_after=(after.carry_over_wins - before.carry_over_wins) * deal,
        base_revenue=base,
    )


# ----------------------------------------------------------------------------- 5 uncertainty


@dataclass(frozen=True)
class Uncertainty:
    confidence: float
    target: float
    p10: float
    p50: float
    p90: float
    p_target: float  # the plan as it is
    plain_value: float  # calls a day at which the *expected* revenue is the target
    plain_p_target: float  # the question's answer: how often that plan reaches the target
    plain_p_error: float
    plain_p50: float
    required_value: float  # calls a day that reach the target at the confidence
    required_p_target: float
    base_value: float  # the plan's calls a day
    cost: float  # required ÷ plain − 1: what the confidence costs in activity
    lever: str
    plain_plan: KpiSet
    required_plan: KpiSet


def uncertainty(
    plan: KpiSet, confidence: float, run: Run = simulate, lever: str = CALLS_PER_DAY
) -> Uncertainty:
    """The plan's spread, the chance a plan on its average reaches the target, and what
    reaching it with ``confidence`` costs in ``lever`` (calls a day)."""
    if not 0.5 <= confidence < 1:
        raise ValueError("the confidence must be in [0.5, 1)")
    base = run(plan)
    p10, p50, p90 = np.quantile(base.total_revenue, [0.1, 0.5, 0.9])
    plain = reverse.plain_value(plan, lever)
    plain_run = run(plain)
    plain_p, plain_error = plain_run.p_target()
    solved = reverse.solve(
        plan,
        lever,
        confidence=confidence,
        search_trials=plan.simulation.trials,
        check=False,
    )
    required = reverse.median_of(solved.plan, lever)
    plain_median = reverse.median_of(plain, lever)
    return Uncertainty(
        confidence=confidence,
        target=plan.target.revenue,
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        p_target=base.p_target()[0],
        plain_value=plain_median,
        plain_p_target=plain_p,
        plain_p_error=plain_error,
        plain_p50=float(np.median(plain_run.total_revenue)),
        required_value=required,
        required_p_target=run(solved.plan).p_target()[0],
        base_value=reverse.median_of(plan, lever),
        cost=required / plain_median - 1 if plain_median > 0 else math.inf,
        lever=lever,
        plain_plan=plain,
        required_plan=solved.plan,
    )


# ----------------------------------------------------------------------------- 6 KGI逆算


@dataclass(frozen=True)
class Kgi:
    target: float
    deal_size: float
    wins: float
    open_pipeline_wins: float
    win_rate: float
    opportunities: float
    channel: str
    channel_share: float
    steps: list[tuple[str, float, float]]  # the calls channel: (stage, rate, count needed)
    lag_months: int
    month: str  # the plan's first month: "this month"
    calls_this_month: float  # the question's answer
    calls_per_rep_per_day: float  # the same per effective rep and working day
    capacity_this_month: float  # the calls the team can make that month at the plan's pace
    capacity_by_month: np.ndarray
    calls_by_month: np.ndarray
    months: list[str]
    unreachable_revenue: float
    chain: reverse.Chain


def kgi(plan: KpiSet, target: float | None = None) -> Kgi:
    """The plain chain from the revenue goal back to this month's calls
    (:func:`simulator.reverse.plain_chain`)."""
    chain = reverse.plain_chain(plan, target)
    key = team_channel(plan)
    calls = chain.monthly[f"{key}.volume"].to_numpy()
    f = Funnel(plan)
    days = f.reps_effective[0] * f.working_days[0] * f.seasonality[0]
    pace = uncertain.central(f.productivity, "positive")
    return Kgi(
        target=chain.target,
        deal_size=chain.deal_size,
        wins=chain.wins,
        open_pipeline_wins=chain.open_pipeline_wins,
        win_rate=chain.win_rate,
        opportunities=chain.opportunities,
        channel=key,
        channel_share=chain.channel_share[key],
        steps=chain.steps[key],
        lag_months=chain.lag_months,
        month=f.month_keys[0],
        calls_this_month=float(calls[0]),
        calls_per_rep_per_day=float(calls[0] / days) if days > 0 else math.inf,
        capacity_this_month=float(pace * f.team_capacity_days[0]),
        capacity_by_month=pace * f.team_capacity_days,
        calls_by_month=calls,
        months=f.month_keys,
        unreachable_revenue=chain.unreachable_revenue,
        chain=chain,
    )


# ----------------------------------------------------------------------------- 7 the quiz


@dataclass(frozen=True)
class Quiz:
    guess: str
    center_pin: str  # the answer
    rank: int  # the guess's place in the ranking, 1 = the center pin
    levers: int
    score: int  # 0–100: the guess's step gain as a share of the center pin's
    pin: LeverResult
    guessed: LeverResult
    runner_up: str | None
    tie: bool
    ranking: list[LeverResult]


def score(guessed_gain: float, best_gain: float) -> int:
    """The share of the best step's revenue gain the guessed lever's step brings, 0–100."""
    if not best_gain > 0:
        return 0
    return round(100 * min(max(guessed_gain / best_gain, 0.0), 1.0))


def mystery_plan(seen: str) -> str:
    """A sample the learner has not opened: the first of :data:`MYSTERY` other than ``seen``."""
    return next(plan_id for plan_id in MYSTERY if plan_id != seen)


def center_pin_quiz(analysis: Analysis, guess: str) -> Quiz:
    """The guess against the center pin of ``analysis`` (the ranking by one step each)."""
    ranking = list(analysis.levers)
    paths = [row.lever for row in ranking]
    if guess not in paths:
        raise ValueError(f"{guess!r} is not a lever of the plan")
    pin, guessed = ranking[0], ranking[paths.index(guess)]
    return Quiz(
        guess=guess,
        center_pin=analysis.center_pin,
        rank=paths.index(guess) + 1,
        levers=len(paths),
        score=score(guessed.revenue_gain, pin.revenue_gain),
        pin=pin,
        guessed=guessed,
        runner_up=paths[1] if len(paths) > 1 else None,
        tie=analysis.tie,
        ranking=ranking,
    )
