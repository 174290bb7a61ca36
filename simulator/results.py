"""What a simulation says: distributions, P(target), and the tables a manager reads.

Every estimate comes with its Monte Carlo standard error, so a difference of 0.3 points
between two plans can be told apart from noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from simulator.funnel import CHUNK_TRIALS, chunks
from simulator.plan import KpiSet

QUANTILES = (0.1, 0.5, 0.9)
DETAIL_TRIALS = 10_000  # trials behind stage counts shown or stored as monthly KPI targets


@dataclass(frozen=True)
class Summary:
    """Mean with its standard error, and the 10th, 50th and 90th percentiles."""

    mean: float
    std_error: float
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: np.ndarray) -> Summary:
        values = np.asarray(values, dtype=float)
        n = values.size
        p10, p50, p90 = np.quantile(values, QUANTILES)
        std_error = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        return cls(float(values.mean()), std_error, float(p10), float(p50), float(p90))

    def to_dict(self, *, with_error: bool = False) -> dict[str, float]:
        out = {"mean": self.mean}
        if with_error:
            out["std_error"] = self.std_error
        return out | {"p10": self.p10, "p50": self.p50, "p90": self.p90}


@dataclass(frozen=True)
class Detail:
    """Counts at every stage, per trial and month: volume, each stage, new opportunities."""

    opportunities: np.ndarray  # (T, M) new opportunities, all channels
    volumes: dict[str, np.ndarray]  # channel -> (T, M)
    stages: dict[str, dict[str, np.ndarray]]  # channel -> stage -> (T, M)

    @property
    def trials(self) -> int:
        return int(self.opportunities.shape[0])

    def head(self, trials: int) -> Detail:
        return Detail(
            opportunities=self.opportunities[:trials],
            volumes={k: v[:trials] for k, v in self.volumes.items()},
            stages={c: {s: v[:trials] for s, v in st.items()} for c, st in self.stages.items()},
        )

    @classmethod
    def concatenate(cls, parts: list[dict[str, Any]]) -> Detail:
        first = parts[0]
        return cls(
            opportunities=np.concatenate([p["opportunities"] for p in parts]),
            volumes={k: np.concatenate([p["volumes"][k] for p in parts]) for k in first["volumes"]},
            stages={
                c: {s: np.concatenate([p["stages"][c][s] for p in parts]) for s in stages}
                for c, stages in first["stages"].items()
            },
        )


@dataclass
class SimulationResult:
    """The outcome of one run: per-trial arrays and the summaries drawn from them.

    ``revenue`` and ``wins`` are (trials, months) and count what closes inside the horizon;
    ``carry_over_wins`` closes after it. ``expected_revenue`` is each trial's revenue in
    expectation given its drawn rates and volumes: comparisons under common random numbers
    use it because it is free of the count noise.
    """

    plan: KpiSet
    months: list[str]
    seed: int
    revenue: np.ndarray
    wins: np.ndarray
    carry_over_wins: np.ndarray
    expected_revenue: np.ndarray
    detail_factory: Callable[[int], Detail] = field(repr=False)

    @property
    def trials(self) -> int:
        return int(self.revenue.shape[0])

    @property
    def target(self) -> float:
        return self.plan.target.revenue

    @cached_property
    def total_revenue(self) -> np.ndarray:
        return self.revenue.sum(axis=1)

    @cached_property
    def detail(self) -> Detail:
        """Stage counts of every trial (drawn on first use: the costly part of a run)."""
        return self.detail_factory(len(chunks(self.trials)))

    def detail_head(self, trials: int) -> Detail:
        """Stage counts of the first ``trials`` trials, rounded up to whole chunks.

        The numbers are those of :attr:`detail` for the same trials; the UI uses this to
        draw its funnel and tables from a sample while the headline uses every trial.
        """
        if "detail" in self.__dict__:
            n = min(self.trials, CHUNK_TRIALS * -(-trials // CHUNK_TRIALS))
            return self.detail.head(n)
        return self.detail_factory(-(-trials // CHUNK_TRIALS))

    # ----------------------------------------------------------------- headline numbers

    def revenue_summary(self) -> Summary:
        return Summary.of(self.total_revenue)

    def p_target(self, target: float | None = None) -> tuple[float, float]:
        """P(revenue >= target) and its standard error."""
        target = self.target if target is None else target
        p = float(np.mean(self.total_revenue >= target))
        return p, float(np.sqrt(p * (1 - p) / self.trials))

    def revenue_at_confidence(self, confidence: float | None = None) -> float:
        """The revenue reached with the given probability (the plan's confidence by default)."""
        confidence = self.plan.target.confidence if confidence is None else confidence
        return float(np.quantile(self.total_revenue, 1.0 - confidence))

    # ----------------------------------------------------------------- tables

    def kpi_series(self, detail: Detail) -> dict[str, np.ndarray]:
        """Every monthly count a KPI target is set on, per trial: ``channel.volume``,
        ``channel.stage``, ``opportunities``, ``wins`` and ``revenue``, for ``detail``'s trials.
        """
        n = detail.trials
        series: dict[str, np.ndarray] = {}
        for channel, volume in detail.volumes.items():
            series[f"{channel}.volume"] = volume
            for stage, counts in detail.stages[channel].items():
                series[f"{channel}.{stage}"] = counts
        series["opportunities"] = detail.opportunities
        series["wins"] = self.wins[:n]
        series["revenue"] = self.revenue[:n]
        return series

    def kpi_targets(self, detail: Detail | None = None) -> pd.DataFrame:
        """Monthly KPI targets: each count at P50 and at the plan's confidence.

        Index: month; columns: ``(metric, "p50" | "confidence")``. "At the confidence" is
        the value reached in that share of trials: its ``1 - confidence`` quantile.
        """
        detail = self.detail_head(DETAIL_TRIALS) if detail is None else detail
        low_quantile = 1.0 - self.plan.target.confidence
        columns = {}
        for metric, values in self.kpi_series(detail).items():
            # Both quantiles in one pass, along contiguous rows: a (months, trials) copy.
            p50, at_confidence = np.quantile(
                np.ascontiguousarray(values.T), (0.5, low_quantile), axis=1
            )
            columns[(metric, "p50")] = p50
            columns[(metric, "confidence")] = at_confidence
        return pd.DataFrame(columns, index=pd.Index(self.months, name="month"))

    # ----------------------------------------------------------------- interchange

    def to_dict(self) -> dict[str, Any]:
        """The result as docs/design.md §4's ``simulate --json`` output."""
        p, p_error = self.p_target()
        detail = self.detail
        monthly = []
        for i, month in enumerate(self.months):
            monthly.append(
                {
                    "month": month,
                    "revenue": Summary.of(self.revenue[:, i]).to_dict(),
                    "opportunities": Summary.of(detail.opportunities[:, i]).to_dict(),
                    "wins": Summary.of(self.wins[:, i]).to_dict(),
                }
            )
        return {
            "trials": self.trials,
            "seed": self.seed,
            "revenue": Summary.of(self.total_revenue).to_dict(with_error=True),
            "target": {"revenue": self.target, "p_target": p, "p_target_std_error": p_error},
            "opportunities": Summary.of(detail.opportunities.sum(axis=1)).to_dict(),
            "wins": Summary.of(self.wins.sum(axis=1)).to_dict(),
            "carry_over_wins": Summary.of(self.carry_over_wins).to_dict(),
            "monthly": monthly,
        }
