"""What a run may cost, checked before anything is allocated (docs/design.md §2, "Budget").

Every quantity of a plan has an upper bound (:mod:`simulator.plan`), but bounds one by one
do not bound a run: what grows with a plan is

- the numbers a run holds: for every trial and month, its revenue, wins and new
  opportunities, and every channel's volume and stage counts (what ``simulate --json``
  summarises). Memory and time follow ``trials × months × (3 + Σ (1 + stages))``; a
  streamed run (``engine.simulate(..., keep_trials=False)``, what the command line does)
  holds only its first :data:`~simulator.results.SUMMARY_DETAIL_TRIALS` trials, so only
  those count;
- the size of a count. Drawing a count costs the same whatever its mean, but the revenue
  of K deals is tabulated for K up to the most deals won in a month (``engine``), and the
  reference engine draws every deal. So the deals won in one month, and every monthly
  count, are held below a limit, at the upper tail of the plan's ranges: each uncertain
  quantity at its one-in-a-billion high (a standard score of :data:`TAIL_Z`).

:func:`check` refuses a plan over budget with a :class:`~simulator.plan.PlanError` that
says what to lower; both engines call it before they allocate anything, and imports call
it before they simulate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import calendar, results, uncertain
from simulator import funnel as fn
from simulator.plan import MAX_TRIALS, Issue, KpiSet, PlanError

#: Numbers a run may hold (trials × months × counts kept per month): a full result with
#: its stage counts then peaks below 1 GB (benchmarks: "budget").
MAX_CELLS = 30_000_000
#: A month's calls, leads or mails, all channels together, in one trial.
MAX_MONTHLY_COUNT = 1_000_000_000
#: Deals won in one month of one trial.
MAX_MONTHLY_WINS = 1_000_000
#: The standard score at which uncertain quantities are read for the largest counts.
TAIL_Z = 6.0


@dataclass(frozen=True)
class Work:
    """What a run of a plan would hold and draw."""

    trials: int
    kept: int  # the trials it holds: all of them, or the first ones of a streamed run
    months: int
    per_month: int  # numbers kept per trial and month
    largest_count: float  # the largest expected monthly count, all channels together
    count_month: int  # the month it falls in (0 = the start month)
    count_source: int  # the channel that brings most of it
    largest_wins: float  # the most deals expected to close in one month
    wins_month: int
    wins_source: int | None  # the channel that brings most of them; None: the open pipeline

    @property
    def cells(self) -> int:
        return self.kept * self.months * self.per_month


def numbers_per_month(plan: KpiSet) -> int:
    """Numbers a run keeps per trial and month: revenue, wins, new opportunities, and each
    channel's volume and stage counts."""
    return 3 + sum(1 + len(channel.stages) for channel in plan.channels)


def max_trials(plan: KpiSet) -> int:
    """The most trials a run of ``plan`` may have within :data:`MAX_CELLS`."""
    return min(MAX_TRIALS, MAX_CELLS // (plan.months * numbers_per_month(plan)))


def work(plan: KpiSet, trials: int | None = None, *, streamed: bool = False) -> Work:
    """What a run of ``plan`` with ``trials`` (the plan's own by default) would hold;
    ``streamed``: a run that keeps only its first trials (``keep_trials=False``)."""
    trials = plan.simulation.trials if trials is None else trials
    f = fn.Funnel(plan)
    high = np.array([TAIL_Z])
    draws = f.draws_from(
        {path: uncertain.at_scores(value, kind, high) for path, value, kind in f.quantities}, 1
    )
    volumes = np.stack([f.volume_mean(draws, channel)[0] for channel in f.channels])  # (C, M)
    count_month = int(volumes.sum(axis=0).argmax())
    # Deals closing in month j come from opportunities of months up to j, each spread over
    # the lag: no month closes more than the most won in any one month (and the pipeline).
    won = (f.opportunity_levels(draws) * draws.win_rate[:, None])[0][:, None] * f.profiles
    closing = won @ f.close_matrix  # (C, M)
    open_wins = plan.open_opportunities * draws.win_rate[0] * f.open_close_pmf[:-1]
    wins = closing.sum(axis=0) + open_wins
    wins_month = int(wins.argmax())
    by_source = np.append(closing[:, wins_month], open_wins[wins_month])
    source = int(by_source.argmax())
    return Work(
        trials=trials,
        kept=min(trials, results.SUMMARY_DETAIL_TRIALS) if streamed else trials,
        months=plan.months,
        per_month=numbers_per_month(plan),
        largest_count=float(volumes.sum(axis=0)[count_month]),
        count_month=count_month,
        count_source=int(volumes[:, count_month].argmax()),
        largest_wins=float(wins[wins_month]),
        wins_month=wins_month,
        wins_source=source if source < len(f.channels) else None,
    )


def _source_path(plan: KpiSet, channel: int | None) -> tuple[str, str]:
    """Where a count comes from, as a field path, and what to lower there."""
    if channel is None:
        return "open_opportunities", "lower open_opportunities"
    if plan.channels[channel].volume_from == "team":
        return "team", "lower team.reps, team.calls_per_rep_per_day or the seasonality"
    return (
        f"channels[{channel}].volume_per_month",
        "lower it, narrow its range, or lower the seasonality",
    )


def problems(plan: KpiSet, trials: int | None = None, *, streamed: bool = False) -> list[Issue]:
    """Every way a run of ``plan`` with ``trials`` would exceed the budget (none: it fits)."""
    found = work(plan, trials, streamed=streamed)
    issues = []
    if found.cells > MAX_CELLS:
        most = max_trials(plan)
        kept_text = (
            f"a run of {found.trials:,} trials keeps the first "
            if found.kept < found.trials
            else ""
        )
        issues.append(
            Issue(
                "simulation.trials",
                "work_too_large",
                f"{kept_text}{found.kept:,} trials × {found.months} months × "
                f"{found.per_month} numbers a month is {found.cells:,} numbers, more than "
                f"the {MAX_CELLS:,} a run may "
                f"hold: lower the trials to {most:,} or fewer, or the months, channels or "
                "stages",
                {
                    "trials": found.trials,
                    "months": found.months,
                    "per_month": found.per_month,
                    "cells": found.cells,
                    "budget": MAX_CELLS,
                    "max_trials": most,
                },
            )
        )
    month_keys = calendar.month_keys(plan.start_month, plan.months)
    counts = (  # code, the count and its limit, what it counts, its month and source, advice
        ("count_too_large", "count", found.largest_count, MAX_MONTHLY_COUNT,
         "calls, leads or mails in", found.count_month, found.count_source, ""),
        ("wins_too_large", "wins", found.largest_wins, MAX_MONTHLY_WINS,
         "deals closing in", found.wins_month, found.wins_source, ", its rates or the win rate"),
    )  # fmt: skip
    for code, key, count, limit, what, month_index, source, more in counts:
        if count <= limit:
            continue
        path, advice = _source_path(plan, source)
        month = month_keys[month_index]
        issues.append(
            Issue(
                path,
                code,
                f"brings up to {count:,.0f} {what} {month} (at the high end of the plan's "
                f"ranges), more than the {limit:,} a month a run may draw: {advice}{more}",
                {key: round(count), "month": month, "budget": limit},
            )
        )
    return issues


def check(plan: KpiSet, trials: int | None = None, *, streamed: bool = False) -> None:
    """Refuse a run of ``plan`` with ``trials`` (the plan's own by default) that would
    exceed the budget: :class:`PlanError` naming what to lower. ``streamed``: a run that
    holds only its first trials (``engine.simulate(..., keep_trials=False)``)."""
    issues = problems(plan, trials, streamed=streamed)
    if issues:
        raise PlanError(issues)
