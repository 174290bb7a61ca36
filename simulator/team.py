"""A team planned member by member, rolled up to the team (docs/design.md §11).

Each member is the team's plan with one rep: their own presence (start, leave, ramp), calls
a day, and rates at the stages of the team's channel and the win rate, pooled with the
team's (:mod:`simulator.pooling`). What nobody knows about the team is shared: in every
trial all members see the same quantile of every team-level quantity (common random
numbers, the very draws :mod:`simulator.engine` makes for the team plan, keyed by lever
path), and a member's rate is the team's draw times their pooled rate over the team's. What
is chance is each member's own: their wins and deal sizes come from streams of their own.
So N identical members roll up to the same distribution as one team of N reps (a test
holds it to the engine), and the members' ups and downs partly cancel: percentiles do
not add up.

Channels that do not take their volume from the team (inbound, email) and the open
pipeline belong to no member: they are simulated by the engine as the team plan without
reps, at the same seed, and added as ``shared``.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from simulator import engine, uncertain
from simulator import funnel as fn
from simulator.errors import CodedError
from simulator.plan import Issue, KpiSet, PlanError
from simulator.pooling import StagePool, pool_plan

#: Random-stream purposes of members' counts and deal sizes (the engine uses 1–6).
MEMBER_COUNTS, MEMBER_DEALS = 7, 8
#: Numbers a roll-up may hold: trials × (members + months + 1); the engine's budget.
MAX_CELLS = 30_000_000
#: Trials behind the member-level center pin's mean gains (exact under common random
#: numbers; this many keep their error far below the steps' sizes).
PIN_TRIALS = 20_000
#: A coaching step: +1 point on one member's rate.
COACH_STEP = 0.01
#: The percentile the diversification note compares (a member's "P80").
DIVERSIFICATION_LEVEL = 0.8


class NotAMemberPlan(CodedError, ValueError):
    """A plan without members cannot be rolled up by member."""


@dataclass(frozen=True)
class MemberModel:
    """One member as the roll-up reads them."""

    name: str
    presence: np.ndarray  # (M,) share of a fully ramped rep per month
    calls: uncertain.Value | None  # their own calls a day (None: the team's draw)
    ratios: dict[str, float]  # lever path -> pooled rate / team rate (team's draw × this)
    own: dict[str, uncertain.Value]  # lever path -> their own number or range
    pooled: dict[str, float]  # lever path -> the mean rate the plan uses for them
    target: float | None
    tenured: bool  # on the team before the plan starts


def _team_channel(f: fn.Funnel) -> tuple[int, fn.ChannelSpec]:
    for i, channel in enumerate(f.channels):
        if channel.from_team:
            return i, channel
    raise NotAMemberPlan("no_team_channel", "the plan has no channel fed by the team")


def member_models(plan: KpiSet, pools: list[StagePool]) -> list[MemberModel]:
    members = plan.team.members
    if not members:
        raise NotAMemberPlan("no_members", "the plan lists no team.members")
    out = []
    for i, member in enumerate(members):
        ratios, own, pooled = {}, {}, {}
        dumped = member.model_dump(mode="json")
        for stage in pools:
            rate = stage.members[i]
            pooled[stage.path] = rate.pooled
            if rate.source == "own":
                own[stage.path] = dumped["rates"][stage.key]
            else:
                ratios[stage.path] = rate.pooled / rate.team if rate.team > 0 else 1.0
        out.append(
            MemberModel(
                name=member.name,
                presence=fn.member_presence(plan, member),
                calls=dumped.get("calls_per_rep_per_day"),
                ratios=ratios,
                own=own,
                pooled=pooled,
                target=member.target,
                tenured=member.start_month is None or plan.month_index(member.start_month) < 0,
            )
        )
    return out


def _scores(seed: int, chunk: int, path: str, n: int) -> np.ndarray:
    """The normal scores the engine draws for ``path`` (funnel.Funnel.draw's stream)."""
    return fn.stream(seed, chunk, fn.PARAMETERS, zlib.crc32(path.encode())).standard_normal(n)


class _Layout:
    """What every chunk shares: the team's funnel, its channel, members' closing profiles."""

    def __init__(self, plan: KpiSet, members: list[MemberModel]) -> None:
        self.plan, self.members = plan, members
        self.f = fn.Funnel(plan)
        self.channel_index, self.channel = _team_channel(self.f)
        days = self.f.working_days * self.f.seasonality
        capacity = np.stack([m.presence * days for m in members])  # (I, M) rep-days
        self.capacity = capacity
        self.close = capacity @ self.f.close_matrix  # (I, M) wins per unit won level
        self.carry = capacity @ self.f.carry_probability  # (I,)

    def won_levels(
        self, seed: int, chunk: int, n: int, step: float | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(n, I): each member's calls a day × stage rates × win rate, per trial; with
        ``step``, also (I, S): the sum over trials of what ``step`` points more at each of
        the team channel's stages and the win rate (S) would add to each member's level."""
        draws = self.f.draw(seed, chunk, n)
        team_rates = {
            path: draws.rates[self.channel.key][:, s]
            for s, path in enumerate(self.channel.rate_paths)
        }
        team_rates["win_rate"] = draws.win_rate
        scores: dict[str, np.ndarray] = {}

        def own(path: str, value: uncertain.Value, kind: uncertain.Kind) -> np.ndarray:
            if path not in scores:
                scores[path] = _scores(seed, chunk, path, n)
            return uncertain.at_scores(value, kind, scores[path])

        out = np.empty((n, len(self.members)))
        gains = None if step is None else np.zeros((len(self.members), len(team_rates)))
        for i, m in enumerate(self.members):
            calls = (
                draws.productivity
                if m.calls is None
                else own("team.calls_per_rep_per_day", m.calls, "positive")
            )
            rates = [
                own(path, m.own[path], "rate")
                if path in m.own
                else np.minimum(team * m.ratios[path], 1.0)
                for path, team in team_rates.items()
            ]
            level = calls.copy()
            for rate in rates:
                level *= rate
            out[:, i] = level
            if gains is not None:
                for s, rate in enumerate(rates):
                    others = calls.copy()
                    for k, other in enumerate(rates):
                        if k != s:
                            others *= other
                    gains[i, s] = float(others @ (np.minimum(rate + step, 1.0) - rate))
        return out, gains


@dataclass(frozen=True)
class Quantiles:
    mean: float
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: np.ndarray) -> Quantiles:
        p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
        return cls(float(values.mean()), float(p10), float(p50), float(p90))

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "p10": self.p10, "p50": self.p50, "p90": self.p90}


@dataclass(frozen=True)
class PinOption:
    """A member-level step: coach one member's rate by a point, or hire one more."""

    action: str  # "coach" or "hire"
    member: str | None
    path: str | None
    revenue_gain: float  # in mean revenue

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "member": self.member,
            "path": self.path,
            "revenue_gain": self.revenue_gain,
        }


@dataclass
class TeamResult:
    """A roll-up: every trial's revenue per member and for the shared channels."""

    plan: KpiSet
    members: list[MemberModel]
    pools: list[StagePool]
    member_revenue: np.ndarray  # (T, I) each member's revenue inside the horizon
    shared_revenue: np.ndarray  # (T,) channels and pipeline no member owns
    monthly_revenue: np.ndarray  # (T, M) the team's
    trials: int
    seed: int
    pin: list[PinOption] = field(default_factory=list)

    @cached_property
    def team_revenue(self) -> np.ndarray:
        return self.member_revenue.sum(axis=1) + self.shared_revenue

    @property
    def target(self) -> float:
        return self.plan.target.revenue

    @property
    def confidence(self) -> float:
        return self.plan.target.confidence

    def p_target(self, target: float | None = None) -> tuple[float, float]:
        """P(team revenue ≥ target) and its standard error."""
        hit = self.team_revenue >= (self.target if target is None else target)
        p = float(hit.mean())
        return p, math.sqrt(p * (1 - p) / self.trials)

    @cached_property
    def member_means(self) -> np.ndarray:
        return self.member_revenue.mean(axis=0)

    @cached_property
    def capacity_share(self) -> np.ndarray:
        """Each member's share of the team's expected calls (rep-days × calls a day)."""
        team_calls = uncertain.median(
            self.plan.model_dump(mode="json")["team"]["calls_per_rep_per_day"], "positive"
        )
        calls = np.array(
            [team_calls if m.calls is None else uncertain.median(m.calls, "positive")
             for m in self.members]
        )  # fmt: skip
        f = fn.Funnel(self.plan)
        days = f.working_days * f.seasonality
        weight = calls * np.array([m.presence @ days for m in self.members])
        total = weight.sum()
        return weight / total if total > 0 else np.full(len(self.members), 1 / len(self.members))

    @cached_property
    def top_down(self) -> np.ndarray:
        """Each member's target: typed, or what is left of the KGI after the typed ones and
        the shared channels' mean, split by capacity share among the rest."""
        typed = np.array([m.target if m.target is not None else np.nan for m in self.members])
        free = np.isnan(typed)
        left = max(0.0, self.target - float(self.shared_revenue.mean()) - np.nansum(typed))
        share = self.capacity_share * free
        out = typed.copy()
        if free.any():
            out[free] = left * share[free] / share[free].sum() if share[free].sum() > 0 else 0
        return out

    @cached_property
    def member_p_target(self) -> np.ndarray:
        return (self.member_revenue >= self.top_down[None, :]).mean(axis=0)

    def consistent_targets(self, team_value: float) -> tuple[float, np.ndarray, float]:
        """Member targets at one common percentile q that add up, with the shared
        channels' value at q, to ``team_value``: (q, targets, shared). Each member then
        reaches theirs with 1 − q."""
        qs = np.linspace(0.0, 1.0, 2001)
        member_q = np.quantile(self.member_revenue, qs, axis=0)  # (Q, I)
        shared_q = np.quantile(self.shared_revenue, qs)
        total = member_q.sum(axis=1) + shared_q  # increasing in q
        q = float(np.interp(team_value, total, qs))
        targets = np.array(
            [np.quantile(self.member_revenue[:, i], q) for i in range(len(self.members))]
        )
        return q, targets, float(np.quantile(self.shared_revenue, q))

    @cached_property
    def constraint(self) -> dict[str, Any]:
        """The member and the cohort whose expected revenue falls furthest below their
        top-down targets."""
        gap = self.top_down - self.member_means
        worst = int(np.argmax(gap))
        cohorts = {}
        for name, mask in (
            ("tenured", np.array([m.tenured for m in self.members])),
            ("new", np.array([not m.tenured for m in self.members])),
        ):
            if mask.any():
                cohorts[name] = {
                    "members": int(mask.sum()),
                    "target": float(self.top_down[mask].sum()),
                    "mean": float(self.member_means[mask].sum()),
                    "gap": float(gap[mask].sum()),
                }
        cohort = max(cohorts, key=lambda k: cohorts[k]["gap"] / max(cohorts[k]["target"], 1.0))
        return {
            "member": self.members[worst].name,
            "gap": float(gap[worst]),
            "cohort": cohort,
            "cohorts": cohorts,
        }

    def to_dict(self, hand_set: Any = None) -> dict[str, Any]:
        """The roll-up as the command line's JSON; ``hand_set``: departments' typed targets
        (a :class:`simulator.departments.HandSet`)."""
        from simulator import departments

        try:
            chain: dict[str, Any] | None = departments.from_plan(self.plan, hand_set).to_dict()
        except departments.ChainError:
            chain = None

        team_mean = float(self.team_revenue.mean())
        p, p_error = self.p_target()
        confidence = self.confidence
        at_confidence = float(np.quantile(self.team_revenue, 1 - confidence))
        level = DIVERSIFICATION_LEVEL
        q, consistent, shared_at_q = self.consistent_targets(at_confidence)
        members = []
        for i, m in enumerate(self.members):
            members.append(
                {
                    "name": m.name,
                    "pooled": dict(m.pooled),
                    "revenue": Quantiles.of(self.member_revenue[:, i]).to_dict(),
                    "contribution": float(self.member_means[i] / team_mean) if team_mean else 0.0,
                    "capacity_share": float(self.capacity_share[i]),
                    "target": float(self.top_down[i]),
                    "target_typed": m.target is not None,
                    "p_target": float(self.member_p_target[i]),
                    "consistent_target": float(consistent[i]),
                }
            )
        return {
            "trials": self.trials,
            "seed": self.seed,
            "members": members,
            "shared": {
                "revenue": Quantiles.of(self.shared_revenue).to_dict(),
                "contribution": float(self.shared_revenue.mean() / team_mean) if team_mean else 0,
            },
            "team": {
                "revenue": Quantiles.of(self.team_revenue).to_dict(),
                "target": self.target,
                "p_target": p,
                "p_target_std_error": p_error,
                "confidence": confidence,
                "revenue_at_confidence": at_confidence,
            },
            "top_down_vs_bottom_up": {
                "kgi": self.target,
                "bottom_up_mean": team_mean,
                "gap": team_mean - self.target,
            },
            "diversification": {
                "level": level,
                "sum_of_member_percentiles": float(
                    np.quantile(self.member_revenue, level, axis=0).sum()
                    + np.quantile(self.shared_revenue, level)
                ),
                "team_percentile": float(np.quantile(self.team_revenue, level)),
            },
            "consistent": {
                "team_revenue_at_confidence": at_confidence,
                "member_confidence": 1.0 - q,
                "shared_target": shared_at_q,
            },
            "constraint": self.constraint,
            "center_pin": [option.to_dict() for option in self.pin],
            "chain": chain,
        }


def _budget(plan: KpiSet, trials: int) -> None:
    members = len(plan.team.members or [])
    cells = trials * (members + plan.months + 1)
    if cells > MAX_CELLS:
        most = MAX_CELLS // (members + plan.months + 1)
        raise PlanError(
            [
                Issue(
                    "simulation.trials",
                    "work_too_large",
                    f"{trials:,} trials × ({members} members + {plan.months} months + 1) is "
                    f"{cells:,} numbers, more than the {MAX_CELLS:,} a roll-up may hold: "
                    f"lower the trials to {most:,} or fewer",
                    {"trials": trials, "cells": cells, "budget": MAX_CELLS, "max_trials": most},
                )
            ]
        )


def _shared_plan(plan: KpiSet) -> KpiSet:
    """The team plan with no one calling: the channels and pipeline no member owns."""
    team = plan.team.model_copy(update={"members": None, "reps": 0, "hires": []})
    return plan.model_copy(update={"team": team})


def simulate(
    plan: KpiSet, *, trials: int | None = None, seed: int | None = None, pin: bool = True
) -> TeamResult:
    """Roll the plan's members up to the team (see the module docstring)."""
    trials = plan.simulation.trials if trials is None else trials
    seed = plan.simulation.seed if seed is None else seed
    if trials < 1:
        raise ValueError("trials must be at least 1")
    _budget(plan, trials)
    pools = pool_plan(plan)
    members = member_models(plan, pools)
    layout = _Layout(plan, members)
    shared_plan = _shared_plan(plan)
    shared = engine.simulate(shared_plan, trials=trials, seed=seed)
    member_revenue = np.empty((trials, len(members)))
    monthly = shared.revenue.copy()
    f = layout.f
    for index, (start, stop) in enumerate(fn.chunks(trials)):
        n = stop - start
        won, _ = layout.won_levels(seed, index, n)  # (n, I)
        for i in range(len(members)):
            counts = fn.stream(seed, index, MEMBER_COUNTS, i)
            wins = counts.poisson(won[:, i, None] * layout.close[i][None, :])  # (n, M)
            normals = fn.stream(seed, index, MEMBER_DEALS, i).standard_normal(wins.shape)
            revenue = engine.revenue_of_wins(wins, f.deal_mean, f.deal_var, normals)
            member_revenue[start:stop, i] = revenue.sum(axis=1)
            monthly[start:stop] += revenue
    result = TeamResult(
        plan=plan,
        members=members,
        pools=pools,
        member_revenue=member_revenue,
        shared_revenue=shared.total_revenue,
        monthly_revenue=monthly,
        trials=trials,
        seed=seed,
    )
    if pin:
        result.pin = center_pin(plan, layout, seed, min(trials, PIN_TRIALS))
    return result


def center_pin(plan: KpiSet, layout: _Layout, seed: int, trials: int) -> list[PinOption]:
    """Mean revenue gained by coaching one member a point at one stage, against hiring one
    more rep like the team's average (joining at the start, ramping as the team does):
    exact gains of each trial's expected revenue under common random numbers, best first."""
    paths = [*layout.channel.rate_paths, "win_rate"]
    ramp = plan.team.ramp_months
    months = np.arange(1, plan.months + 1)
    hire = MemberModel(
        name="",
        presence=np.minimum(1.0, months / ramp) if ramp else np.ones(plan.months),
        calls=None,
        ratios=dict.fromkeys(paths, 1.0),
        own={},
        pooled={},
        target=None,
        tenured=False,
    )
    with_hire = _Layout(plan, [*layout.members, hire])
    per_unit = with_hire.close.sum(axis=1) * with_hire.f.deal_mean  # (I + 1,)
    levels = np.zeros(len(with_hire.members))
    gains = np.zeros((len(with_hire.members), len(paths)))
    for index, (start, stop) in enumerate(fn.chunks(trials)):
        level, gain = with_hire.won_levels(seed, index, stop - start, COACH_STEP)
        levels += level.sum(axis=0)
        gains += gain
    options = [
        PinOption("coach", member.name, path, float(gains[i, s] / trials * per_unit[i]))
        for i, member in enumerate(layout.members)
        for s, path in enumerate(paths)
        if member.presence.any()
    ]
    options.append(PinOption("hire", None, None, float(levels[-1] / trials * per_unit[-1])))
    options.sort(key=lambda o: -o.revenue_gain)
    return options
