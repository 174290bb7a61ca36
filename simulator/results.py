"""What a simulation says: distributions, P(target), and the tables a manager reads.

Every estimate comes with its Monte Carlo standard error, so a difference of 0.3 points
between two plans can be told apart from noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simulator.funnel import CHUNK_TRIALS, chunks
from simulator.plan import KpiSet
from simulator.tally import Summary, Tally

if TYPE_CHECKING:
    import pandas as pd

DETAIL_TRIALS = 10_000  # trials behind stage counts shown or stored as monthly KPI targets
#: Trials behind the opportunities of :meth:`SimulationResult.to_dict` (the command line's
#: ``opportunities``), and those a streamed run keeps per trial: the first ones of the run,
#: so a longer run does not draw stage counts for every trial.
SUMMARY_DETAIL_TRIALS = 100_000


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


@dataclass(frozen=True)
class TrialArrays:
    """Per-trial outcomes of consecutive trials: what closes inside the horizon
    (``revenue`` and ``wins``, (T, M)), what closes after it, and each trial's expected
    revenue given its draws."""

    revenue: np.ndarray  # (T, M)
    wins: np.ndarray  # (T, M)
    carry_over_wins: np.ndarray  # (T,)
    expected_revenue: np.ndarray  # (T,)

    @classmethod
    def empty(cls, trials: int, months: int) -> TrialArrays:
        return cls(
            revenue=np.empty((trials, months)),
            wins=np.empty((trials, months), dtype=np.int64),
            carry_over_wins=np.empty(trials, dtype=np.int64),
            expected_revenue=np.empty(trials),
        )

    @property
    def trials(self) -> int:
        return int(self.revenue.shape[0])

    def assign(self, other: TrialArrays) -> None:
        """Copy ``other``'s values (as many trials) into these arrays."""
        for name in ("revenue", "wins", "carry_over_wins", "expected_revenue"):
            getattr(self, name)[...] = getattr(other, name)

    def rows(self, start: int, stop: int) -> TrialArrays:
        """Views of trials ``start`` to ``stop``: writing them writes these arrays."""
        return TrialArrays(
            self.revenue[start:stop],
            self.wins[start:stop],
            self.carry_over_wins[start:stop],
            self.expected_revenue[start:stop],
        )


class Statistics(Protocol):
    """What a result says about its trials, from the trials themselves or a :class:`Tally`."""

    def summary(self, metric: str, month: int | None = None) -> Summary: ...

    def quantile(self, q: float) -> float: ...

    def share_at_least(self, threshold: float) -> float: ...


class ArrayStatistics:
    """:class:`Statistics` of trials kept in memory: exactly ``numpy``'s."""

    def __init__(self, arrays: TrialArrays) -> None:
        self.arrays = arrays

    @cached_property
    def total_revenue(self) -> np.ndarray:
        return self.arrays.revenue.sum(axis=1)

    def summary(self, metric: str, month: int | None = None) -> Summary:
        if metric == "carry_over_wins":
            return Summary.of(self.arrays.carry_over_wins)
        values = self.arrays.revenue if metric == "revenue" else self.arrays.wins
        if month is not None:
            return Summary.of(values[:, month])
        return Summary.of(self.total_revenue if metric == "revenue" else values.sum(axis=1))

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.total_revenue, q))

    def share_at_least(self, threshold: float) -> float:
        return float(np.mean(self.total_revenue >= threshold))


class TrialsNotKept(RuntimeError):
    """A per-trial array was asked of a run that kept only its summaries."""


@dataclass
class SimulationResult:
    """The outcome of one run: its summaries and, when kept, its per-trial arrays.

    ``revenue`` and ``wins`` are (trials, months) and count what closes inside the horizon;
    ``carry_over_wins`` closes after it. ``expected_revenue`` is each trial's revenue in
    expectation given its drawn rates and volumes: comparisons under common random numbers
    use it because it is free of the count noise.

    ``kept`` holds the per-trial arrays of every trial, or, for a run that streamed its
    trials into a :class:`Tally` (``tally``), of its first trials only: enough for the
    stage counts of :meth:`detail_head` and :meth:`to_dict`. Asking such a run for a
    per-trial array of every trial raises :class:`TrialsNotKept`; its summaries come from
    the tally (revenue percentiles within :data:`simulator.tally.ALPHA`).
    """

    plan: KpiSet
    months: list[str]
    seed: int
    trials: int
    kept: TrialArrays
    #: chunk count -> the stage counts of the run's first chunks.
    detail_factory: Callable[[int], Detail] = field(repr=False)
    #: chunk count -> new opportunities (trials, months) of the run's first chunks, drawn
    #: from their distribution alone (not tied to each trial's wins, as the detail's are).
    opportunities_factory: Callable[[int], np.ndarray] = field(repr=False)
    tally: Tally | None = None

    @property
    def keeps_every_trial(self) -> bool:
        return self.kept.trials == self.trials

    @cached_property
    def _kept_statistics(self) -> ArrayStatistics:
        return ArrayStatistics(self.kept)

    @property
    def statistics(self) -> Statistics:
        """Exactly ``numpy``'s figures when every trial was kept, else the tally's."""
        if self.keeps_every_trial or self.tally is None:
            return self._kept_statistics
        return self.tally

    def _every(self, name: str) -> np.ndarray:
        if not self.keeps_every_trial:
            raise TrialsNotKept(
                f"this run kept only summaries of its {self.trials:,} trials "
                f"(per-trial {name} of the first {self.kept.trials:,}); "
                "simulate with keep_trials=True for every trial's"
            )
        return getattr(self.kept, name)

    revenue = property(lambda self: self._every("revenue"), doc="(trials, months)")
    wins = property(lambda self: self._every("wins"), doc="(trials, months)")
    carry_over_wins = property(lambda self: self._every("carry_over_wins"), doc="(trials,)")
    expected_revenue = property(lambda self: self._every("expected_revenue"), doc="(trials,)")

    @property
    def target(self) -> float:
        return self.plan.target.revenue

    @property
    def total_revenue(self) -> np.ndarray:
        self._every("revenue")
        return self._kept_statistics.total_revenue

    @cached_property
    def detail(self) -> Detail:
        """Stage counts of every trial (drawn on first use: the costly part of a run)."""
        self._every("revenue")
        return self.detail_factory(len(chunks(self.trials)))

    def _head_chunks(self, trials: int) -> int:
        """Chunks holding the first ``trials`` trials, within those kept per trial."""
        return min(-(-trials // CHUNK_TRIALS), -(-self.kept.trials // CHUNK_TRIALS))

    def detail_head(self, trials: int) -> Detail:
        """Stage counts of the first ``trials`` trials, rounded up to whole chunks (and no
        more than the run kept per trial).

        The numbers are those of :attr:`detail` for the same trials; the UI uses this to
        draw its funnel and tables from a sample while the headline uses every trial.
        """
        chunk_count = self._head_chunks(trials)
        if "detail" in self.__dict__:
            return self.detail.head(min(self.trials, CHUNK_TRIALS * chunk_count))
        return self.detail_factory(chunk_count)

    def opportunities_head(self, trials: int) -> np.ndarray:
        """New opportunities (trials, months) of the first ``trials`` trials, rounded up to
        whole chunks: each trial's drawn from their distribution given its draws, which is
        exact for their summaries and far cheaper than :meth:`detail_head`."""
        return self.opportunities_factory(self._head_chunks(trials))

    # ----------------------------------------------------------------- headline numbers

    def revenue_summary(self) -> Summary:
        return self.statistics.summary("revenue")

    def p_target(self, target: float | None = None) -> tuple[float, float]:
        """P(revenue >= target) and its standard error. A streamed run counts its plan's
        target exactly and reads another from its revenue buckets (a trial within 0.01% of
        that target may fall on either side)."""
        target = self.target if target is None else target
        p = self.statistics.share_at_least(target)
        return p, float(np.sqrt(p * (1 - p) / self.trials))

    def revenue_at_confidence(self, confidence: float | None = None) -> float:
        """The revenue reached with the given probability (the plan's confidence by default)."""
        confidence = self.plan.target.confidence if confidence is None else confidence
        return self.statistics.quantile(1.0 - confidence)

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
        series["wins"] = self.kept.wins[:n]
        series["revenue"] = self.kept.revenue[:n]
        return series

    def kpi_targets(self, detail: Detail | None = None) -> pd.DataFrame:
        """Monthly KPI targets: each count at P50 and at the plan's confidence.

        Index: month; columns: ``(metric, "p50" | "confidence")``. "At the confidence" is
        the value reached in that share of trials: its ``1 - confidence`` quantile.
        """
        import pandas as pd

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
        """The result as docs/design.md §4's ``simulate --json`` output.

        Opportunities are drawn for the first :data:`SUMMARY_DETAIL_TRIALS` trials (every
        trial of a shorter run; see :meth:`opportunities_head`); every other figure covers
        every trial.
        """
        stats = self.statistics
        p, p_error = self.p_target()
        opportunities = self.opportunities_head(SUMMARY_DETAIL_TRIALS)
        monthly = [
            {
                "month": month,
                "revenue": stats.summary("revenue", i).to_dict(),
                "opportunities": Summary.of(opportunities[:, i]).to_dict(),
                "wins": stats.summary("wins", i).to_dict(),
            }
            for i, month in enumerate(self.months)
        ]
        return {
            "trials": self.trials,
            "seed": self.seed,
            "revenue": stats.summary("revenue").to_dict(with_error=True),
            "target": {"revenue": self.target, "p_target": p, "p_target_std_error": p_error},
            "opportunities": Summary.of(opportunities.sum(axis=1)).to_dict(),
            "wins": stats.summary("wins").to_dict(),
            "carry_over_wins": stats.summary("carry_over_wins").to_dict(),
            "monthly": monthly,
        }
