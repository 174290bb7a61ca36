"""Which plan the benchmarks run on, and that plan in plain numbers for the naive loop."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import naive
from simulator import analytic, uncertain
from simulator.funnel import Funnel
from simulator.plan import KpiSet, load_plan

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"


@dataclass(frozen=True)
class ChosenPlan:
    path: Path
    plan: KpiSet
    stages: int  # conversion stages over all channels
    expected_volume: float  # calls, emails, leads... over the horizon, in expectation

    @property
    def size(self) -> int:
        return self.stages * self.plan.months

    def describe(self) -> dict[str, Any]:
        return {
            "file": str(self.path.relative_to(SAMPLE_DATA.parent)),
            "name": self.plan.name,
            "months": self.plan.months,
            "channels": len(self.plan.channels),
            "stages": self.stages,
            "stages_x_months": self.size,
            "expected_volume": self.expected_volume,
        }

    def label(self) -> str:
        return (
            f"{self.path.relative_to(SAMPLE_DATA.parent)}: {self.stages} stages "
            f"in {len(self.plan.channels)} channels × {self.plan.months} months = {self.size}, "
            f"expected volume {self.expected_volume:,.0f}"
        )


def _chosen(path: Path) -> ChosenPlan:
    plan = load_plan(path)
    expectation = analytic.expected(plan)
    return ChosenPlan(
        path=path,
        plan=plan,
        stages=sum(len(c.stages) for c in plan.channels),
        expected_volume=float(sum(v.sum() for v in expectation.volumes.values())),
    )


def largest_sample_plan(directory: Path = SAMPLE_DATA) -> ChosenPlan:
    """The sample plan with the most stages × months; ties go to the larger expected volume."""
    candidates = [_chosen(path) for path in sorted(directory.glob("*.json"))]
    if not candidates:
        raise FileNotFoundError(f"no sample plans in {directory}")
    return max(candidates, key=lambda c: (c.size, c.expected_volume))


def _spec(value: uncertain.Value, kind: uncertain.Kind) -> naive.Spec:
    """A plan quantity as a (family, parameters...) tuple the ``random`` module can draw."""
    dist = uncertain.distribution(value, kind)
    if isinstance(dist, uncertain.PointMass):
        return ("fixed", dist.value)
    name = dist.dist.name
    if name == "beta":
        a, b = (float(x) for x in dist.args[:2])
        return ("beta", a, b)
    if name == "lognorm":
        if dist.kwds.get("loc", 0.0) != 0.0:
            raise ValueError("a shifted lognormal is not supported by the naive loop")
        return ("lognormal", math.log(float(dist.kwds["scale"])), float(dist.kwds["s"]))
    raise ValueError(f"no naive sampler for {name}")


def naive_plan(plan: KpiSet) -> naive.NaivePlan:
    """The plan compiled to plain floats and tuples (setup; the loop itself is in naive.py)."""
    funnel = Funnel(plan)
    channels = []
    for channel in funnel.channels:
        if channel.from_team:
            volume = _spec(funnel.productivity, "positive")
            factors = [float(x) for x in funnel.team_capacity_days]
        else:
            volume = _spec(channel.volume, "positive")
            factors = [float(x) for x in funnel.seasonality]
        channels.append(
            naive.NaiveChannel(
                key=channel.key,
                volume=volume,
                month_factors=tuple(factors),
                rates=tuple(_spec(rate, "rate") for rate in channel.rates),
            )
        )
    return naive.NaivePlan(
        months=plan.months,
        channels=tuple(channels),
        win_rate=_spec(funnel.win_rate, "rate"),
        deal_size=_spec(funnel.deal_size, "positive"),
        sales_cycle=_spec(funnel.sales_cycle, "positive"),
        open_opportunities=plan.open_opportunities,
    )
