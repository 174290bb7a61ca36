"""Members' own rates shrunk toward the team's: hierarchical Beta-binomial partial pooling.

A member's observed ``successes`` out of ``trials`` at a stage are read against a prior
Beta(κμ, κ(1−μ)) whose mean μ is the team's rate at that stage (the plan's) and whose
strength κ (in observations) says how much members differ: a large κ, members alike; a
small one, members far apart. κ is estimated from the members themselves by empirical
Bayes: the value that maximises the Beta-binomial marginal likelihood of every member's
counts, Π BetaBin(s_i | n_i, κμ, κ(1−μ)) (Casella 1985; Gelman et al., BDA3 §5.3). The
posterior mean is closed form,

    pooled_i = (s_i + κμ) / (n_i + κ) = w_i · s_i/n_i + (1 − w_i) · μ,  w_i = n_i / (n_i + κ),

so it always lies between the member's raw rate and the team's, a member with no data gets
the team's rate, and a new rep with 3 wins in 5 is not planned at 60%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from simulator import uncertain
from simulator.plan import WIN_RATE_KEY, KpiSet

#: κ's search interval: from a prior worth one observation (members as far apart as a
#: uniform allows) to a million (members identical).
MIN_STRENGTH, MAX_STRENGTH = 1.0, 1e6
#: κ when fewer than two members have counts at a stage (no spread to estimate): a prior
#: worth 20 observations, so a handful of calls moves a rate a little, hundreds a lot.
DEFAULT_STRENGTH = 20.0

Source = Literal["pooled", "team", "own"]


@dataclass(frozen=True)
class Prior:
    """Beta(κμ, κ(1−μ)): the team's rate ``mean`` (μ) and its ``strength`` (κ)."""

    mean: float
    strength: float
    estimated: bool  # False: DEFAULT_STRENGTH, too few members with counts

    @property
    def alpha(self) -> float:
        return self.strength * self.mean

    @property
    def beta(self) -> float:
        return self.strength * (1.0 - self.mean)


@dataclass(frozen=True)
class PooledRate:
    """One member's rate at one stage: raw, pooled and why."""

    source: Source  # pooled: counts shrunk; team: no data; own: a number or range as given
    pooled: float  # the mean the plan uses for this member
    team: float
    raw: float | None = None  # successes / trials
    successes: int | None = None
    trials: int | None = None
    weight: float = 0.0  # the raw rate's share of the pooled one, n / (n + κ)


def pooled_mean(successes: int, trials: int, prior: Prior) -> float:
    """The posterior mean (s + κμ) / (n + κ)."""
    return (successes + prior.alpha) / (trials + prior.strength)


def _log_marginal(
    log_strength: float, successes: np.ndarray, trials: np.ndarray, mean: float
) -> float:
    from scipy import special

    kappa = math.exp(log_strength)
    a, b = kappa * mean, kappa * (1.0 - mean)
    # log BetaBin(s | n, a, b) without the binomial coefficient, which does not depend on κ.
    return float(
        np.sum(special.betaln(successes + a, trials - successes + b) - special.betaln(a, b))
    )


def fit_prior(mean: float, counts: Sequence[tuple[int, int]]) -> Prior:
    """The prior of a stage whose team rate is ``mean``, its strength by empirical Bayes
    from the members' (successes, trials)."""
    if len(counts) < 2 or not 0.0 < mean < 1.0:
        return Prior(mean, DEFAULT_STRENGTH, estimated=False)
    from scipy import optimize

    s = np.array([c[0] for c in counts], dtype=float)
    n = np.array([c[1] for c in counts], dtype=float)
    found = optimize.minimize_scalar(
        lambda x: -_log_marginal(x, s, n, mean),
        bounds=(math.log(MIN_STRENGTH), math.log(MAX_STRENGTH)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return Prior(mean, float(math.exp(found.x)), estimated=True)


def pool(mean: float, counts: Sequence[tuple[int, int] | None]) -> tuple[Prior, list[PooledRate]]:
    """Each member's pooled rate at a stage whose team rate is ``mean``; a member's entry
    is (successes, trials), or None without counts."""
    prior = fit_prior(mean, [c for c in counts if c is not None])
    rates = []
    for c in counts:
        if c is None:
            rates.append(PooledRate("team", mean, mean))
            continue
        s, n = c
        rates.append(
            PooledRate(
                "pooled",
                pooled_mean(s, n, prior),
                mean,
                raw=s / n,
                successes=s,
                trials=n,
                weight=n / (n + prior.strength),
            )
        )
    return prior, rates


@dataclass(frozen=True)
class StagePool:
    """A stage of the members' channel (or the win rate): the prior and every member's rate."""

    path: str  # lever path, e.g. channels.calls.stages.connect.rate or win_rate
    key: str  # the stage key as members write it (or win_rate)
    prior: Prior
    members: list[PooledRate]


def team_stage_rates(plan: KpiSet) -> dict[str, tuple[str, uncertain.Value]]:
    """Stage key -> (lever path, the team's value) for the team channel's stages and the
    win rate: where members may have rates of their own."""
    data = plan.model_dump(mode="json")
    out: dict[str, tuple[str, uncertain.Value]] = {}
    for channel in data["channels"]:
        if channel["volume_from"] == "team":
            for stage in channel["stages"]:
                path = f"channels.{channel['key']}.stages.{stage['key']}.rate"
                out[stage["key"]] = (path, stage["rate"])
    out[WIN_RATE_KEY] = ("win_rate", data["win_rate"])
    return out


def pool_plan(plan: KpiSet) -> list[StagePool]:
    """Every stage's pooled member rates (the plan must have members)."""
    members = plan.team.members or []
    dumped = [m.model_dump(mode="json").get("rates", {}) for m in members]
    out = []
    for key, (path, value) in team_stage_rates(plan).items():
        team_mean = uncertain.mean(uncertain.distribution(value, "rate"))
        counts: list[tuple[int, int] | None] = []
        for own in dumped:
            given = own.get(key)
            counts.append(
                (given["successes"], given["trials"])
                if isinstance(given, dict) and "successes" in given
                else None
            )
        prior, rates = pool(team_mean, counts)
        for i, own in enumerate(dumped):
            given = own.get(key)
            if given is not None and counts[i] is None:  # a number or range: as given
                rates[i] = PooledRate(
                    "own", uncertain.mean(uncertain.distribution(given, "rate")), team_mean
                )
        out.append(StagePool(path, key, prior, rates))
    return out
