"""What the store hands out: revisions, set details, and the numbers derived from a plan.

A revision keeps what a simulation of its plan derived (:class:`Derived`: the summary and
the monthly KPI targets), so the library and the compare page show them without
simulating again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import pandas as pd

from simulator import engine
from simulator.plan import KpiSet, parse_plan
from simulator.results import SimulationResult


@dataclass(frozen=True)
class Derived:
    """What a simulation of the plan says, stored with each revision."""

    summary: dict[str, float]  # target, confidence, p_target, std error, mean, P10/P50/P90
    targets: dict[str, Any]  # {"months": [...], "metrics": {metric: {"p50": [...], ...}}}


def derive(plan: KpiSet) -> Derived:
    """Simulate the plan with its own seed and trials: summary and monthly KPI targets."""
    return derive_from(engine.simulate(plan))


def derive_from(result: SimulationResult) -> Derived:
    """The summary and monthly KPI targets of a simulation already run."""
    plan = result.plan
    revenue = result.revenue_summary()
    p, p_error = result.p_target()
    summary = {
        "target": plan.target.revenue,
        "confidence": plan.target.confidence,
        "p_target": p,
        "p_target_std_error": p_error,
        "mean": revenue.mean,
        "p10": revenue.p10,
        "p50": revenue.p50,
        "p90": revenue.p90,
        "at_confidence": result.revenue_at_confidence(),
    }
    frame = result.kpi_targets()
    metrics: dict[str, dict[str, list[float]]] = {}
    for metric, which in frame.columns:
        metrics.setdefault(metric, {})[which] = [float(v) for v in frame[(metric, which)]]
    return Derived(summary, {"months": list(frame.index), "metrics": metrics})


def targets_frame(targets: dict[str, Any]) -> pd.DataFrame:
    """Stored monthly KPI targets as a frame: index month, columns ``(metric, which)``."""
    columns = {
        (metric, which): values
        for metric, pair in targets["metrics"].items()
        for which, values in pair.items()
    }
    return pd.DataFrame(columns, index=pd.Index(targets["months"], name="month"))


@dataclass(frozen=True)
class Revision:
    name: str  # the KPI set's current name
    number: int
    parent: int | None
    plan_json: str
    seed: int
    trials: int
    targets: dict[str, Any]
    summary: dict[str, float]
    comment: str
    author: str
    created_at: datetime

    @cached_property
    def plan(self) -> KpiSet:
        """The stored plan, under the set's current name."""
        plan = parse_plan(self.plan_json)
        return plan if plan.name == self.name else plan.model_copy(update={"name": self.name})

    def targets_frame(self) -> pd.DataFrame:
        """Monthly KPI targets: index month, columns ``(metric, "p50" | "confidence")``."""
        return targets_frame(self.targets)


@dataclass(frozen=True)
class KpiSetInfo:
    name: str
    author: str
    description: str
    tags: tuple[str, ...]
    head: int
    archived: bool
    created_at: datetime
    updated_at: datetime
    summary: dict[str, float] = field(default_factory=dict)  # the head revision's
    head_comment: str = ""
    head_author: str = ""
