"""The quarterly review (予実管理): the plan against what happened, where the gap came from,
and what the rest of the year now looks like.

Given a plan, its actuals (:mod:`simulator.actuals`) and the review month ``as_of`` (the
months from the plan's start to it are *locked*):

**Plan against actual** (:func:`compare`). Month × count: the actual, the plan's P50 and
its P10–P90 band from the plan's own simulation; a count is flagged only outside the
band (under P50 is not "off plan"). Cumulative revenue against the plan's fan.

**Where the gap came from** (:func:`attribute`). Revenue to date is, for each channel c
and for the open pipeline, a product of factors:

    revenue_c = volume_c × Π stage rates_c × timing_c × win rate × deal size

where *timing* is the share of the channel's opportunities that the plan's sales cycle
would have closed by the review month, given the months they were created in, *win rate*
is wins per such matured opportunity, and *deal size* is revenue per win. The plan's side
uses its expected counts, the actual side the file's (a count the file lacks is taken at
the plan's rate, so its factor moves nothing). The difference is split among the factors
by their Shapley values term by term: exact for products, defined at zeros, summing to
the difference. One more part, the plan's mean to date less its P50, makes the parts add
up to the gap against the P50; all parts are rounded to whole currency units that add up
to the gap exactly. The most negative funnel factor is the bottleneck (ボトルネック).

**Recalibration** (:func:`recalibrate`). Each rate's Beta (the plan's range or counts as
the prior, fitted as the plan fits it) becomes Beta(a + s, b + t − s) with s of t
observed (the win rate's t: matured opportunities, at least s); calls per rep per day and
other volumes per month are gamma-Poisson with a gamma matched to the plan's lognormal
in mean and variance, exposure the plan's rep-days (or seasonality); deal size keeps the
plan's log spread σ and its log mean is updated normal-normal from the average deal, the
plan counting as :data:`PRIOR_DEALS` deals. Fixed inputs and the sales cycle are kept.
Updated values go back into the plan as P10–P90 ranges.

**Re-forecast** (:func:`reforecast`). Locked months count their actual revenue. The
remaining months are a plan of their own (:func:`rest_of_year`: start moved, hires before
it added to the team, the updated distributions) simulated by the engine, plus the open
pipeline with its ages: opportunities created in locked months (and the plan's opening
pipeline) not yet closed, the observed wins allocated to the months they most likely came
from; each still wins with probability W(1 − F(a − 1)) / (1 − W F(a − 1)) at age a and
closes after the rest of its cycle, with each trial's own win rate.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator import analytic, engine, levers, uncertain
from simulator import funnel as fn
from simulator.actuals import Actuals, metrics
from simulator.calendar import month_keys
from simulator.plan import KpiSet, parse_plan
from simulator.results import DETAIL_TRIALS, SimulationResult

#: The plan's deal size counts as this many deals against the observed average.
PRIOR_DEALS = 10
#: Random streams of the open pipeline's draws (the engine's purposes are 1–4).
PIPELINE, PIPELINE_DEALS = 11, 12
#: The part of the gap that is the plan's mean to date less its P50.
MEDIAN = "plan_median"
TIMING = "timing"


def volume_factor(channel: str) -> str:
    """The attribution factor of a channel's volume."""
    return f"channels.{channel}.volume"


# --------------------------------------------------------------------------- months


def locked_months(plan: KpiSet, as_of: str) -> int:
    """How many months of the horizon the review locks (through ``as_of``)."""
    return plan.month_index(as_of) + 1


def review_month(plan: KpiSet, actuals: Actuals, as_of: str | None = None) -> str:
    """The review month: ``as_of``, else the last month the actuals report."""
    if as_of is not None:
        return as_of
    horizon = month_keys(plan.start_month, plan.months)
    inside = [month for month in actuals.months if month in horizon]
    return max(inside) if inside else plan.start_month


def _cdf(lag: np.ndarray, age: int) -> float:
    """P(a won opportunity closes within ``age`` months of its creation month): F(age)."""
    return float(lag[: age + 1].sum()) if age >= 0 else 0.0


# --------------------------------------------------------------------------- counts to date


@dataclass(frozen=True)
class Counts:
    """One side's counts in the locked months, per channel and month (arrays of length k).

    ``chains[c]`` holds the channel's volume then each stage's count (k months each);
    ``observed[c][i][m]`` says whether the file gave that count (else it is the plan's
    rate applied to the nearest count it gave)."""

    chains: Mapping[str, np.ndarray]  # c -> (stages + 1, k)
    observed: Mapping[str, np.ndarray]  # c -> (stages + 1, k) bool
    wins: float
    revenue: float


def plan_counts(plan: KpiSet, k: int) -> Counts:
    """The plan's expected counts in its first ``k`` months (all "observed")."""
    expect = analytic.expected(plan)
    chains = {
        c.key: np.vstack(
            [expect.volumes[c.key][:k], *(expect.stages[c.key][s.key][:k] for s in c.stages)]
        )
        for c in plan.channels
    }
    return Counts(
        chains=chains,
        observed={c: np.ones(v.shape, dtype=bool) for c, v in chains.items()},
        wins=float(expect.wins[:k].sum()),
        revenue=float(expect.revenue[:k].sum()),
    )


def actual_counts(plan: KpiSet, actuals: Actuals, k: int) -> Counts:
    """The file's counts in the first ``k`` months, gaps filled at the plan's rates.

    A channel's opportunities missing in a month come from the month's total in the
    plan's proportions; other missing counts from the nearest count given, through the
    plan's mean rates.
    """
    months = month_keys(plan.start_month, plan.months)[:k]
    expected = plan_counts(plan, k)
    rates = {
        c.key: [uncertain.central(_value(plan, c.key, s.key), "rate") for s in c.stages]
        for c in plan.channels
    }
    chains: dict[str, np.ndarray] = {}
    observed: dict[str, np.ndarray] = {}
    for c in plan.channels:
        keys = [c.key, *(f"{c.key}.{s.key}" for s in c.stages)]
        found = np.array(
            [[_nan(actuals.value(month, key)) for month in months] for key in keys], dtype=float
        )
        observed[c.key] = ~np.isnan(found)
        chains[c.key] = found
    for m, month in enumerate(months):
        lasts = {c: chain[-1, m] for c, chain in chains.items()}
        missing = [c for c, value in lasts.items() if math.isnan(value)]
        if missing:
            total = actuals.value(month, "opportunities") or 0.0
            rest = total - sum(v for v in lasts.values() if not math.isnan(v))
            weights = np.array([expected.chains[c][-1, m] for c in missing])
            shares = weights / weights.sum() if weights.sum() > 0 else np.full(len(missing), 1.0)
            for c, share in zip(missing, shares / shares.sum(), strict=True):
                chains[c][-1, m] = max(rest, 0.0) * share
        for c, chain in chains.items():
            _fill(chain[:, m], rates[c])
    return Counts(
        chains=chains,
        observed=observed,
        wins=sum(actuals.value(month, "wins") or 0.0 for month in months),
        revenue=sum(actuals.value(month, "revenue") or 0.0 for month in months),
    )


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


_TINY = 1e-9  # a rate below this fills nothing upwards (it would make counts explode)


def _fill(chain: np.ndarray, rates: Sequence[float]) -> None:
    """Fill a month's missing counts (NaN) in place: up the chain by dividing by the
    plan's rates from the count below, then down by multiplying from the count above."""
    for i in range(len(chain) - 2, -1, -1):
        if math.isnan(chain[i]) and not math.isnan(chain[i + 1]):
            rate = rates[i]
            chain[i] = chain[i + 1] / rate if rate > _TINY else chain[i + 1]
    for i in range(1, len(chain)):
        if math.isnan(chain[i]) and not math.isnan(chain[i - 1]):
            chain[i] = chain[i - 1] * rates[i - 1]
    chain[np.isnan(chain)] = 0.0


def _value(plan: KpiSet, channel: str, stage: str) -> uncertain.Value:
    return levers.get(plan, f"channels.{channel}.stages.{stage}.rate")


# --------------------------------------------------------------------------- attribution


@dataclass(frozen=True)
class Part:
    """One factor's share of the revenue gap to date, in whole currency units."""

    factor: str
    amount: float


def _shapley(plan_values: np.ndarray, actual_values: np.ndarray) -> np.ndarray:
    """Each factor's Shapley value in Π actual − Π plan (any values, zeros included)."""
    n = len(plan_values)
    masks = (np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1
    products = np.where(masks == 1, actual_values, plan_values).prod(axis=1)
    size = masks.sum(axis=1)
    weight = np.array([math.factorial(s) * math.factorial(n - s - 1) for s in range(n)])
    weight = weight / math.factorial(n)
    out = np.zeros(n)
    for j in range(n):
        with_j = masks[:, j] == 1
        without = np.arange(2**n)[with_j] ^ (1 << j)
        out[j] = float((weight[size[with_j] - 1] * (products[with_j] - products[without])).sum())
    return out


@dataclass(frozen=True)
class _Factors:
    """One side's factors: per term (each channel, then the open pipeline) its values."""

    terms: list[tuple[list[str], np.ndarray]]


def _side(plan: KpiSet, counts: Counts, k: int, lag: np.ndarray, plan_side: Counts) -> _Factors:
    """The factor values of one side (see the module docstring). Where a count is 0 the
    next rates are undefined: they take the plan side's values (any value gives 0). Wins
    where the plan's cycle would have closed none make every opportunity count as
    matured (timing 1), so the product still gives the revenue."""
    exposure_total = 0.0
    per_channel: list[tuple[list[str], list[float]]] = []
    for c in plan.channels:
        chain = counts.chains[c.key]
        totals = chain.sum(axis=1)
        reference = plan_side.chains[c.key].sum(axis=1)
        rates = []
        for i in range(1, len(totals)):
            if totals[i - 1] > 0:
                rates.append(totals[i] / totals[i - 1])
            else:
                rates.append(reference[i] / reference[i - 1] if reference[i - 1] > 0 else 0.0)
        created = chain[-1]
        exposure = float(sum(created[m] * _cdf(lag, k - 1 - m) for m in range(k)))
        exposure_total += exposure
        if totals[-1] > 0:
            timing = exposure / totals[-1]
        else:
            plan_created = plan_side.chains[c.key][-1]
            plan_total = float(plan_created.sum())
            timing = (
                float(sum(plan_created[m] * _cdf(lag, k - 1 - m) for m in range(k))) / plan_total
                if plan_total > 0
                else 0.0
            )
        names = [volume_factor(c.key)]
        names += [f"channels.{c.key}.stages.{s.key}.rate" for s in c.stages]
        per_channel.append(([*names, TIMING], [totals[0], *rates, timing]))
    opening, opening_timing = float(plan.open_opportunities), _cdf(lag, k - 1)
    exposure_total += opening * opening_timing
    win_plan = uncertain.central(levers.get(plan, "win_rate"), "rate")
    if counts.wins > 0 and exposure_total <= 0:  # closed sooner than the cycle allows
        per_channel = [(names, [*values[:-1], 1.0]) for names, values in per_channel]
        opening_timing = 1.0
        exposure_total = sum(values[0] * math.prod(values[1:-1]) for _, values in per_channel)
        exposure_total += opening
        if exposure_total <= 0:  # wins from no opportunity: a pipeline the plan did not have
            opening = counts.wins / win_plan if win_plan > 0 else counts.wins
            exposure_total = opening
    if counts.wins > 0:
        win = counts.wins / exposure_total
        deal = counts.revenue / counts.wins
    else:
        win = 0.0
        deal = plan_side.revenue / plan_side.wins if plan_side.wins > 0 else 0.0
    terms = [
        ([*names, "win_rate", "deal_size"], np.array([*values, win, deal], dtype=float))
        for names, values in per_channel
    ]
    terms.append(
        (
            ["open_opportunities", TIMING, "win_rate", "deal_size"],
            np.array([opening, opening_timing, win, deal], dtype=float),
        )
    )
    return _Factors(terms)


def decompose(plan: KpiSet, actuals: Actuals, as_of: str) -> tuple[dict[str, float], float, float]:
    """Actual revenue to date less the plan's expected, by factor (Shapley values, summing
    to the difference); also the two revenues (actual, plan expected)."""
    k = locked_months(plan, as_of)
    f = fn.Funnel(plan)
    ours = plan_counts(plan, k)
    theirs = actual_counts(plan, actuals, k)
    win_plan = uncertain.central(f.win_rate, "rate")
    deal_plan = uncertain.central(f.deal_size, "positive")
    plan_terms = _side(plan, ours, k, f.lag, ours).terms
    # The plan side's win rate and deal size are its own means (its wins are expected ones).
    plan_terms = [
        (names, _with_plan_means(names, v, win_plan, deal_plan)) for names, v in plan_terms
    ]
    actual_terms = _side(plan, theirs, k, f.lag, ours).terms
    amounts: dict[str, float] = {}
    for (names, plan_values), (_, actual_values) in zip(plan_terms, actual_terms, strict=True):
        for name, value in zip(names, _shapley(plan_values, actual_values), strict=True):
            amounts[name] = amounts.get(name, 0.0) + float(value)
    return amounts, theirs.revenue, ours.revenue


def factors(plan: KpiSet) -> list[str]:
    """The attribution's factors in funnel order: each channel's volume and stage rates,
    the opening pipeline (moves only when wins came from no opportunity the file or the
    plan knows), timing, win rate, deal size."""
    order = [volume_factor(c.key) for c in plan.channels]
    order += [f"channels.{c.key}.stages.{s.key}.rate" for c in plan.channels for s in c.stages]
    return [*order, "open_opportunities", TIMING, "win_rate", "deal_size"]


def attribute(
    plan: KpiSet, actuals: Actuals, as_of: str, plan_p50: float
) -> tuple[list[Part], str | None]:
    """The revenue gap to date (actual − plan P50) split into factors, and the bottleneck.

    Parts are whole currency units that add up to the rounded gap exactly, in the order
    of :func:`factors`, then the plan's mean to date less its P50 (:data:`MEDIAN`).
    """
    amounts, actual, expected = decompose(plan, actuals, as_of)
    parts = [Part(name, amounts.get(name, 0.0)) for name in factors(plan)]
    parts.append(Part(MEDIAN, expected - plan_p50))
    parts = _whole(parts, round(actual) - round(plan_p50))
    funnel_parts = [p for p in parts if p.factor != MEDIAN and p.amount < 0]
    bottleneck = min(funnel_parts, key=lambda p: p.amount).factor if funnel_parts else None
    return parts, bottleneck


def _with_plan_means(names: list[str], values: np.ndarray, win: float, deal: float) -> np.ndarray:
    out = values.copy()
    out[names.index("win_rate")] = win
    out[names.index("deal_size")] = deal
    return out


def _whole(parts: list[Part], total: int) -> list[Part]:
    """Parts rounded to whole units that add up to ``total`` exactly: each rounded, the
    few units rounding lost or added given to the largest part."""
    rounded = [round(p.amount) for p in parts]
    rest = total - sum(rounded)
    if rest:
        largest = max(range(len(parts)), key=lambda i: abs(parts[i].amount))
        rounded[largest] += rest
    return [Part(p.factor, float(r)) for p, r in zip(parts, rounded, strict=True)]


# --------------------------------------------------------------------------- plan against actual


@dataclass(frozen=True)
class Comparison:
    """The plan's bands against the actuals, month by month (locked months only)."""

    table: pd.DataFrame  # month, metric, actual, p10, p50, p90, flag ("below" | "above" | "")
    months: list[str]  # the whole horizon
    cumulative: np.ndarray  # (3, M): the plan's cumulative revenue P10, P50, P90
    actual_cumulative: np.ndarray  # (k,)
    plan_p50_revenue: float  # P50 of revenue to date
    plan_mean_revenue: float  # mean of revenue to date (simulated)


def _series_key(metric: str, plan: KpiSet) -> str:
    return f"{metric}.volume" if any(c.key == metric for c in plan.channels) else metric


def compare(result: SimulationResult, actuals: Actuals, as_of: str) -> Comparison:
    """The plan's P10/P50/P90 of every count the actuals report, per locked month."""
    plan = result.plan
    k = locked_months(plan, as_of)
    series = result.kpi_series(result.detail_head(DETAIL_TRIALS))
    locked = result.months[:k]
    keys = [m for m in metrics(plan) if any(actuals.value(x, m) is not None for x in locked)]
    rows = []
    for metric in keys:
        values = series[_series_key(metric, plan)][:, :k]
        low, mid, high = np.quantile(np.ascontiguousarray(values.T), (0.1, 0.5, 0.9), axis=1)
        for m, month in enumerate(result.months[:k]):
            actual = actuals.value(month, metric)
            flag = ""
            if actual is not None and actual < low[m]:
                flag = "below"
            elif actual is not None and actual > high[m]:
                flag = "above"
            rows.append((month, metric, actual, low[m], mid[m], high[m], flag))
    table = pd.DataFrame(rows, columns=["month", "metric", "actual", "p10", "p50", "p90", "flag"])
    cumulative = np.cumsum(result.revenue, axis=1)
    bands = np.quantile(np.ascontiguousarray(cumulative.T), (0.1, 0.5, 0.9), axis=1)
    actual_revenue = [actuals.value(month, "revenue") or 0.0 for month in result.months[:k]]
    return Comparison(
        table=table,
        months=list(result.months),
        cumulative=bands,
        actual_cumulative=np.cumsum(actual_revenue),
        plan_p50_revenue=float(np.quantile(cumulative[:, k - 1], 0.5)),
        plan_mean_revenue=float(cumulative[:, k - 1].mean()),
    )


# --------------------------------------------------------------------------- recalibration


@dataclass(frozen=True)
class Update:
    """One input before and after the actuals: means, P10–P90, what was observed."""

    path: str
    kind: str  # "rate", "productivity", "volume", "deal_size"
    prior_mean: float
    posterior_mean: float
    prior_p10: float
    prior_p90: float
    p10: float
    p90: float
    successes: float  # the count observed (wins, connects, calls ...; deals for deal size)
    trials: float  # out of (a rate), or the exposure (rep-days, months; for deal size: revenue)
    moved: str | None  # "above" / "below": the posterior mean left the prior's P10–P90
    updated: bool  # False: fixed in the plan, or nothing observed
    value: Any = field(repr=False, default=None)  # the new value in the file format

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "prior_mean": self.prior_mean,
            "posterior_mean": self.posterior_mean,
            "p10": self.p10,
            "p90": self.p90,
            "prior_p10": self.prior_p10,
            "prior_p90": self.prior_p90,
            "observed": {"successes": self.successes, "trials": self.trials},
            "moved": self.moved,
            "updated": self.updated,
        }


def _moved(mean: float, low: float, high: float) -> str | None:
    if mean > high:
        return "above"
    if mean < low:
        return "below"
    return None


def _kept(path: str, kind: str, value: uncertain.Value, value_kind: uncertain.Kind) -> Update:
    dist = uncertain.distribution(value, value_kind)
    mean = float(dist.mean())
    low, high = (float(x) for x in dist.ppf([0.1, 0.9]))
    return Update(path, kind, mean, mean, low, high, low, high, 0.0, 0.0, None, False, value)


def update_rate(path: str, value: uncertain.Value, successes: float, trials: float) -> Update:
    """Beta(a, b) → Beta(a + s, b + t − s); a fixed rate, or nothing observed, is kept."""
    prior = uncertain.distribution(value, "rate")
    if isinstance(prior, uncertain.PointMass) or trials <= 0:
        return _kept(path, "rate", value, "rate")
    a, b = (float(x) for x in prior.args)
    trials = max(trials, successes)
    posterior = stats.beta(a + successes, b + trials - successes)
    return _update(path, "rate", prior, posterior, successes, trials, _rate_value(posterior))


def _rate_value(posterior: Any) -> uncertain.Value:
    low, high = (float(x) for x in posterior.ppf([0.1, 0.9]))
    try:
        uncertain.fit_beta(low, high)
    except uncertain.Unfittable:  # beyond what a range can say: write it as counts
        a, b = (float(x) for x in posterior.args)
        successes = max(round(a - 1), 0)
        return {"successes": successes, "trials": successes + max(round(b - 1), 0)}
    return {"low": low, "high": high}


def _gamma(prior: Any) -> tuple[float, float]:
    """(shape, rate) of the gamma with the prior's mean and variance."""
    mean, var = float(prior.mean()), float(prior.var())
    return mean * mean / var, mean / var


def update_level(
    path: str, kind: str, value: uncertain.Value, count: float, exposure: float
) -> Update:
    """Gamma-Poisson: a count over an exposure (rep-days, or seasonal months)."""
    prior = uncertain.distribution(value, "positive")
    if isinstance(prior, uncertain.PointMass) or exposure <= 0:
        return _kept(path, kind, value, "positive")
    shape, rate = _gamma(prior)
    posterior = stats.gamma(shape + count, scale=1.0 / (rate + exposure))
    low, high = (float(x) for x in posterior.ppf([0.1, 0.9]))
    return _update(path, kind, prior, posterior, count, exposure, {"low": low, "high": high})


def update_deal_size(value: uncertain.Value, deals: float, revenue: float) -> Update:
    """The log mean of deal size, normal-normal, from the average of ``deals`` deals."""
    prior = uncertain.distribution(value, "positive")
    if isinstance(prior, uncertain.PointMass) or deals <= 0:
        return _kept("deal_size", "deal_size", value, "positive")
    sigma = float(prior.kwds["s"])
    spread = math.expm1(sigma * sigma)
    nu = math.log(float(prior.mean()))  # log of the mean deal
    prior_var = math.log1p(spread / PRIOR_DEALS)
    data_var = math.log1p(spread / deals)
    precision = 1.0 / prior_var + 1.0 / data_var
    posterior_nu = (nu / prior_var + math.log(revenue / deals) / data_var) / precision
    mu = posterior_nu - 0.5 * sigma * sigma
    posterior = stats.lognorm(s=sigma, scale=math.exp(mu))
    low, high = (float(x) for x in posterior.ppf([0.1, 0.9]))
    return _update(
        "deal_size", "deal_size", prior, posterior, deals, revenue, {"low": low, "high": high}
    )


def _update(
    path: str,
    kind: str,
    prior: Any,
    posterior: Any,
    successes: float,
    trials: float,
    value: uncertain.Value,
) -> Update:
    prior_low, prior_high = (float(x) for x in prior.ppf([0.1, 0.9]))
    low, high = (float(x) for x in posterior.ppf([0.1, 0.9]))
    mean = float(posterior.mean())
    return Update(
        path=path,
        kind=kind,
        prior_mean=float(prior.mean()),
        posterior_mean=mean,
        prior_p10=prior_low,
        prior_p90=prior_high,
        p10=low,
        p90=high,
        successes=float(successes),
        trials=float(trials),
        moved=_moved(mean, prior_low, prior_high),
        updated=True,
        value=value,
    )


def recalibrate(plan: KpiSet, actuals: Actuals, as_of: str) -> tuple[list[Update], KpiSet]:
    """Every uncertain input updated with the locked months' counts, and the plan with
    the updated values (see the module docstring)."""
    k = locked_months(plan, as_of)
    f = fn.Funnel(plan)
    months = month_keys(plan.start_month, plan.months)[:k]

    def observed(key: str) -> np.ndarray:
        return np.array([_nan(actuals.value(m, key)) for m in months])

    updates: list[Update] = []
    for c, spec in zip(plan.channels, f.channels, strict=True):
        volume = observed(c.key)
        seen = ~np.isnan(volume)
        if spec.from_team:
            exposure = float(f.team_capacity_days[:k][seen].sum())
            updates.append(
                update_level(
                    "team.calls_per_rep_per_day",
                    "productivity",
                    f.productivity,
                    float(volume[seen].sum()),
                    exposure,
                )
            )
        else:
            exposure = float(f.seasonality[:k][seen].sum())
            count = float(volume[seen].sum())
            updates.append(update_level(spec.volume_path, "volume", spec.volume, count, exposure))
        before = volume
        for stage, path, value in zip(c.stages, spec.rate_paths, spec.rates, strict=True):
            count = observed(f"{c.key}.{stage.key}")
            both = ~np.isnan(before) & ~np.isnan(count)
            updates.append(
                update_rate(path, value, float(count[both].sum()), float(before[both].sum()))
            )
            before = count
    theirs = actual_counts(plan, actuals, k)
    exposure = sum(
        float(sum(theirs.chains[c.key][-1][m] * _cdf(f.lag, k - 1 - m) for m in range(k)))
        for c in plan.channels
    ) + plan.open_opportunities * _cdf(f.lag, k - 1)
    updates.append(update_rate("win_rate", f.win_rate, theirs.wins, exposure))
    updates.append(update_deal_size(f.deal_size, theirs.wins, theirs.revenue))
    changed = {u.path: u.value for u in updates if u.updated}
    return updates, levers.with_values(plan, changed) if changed else plan


# --------------------------------------------------------------------------- the rest of the year


@dataclass(frozen=True)
class Pipeline:
    """Opportunities from locked months (and the opening pipeline) not yet closed."""

    open: np.ndarray  # how many, per creation month (the opening pipeline in month 0)
    ages: np.ndarray  # months since creation at the start of the rest of the year
    closed_share: np.ndarray  # F(age − 1): a won one had closed by now with this probability

    @property
    def total(self) -> float:
        return float(self.open.sum())


def pipeline(plan: KpiSet, actuals: Actuals, as_of: str) -> Pipeline:
    """The open pipeline at the end of the review month: each locked month's new
    opportunities (the plan's opening pipeline counted with the first month) less the
    wins allocated to it in proportion to the wins it was expected to have closed."""
    k = locked_months(plan, as_of)
    f = fn.Funnel(plan)
    theirs = actual_counts(plan, actuals, k)
    created = sum(theirs.chains[c.key][-1] for c in plan.channels)
    created = np.asarray(created, dtype=float) + 0.0
    created[0] += plan.open_opportunities
    closed_share = np.array([_cdf(f.lag, k - 1 - m) for m in range(k)])
    weights = created * closed_share
    allocated = (
        theirs.wins * weights / weights.sum() if weights.sum() > 0 else np.zeros_like(created)
    )
    return Pipeline(
        open=np.maximum(created - allocated, 0.0),
        ages=k - np.arange(k),
        closed_share=closed_share,
    )


@dataclass(frozen=True)
class Rest:
    """The remaining months as a plan, and how the review built it."""

    plan: KpiSet  # open_opportunities: the pipeline's expected wins in the horizon, as new
    locked_revenue: float
    remaining_target: float  # target less locked revenue (≤ 0: already reached)
    pipeline: Pipeline
    ramping: list[str]  # hire months counted as ramped (or ramping again) from the start


def _ramp(done: int, ramp: int, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(months, dtype=float)
    true = np.minimum(1.0, (done + 1 + t) / ramp)
    return true, np.ones(months), np.minimum(1.0, (1 + t) / ramp)


def rest_of_year(
    plan: KpiSet,
    actuals: Actuals,
    as_of: str,
    *,
    trials: int | None = None,
    seed: int | None = None,
) -> Rest | None:
    """The months after ``as_of`` as a plan of their own (None when none are left).

    Its team: hires before the start are added to the reps (a hire still ramping counts
    as ramped, or as hired again at the start, whichever is closer to its ramp);
    the target is what the locked months left to do.
    """
    k = locked_months(plan, as_of)
    remaining = plan.months - k
    horizon = month_keys(plan.start_month, plan.months)
    locked_revenue = sum(actuals.value(m, "revenue") or 0.0 for m in horizon[:k])
    data = plan.model_dump(mode="json")
    flows = pipeline(plan, actuals, as_of)
    if remaining <= 0:
        return None
    start = horizon[k]
    reps = plan.team.reps
    hires = []
    ramping = []
    for hire in plan.team.hires:
        index = plan.month_index(hire.month)
        if index >= k:
            hires.append({"month": hire.month, "change": hire.change})
            continue
        done = k - index
        ramp = plan.team.ramp_months
        if hire.change < 0 or ramp == 0 or done >= ramp:
            reps += hire.change
            continue
        true, full, again = _ramp(done, ramp, remaining)
        ramping.append(hire.month)
        if np.abs(true - full).sum() <= np.abs(true - again).sum():
            reps += hire.change
        else:
            hires.append({"month": start, "change": hire.change})
    data["team"]["reps"] = max(reps, 0)
    data["team"]["hires"] = hires
    data["start_month"] = start
    data["months"] = remaining
    data["target"]["revenue"] = max(plan.target.revenue - locked_revenue, 1.0)
    data["open_opportunities"] = 0
    if trials is not None or seed is not None:
        data["simulation"] = {
            "trials": plan.simulation.trials if trials is None else trials,
            "seed": plan.simulation.seed if seed is None else seed,
        }
    rest = parse_plan(data)
    data["open_opportunities"] = _as_new(rest, flows)
    return Rest(
        plan=parse_plan(data),
        locked_revenue=locked_revenue,
        remaining_target=plan.target.revenue - locked_revenue,
        pipeline=flows,
        ramping=ramping,
    )


def _pipeline_close(rest: KpiSet, flows: Pipeline, lag: np.ndarray, win: np.ndarray) -> np.ndarray:
    """(n, months + 1): expected pipeline wins closing in each remaining month, then after,
    for each trial's win rate (n,)."""
    months = rest.months
    out = np.zeros((len(win), months + 1))
    tail = np.concatenate([[0.0], np.cumsum(lag)])  # tail[a] = F(a - 1)
    for count, age, closed in zip(flows.open, flows.ages, flows.closed_share, strict=True):
        if count <= 0:
            continue
        still = count * win / (1.0 - win * closed)  # per unit of P(lag = age + j)
        inside = lag[age : age + months]
        out[:, : len(inside)] += still[:, None] * inside[None, :]
        out[:, months] += still * (1.0 - tail[min(age + months, len(lag))])
    return out


def _as_new(rest: KpiSet, flows: Pipeline) -> int:
    """The open opportunities at the rest's start whose expected wins inside its horizon
    match the pipeline's (for the analyses that take a plan alone: center pin, KGI逆算)."""
    f = fn.Funnel(rest)
    win = np.array([uncertain.central(f.win_rate, "rate")])
    lag = _full_lag(rest, flows)
    expected = float(_pipeline_close(rest, flows, lag, win)[0, :-1].sum())
    per_open = float(win[0] * f.open_close_pmf[:-1].sum())
    return round(expected / per_open) if per_open > 0 else 0


def _full_lag(rest: KpiSet, flows: Pipeline) -> np.ndarray:
    """The lag pmf long enough for the oldest cohort's remaining months."""
    longest = int(flows.ages.max(initial=0)) + rest.months + 1
    return fn.lag_pmf(fn.Funnel(rest).sales_cycle, longest)[:-1]


# --------------------------------------------------------------------------- re-forecast


@dataclass(frozen=True)
class Forecast:
    """The year's revenue: locked months as they were, the rest simulated."""

    trials: int
    seed: int
    target: float
    locked_revenue: float
    p_target: float
    p_target_error: float
    mean: float
    p10: float
    p50: float
    p90: float
    months: list[str]  # the whole horizon
    cumulative: np.ndarray  # (3, M): P10, P50, P90 of revenue to date, locked months exact
    remaining: np.ndarray  # (n,) each trial's revenue after the review month
    revenue: np.ndarray | None = field(default=None, repr=False)  # (n, R) per remaining month
    wins: np.ndarray | None = field(default=None, repr=False)  # (n, R), the pipeline's too
    run: SimulationResult | None = field(default=None, repr=False)  # the remaining plan's

    def to_dict(self) -> dict[str, Any]:
        return {
            "p_target": self.p_target,
            "p_target_std_error": self.p_target_error,
            "revenue": {"mean": self.mean, "p10": self.p10, "p50": self.p50, "p90": self.p90},
            "locked_revenue": self.locked_revenue,
            "trials": self.trials,
            "seed": self.seed,
        }


def _locked(plan: KpiSet, locked_revenue: float, actual_cumulative: np.ndarray) -> Forecast:
    """No month left: the year is what happened."""
    reached = locked_revenue >= plan.target.revenue
    cumulative = np.tile(actual_cumulative, (3, 1))
    return Forecast(
        trials=0,
        seed=plan.simulation.seed,
        target=plan.target.revenue,
        locked_revenue=locked_revenue,
        p_target=1.0 if reached else 0.0,
        p_target_error=0.0,
        mean=locked_revenue,
        p10=locked_revenue,
        p50=locked_revenue,
        p90=locked_revenue,
        months=month_keys(plan.start_month, plan.months),
        cumulative=cumulative,
        remaining=np.zeros(1),
    )


def reforecast(
    plan: KpiSet,
    actuals: Actuals,
    as_of: str,
    rest: Rest | None,
    *,
    trials: int | None = None,
    seed: int | None = None,
) -> Forecast:
    """P(target) and the year's revenue with the locked months as they were (module
    docstring); ``plan`` is the recalibrated plan, ``rest`` its remaining months."""
    k = locked_months(plan, as_of)
    horizon = month_keys(plan.start_month, plan.months)
    actual_revenue = np.array([actuals.value(m, "revenue") or 0.0 for m in horizon[:k]])
    locked_revenue = float(actual_revenue.sum())
    if rest is None:
        return _locked(plan, locked_revenue, np.cumsum(actual_revenue))
    trials = plan.simulation.trials if trials is None else trials
    seed = plan.simulation.seed if seed is None else seed
    new = rest.plan.model_copy(update={"open_opportunities": 0})
    run = engine.simulate(new, trials=trials, seed=seed)
    pipeline_wins, pipeline_revenue = _pipeline_draws(new, rest.pipeline, trials, seed)
    revenue = run.revenue + pipeline_revenue
    remaining = revenue.sum(axis=1)
    total = locked_revenue + remaining
    p = float(np.mean(total >= plan.target.revenue))
    low, mid, high = (float(x) for x in np.quantile(total, (0.1, 0.5, 0.9)))
    later = locked_revenue + np.cumsum(revenue, axis=1)
    bands = np.quantile(np.ascontiguousarray(later.T), (0.1, 0.5, 0.9), axis=1)
    cumulative = np.hstack([np.tile(np.cumsum(actual_revenue), (3, 1)), bands])
    return Forecast(
        trials=trials,
        seed=seed,
        target=plan.target.revenue,
        locked_revenue=locked_revenue,
        p_target=p,
        p_target_error=math.sqrt(p * (1 - p) / trials),
        mean=float(total.mean()),
        p10=low,
        p50=mid,
        p90=high,
        months=horizon,
        cumulative=cumulative,
        remaining=remaining,
        revenue=revenue,
        wins=run.wins + pipeline_wins,
        run=run,
    )


def _pipeline_draws(
    rest: KpiSet, flows: Pipeline, trials: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(trials, months) twice: wins and revenue the open pipeline closes each remaining month.

    Per trial: wins ~ Binomial(open, p̄(W)) with the trial's own win rate W (the engine's
    draw, by the same stream), split over the months by the expected closings; each
    month's revenue is the sum of its deals as the engine draws it."""
    f = fn.Funnel(rest)
    lag = _full_lag(rest, flows)
    total = round(flows.total)
    wins_out = np.zeros((trials, rest.months), dtype=np.int64)
    out = np.zeros((trials, rest.months))
    if total <= 0:
        return wins_out, out
    for index, (start, stop) in enumerate(fn.chunks(trials)):
        n = stop - start
        win = f.draw(seed, index, n).win_rate
        closing = _pipeline_close(rest, flows, lag, win)  # (n, months + 1)
        expected = closing.sum(axis=1)
        share = np.clip(expected / total, 0.0, 1.0)
        rng = fn.stream(seed, index, PIPELINE, zlib.crc32(b"pipeline"))
        won = rng.binomial(total, share)
        inside = closing[:, :-1] / np.where(expected > 0, expected, 1.0)[:, None]
        inside /= np.maximum(inside.sum(axis=1, keepdims=True), 1.0)  # rounding never past 1
        weights = np.column_stack([inside, np.clip(1.0 - inside.sum(axis=1), 0.0, 1.0)])
        wins = rng.multinomial(won, weights)[:, :-1]
        normals = fn.stream(seed, index, PIPELINE_DEALS).standard_normal(wins.shape)
        wins_out[start:stop] = wins
        out[start:stop] = engine.revenue_of_wins(wins, f.deal_mean, f.deal_var, normals)
    return wins_out, out


# --------------------------------------------------------------------------- the review


@dataclass(frozen=True)
class Review:
    """Everything the review says (module docstring), ready for the page and the CLI."""

    plan: KpiSet
    actuals: Actuals
    as_of: str
    comparison: Comparison
    parts: list[Part]
    bottleneck: str | None
    updates: list[Update]
    recalibrated: KpiSet
    rest: Rest | None
    forecast: Forecast
    plan_p_target: float
    imputed: list[str]  # counts the file lacks in some locked month, taken at plan rates

    @property
    def actual_revenue(self) -> float:
        return float(self.comparison.actual_cumulative[-1])

    @property
    def gap(self) -> float:
        return float(sum(p.amount for p in self.parts))

    def summary(self) -> dict[str, float]:
        """The re-forecast as a saved revision's summary (the keys of a plan's)."""
        f, plan = self.forecast, self.plan
        total = f.locked_revenue + f.remaining
        return {
            "target": plan.target.revenue,
            "confidence": plan.target.confidence,
            "p_target": f.p_target,
            "p_target_std_error": f.p_target_error,
            "mean": f.mean,
            "p10": f.p10,
            "p50": f.p50,
            "p90": f.p90,
            "at_confidence": float(np.quantile(total, 1.0 - plan.target.confidence)),
        }

    def targets(self) -> dict[str, Any]:
        """Monthly KPI targets as a saved revision holds them: the locked months as they
        were, the remaining months at P50 and at the plan's confidence (the open
        pipeline's wins and revenue included)."""
        horizon = month_keys(self.plan.start_month, self.plan.months)
        k = locked_months(self.plan, self.as_of)
        run, f = self.forecast.run, self.forecast
        frame = run.kpi_targets() if run is not None else None
        quantiles = (0.5, 1.0 - self.plan.target.confidence)
        out: dict[str, dict[str, list[float | None]]] = {}
        for metric in metrics(self.plan):
            key = _series_key(metric, self.plan)
            done = [self.actuals.value(month, metric) for month in horizon[:k]]
            if frame is None:
                later: list[tuple[float, float]] = []
            elif metric in ("wins", "revenue"):
                values = f.wins if metric == "wins" else f.revenue
                rows = np.quantile(np.ascontiguousarray(values.T), quantiles, axis=1)
                later = list(zip(*(map(float, row) for row in rows), strict=True))
            else:
                later = list(zip(frame[(key, "p50")], frame[(key, "confidence")], strict=True))
            out[key] = {
                "p50": [*done, *(float(p) for p, _ in later)],
                "confidence": [*done, *(float(c) for _, c in later)],
            }
        return {"months": horizon, "metrics": out}

    def to_dict(self, center_pin: str | None = None) -> dict[str, Any]:
        """The ``review --json`` output (docs/design.md §4)."""
        return {
            "as_of": self.as_of,
            "months_locked": locked_months(self.plan, self.as_of),
            "to_date": {
                "actual_revenue": self.actual_revenue,
                "plan_p50_revenue": self.comparison.plan_p50_revenue,
                "plan_mean_revenue": self.comparison.plan_mean_revenue,
                "gap": self.gap,
            },
            "attribution": [{"factor": p.factor, "amount": p.amount} for p in self.parts],
            "bottleneck": self.bottleneck,
            "updated": [u.to_dict() for u in self.updates],
            "forecast": self.forecast.to_dict()
            | {
                "plan_p_target": self.plan_p_target,
                "remaining_target": self.rest.remaining_target if self.rest else None,
            },
            "center_pin": center_pin,
            "imputed": self.imputed,
        }


def _imputed(plan: KpiSet, actuals: Actuals, k: int) -> list[str]:
    months = month_keys(plan.start_month, plan.months)[:k]
    out = []
    for metric in metrics(plan):
        if any(actuals.value(month, metric) is None for month in months):
            out.append(metric)
    return out


def review(
    plan: KpiSet,
    actuals: Actuals,
    as_of: str | None = None,
    *,
    trials: int | None = None,
    seed: int | None = None,
    result: SimulationResult | None = None,
) -> Review:
    """The whole review of ``plan`` against checked ``actuals`` (:func:`actuals.read`).

    ``result`` is the plan's own simulation when the caller has it; ``trials`` and
    ``seed`` set the plan's run and the re-forecast (default: the plan's).
    """
    as_of = review_month(plan, actuals, as_of)
    if result is None:
        result = engine.simulate(plan, trials=trials, seed=seed)
    comparison = compare(result, actuals, as_of)
    parts, bottleneck = attribute(plan, actuals, as_of, comparison.plan_p50_revenue)
    updates, recalibrated = recalibrate(plan, actuals, as_of)
    rest = rest_of_year(recalibrated, actuals, as_of, trials=trials, seed=seed)
    forecast = reforecast(recalibrated, actuals, as_of, rest, trials=trials, seed=seed)
    k = locked_months(plan, as_of)
    return Review(
        plan=plan,
        actuals=actuals,
        as_of=as_of,
        comparison=comparison,
        parts=parts,
        bottleneck=bottleneck,
        updates=updates,
        recalibrated=recalibrated,
        rest=rest,
        forecast=forecast,
        plan_p_target=result.p_target()[0],
        imputed=_imputed(plan, actuals, k),
    )
