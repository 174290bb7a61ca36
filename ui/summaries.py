"""Summaries: what the pages show of simulations, reduced to small values (no Streamlit).

Each is a pure function of a result (or of a plan, for the back-planning answer) returning
a small frozen dataclass, which ``ui/cache.py`` caches by plan. The browser never receives
per-trial data: distributions arrive as histogram bins and percentile bands, so a chart of
100,000 trials costs a few kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator import analytic, engine, reverse
from simulator.plan import KpiSet
from simulator.results import DETAIL_TRIALS, Detail, SimulationResult

HISTOGRAM_BINS = 60


@dataclass(frozen=True)
class Numbers:
    """The headline metrics alone: cheap, so they can be shown before any chart."""

    trials: int
    seed: int
    target: float
    confidence: float
    p_target: float
    p_target_error: float
    mean: float
    mean_error: float
    p10: float
    p50: float
    p90: float
    at_confidence: float
    wins: float
    carry_over_wins: float


def numbers(result: SimulationResult) -> Numbers:
    summary = result.revenue_summary()
    p, p_error = result.p_target()
    return Numbers(
        trials=result.trials,
        seed=result.seed,
        target=result.plan.target.revenue,
        confidence=result.plan.target.confidence,
        p_target=p,
        p_target_error=p_error,
        mean=summary.mean,
        mean_error=summary.std_error,
        p10=summary.p10,
        p50=summary.p50,
        p90=summary.p90,
        at_confidence=result.revenue_at_confidence(),
        wins=float(result.wins.sum(axis=1).mean()),
        carry_over_wins=float(result.carry_over_wins.mean()),
    )


@dataclass(frozen=True)
class Headline:
    """The curves that need every trial: revenue's histogram and the monthly fan."""

    target: float
    bin_edges: np.ndarray
    bin_counts: np.ndarray
    months: list[str]
    cumulative: np.ndarray  # (3, M): P10, P50, P90 of revenue to date


def headline(result: SimulationResult) -> Headline:
    total = result.total_revenue
    target = result.plan.target.revenue
    high = max(float(np.quantile(total, 0.999)), target * 1.05, 1.0)
    counts, edges = np.histogram(np.minimum(total, high), bins=HISTOGRAM_BINS, range=(0.0, high))
    # Quantiles along contiguous rows: a (months, trials) copy sorts much faster.
    cumulative = np.quantile(
        np.ascontiguousarray(np.cumsum(result.revenue, axis=1).T), (0.1, 0.5, 0.9), axis=1
    )
    return Headline(
        target=target,
        bin_edges=edges,
        bin_counts=counts,
        months=result.months,
        cumulative=cumulative,
    )


@dataclass(frozen=True)
class StageRow:
    channel: str
    stage: str  # "volume" for the channel's own volume
    p10: float
    p50: float
    p90: float
    mean: float
    expected: float  # closed form


@dataclass(frozen=True)
class Breakdown:
    """Stage counts: the funnel, the monthly KPI table, and the closed-form comparison."""

    detail_trials: int
    stages: list[StageRow]
    monthly: pd.DataFrame  # index month; columns (metric, "p50" | "confidence")
    math: pd.DataFrame  # one row per count: closed form, simulated mean, its error


def _totals(values: np.ndarray) -> tuple[float, float, float, float]:
    totals = values.sum(axis=1)
    p10, p50, p90 = np.quantile(totals, (0.1, 0.5, 0.9))
    return float(p10), float(p50), float(p90), float(totals.mean())


def breakdown(result: SimulationResult, detail_trials: int = DETAIL_TRIALS) -> Breakdown:
    plan = result.plan
    detail: Detail = result.detail_head(detail_trials)
    n = detail.trials
    expect = analytic.expected(plan)
    series = result.kpi_series(detail)
    stages: list[StageRow] = []
    expected_totals: dict[str, float] = {}
    for channel in plan.channels:
        key = channel.key
        closed = float(expect.volumes[key].sum())
        stages.append(StageRow(key, "volume", *_totals(series[f"{key}.volume"]), closed))
        expected_totals[f"{key}.volume"] = closed
        for stage in channel.stages:
            closed = float(expect.stages[key][stage.key].sum())
            stages.append(StageRow(key, stage.key, *_totals(series[f"{key}.{stage.key}"]), closed))
            expected_totals[f"{key}.{stage.key}"] = closed
    expected_totals |= {
        "opportunities": float(expect.opportunities.sum()),
        "wins": float(expect.wins.sum()),
        "revenue": expect.total_revenue,
    }
    stages.append(StageRow("", "wins", *_totals(result.wins), float(expect.wins.sum())))
    monthly = result.kpi_targets(detail)

    rows = []
    for metric, values in series.items():
        totals = values.sum(axis=1)
        rows.append(
            {
                "metric": metric,
                "closed_form": expected_totals[metric],
                "simulated": float(totals.mean()),
                "std_error": float(totals.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"),
            }
        )
    return Breakdown(detail_trials=n, stages=stages, monthly=monthly, math=pd.DataFrame(rows))


@dataclass(frozen=True)
class Cdf:
    """Revenue's distribution function as quantiles: P(revenue <= x[i]) = probability[i]."""

    target: float
    probability: np.ndarray
    revenue: np.ndarray


def cdf(result: SimulationResult, points: int = 201) -> Cdf:
    probability = np.linspace(0.0, 1.0, points)
    return Cdf(
        target=result.plan.target.revenue,
        probability=probability,
        revenue=np.quantile(result.total_revenue, probability),
    )


@dataclass(frozen=True)
class ReverseAnswer:
    """Both answers for one lever: the plain chain's value and the one at the confidence."""

    lever: str
    base_value: float
    base_p: float
    plain_value: float
    plain_p: float
    value: float | None
    p_target: float | None
    p_error: float | None
    plan_json: str | None
    problem: str | None  # the Unsolvable code when there is no answer
    monthly: pd.DataFrame | None  # the solved plan's monthly KPIs, P50 and at confidence


def reverse_answer(plan: KpiSet, lever: str) -> ReverseAnswer:
    """What the KGI逆算 page shows for one lever: the plan's P(target), the plain chain's
    value and its P(target), and the value that reaches the target at the confidence."""
    seed = plan.simulation.seed
    base_p = engine.simulate(plan, seed=seed).p_target()[0]
    try:
        plain = reverse.plain_value(plan, lever)
        plain_value = reverse.median_of(plain, lever)
        plain_p = engine.simulate(plain, seed=seed).p_target()[0]
    except reverse.Unsolvable:
        plain_value, plain_p = float("nan"), float("nan")
    try:
        solution = reverse.solve(plan, lever)
    except reverse.Unsolvable as exc:
        return ReverseAnswer(
            lever,
            reverse.median_of(plan, lever),
            base_p,
            plain_value,
            plain_p,
            None,
            None,
            None,
            None,
            exc.code,
            None,
        )
    detail = breakdown(engine.simulate(solution.plan, seed=seed))
    return ReverseAnswer(
        lever=lever,
        base_value=solution.base_value,
        base_p=base_p,
        plain_value=plain_value,
        plain_p=plain_p,
        value=solution.value,
        p_target=solution.p_target,
        p_error=solution.p_target_error,
        plan_json=solution.plan.to_json(),
        problem=None,
        monthly=detail.monthly,
    )
