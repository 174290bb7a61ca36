"""The scenario board: up to four scenarios against the baseline, under common random numbers.

A workshop compares a few named changes of one plan side by side (A/B/C/D): each either
a one-click preset (hire two reps, +3 pt win rate, +10% calls, a sales cycle half a month
shorter) or a scenario built on the what-if sliders. Every scenario runs with the
baseline's target, trials and seed (:func:`aligned`): the same seed gives every plan the
same draws of every quantity it shares (streams keyed by lever path, docs/design.md §2),
so a difference between a scenario and the baseline comes from the change, not from
chance. :func:`outcome` measures the differences on paired trials, with their standard
errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator import levers
from simulator.errors import CodedError
from simulator.plan import KpiSet, parse_plan
from simulator.results import SimulationResult

#: The board's slots, in order.
SLOTS: tuple[str, ...] = ("A", "B", "C", "D")
MAX_SCENARIOS = len(SLOTS)
#: A scenario's name: short enough for a column header on a shared screen.
MAX_NAME = 40
#: At most this many trials behind the board (the plan's own, so the baseline shows the
#: what-if page's figures); the Δs are paired, so their error is far below each plan's.
BOARD_TRIALS = 100_000

#: One-click presets: code -> (lever path the preset needs, what it does).
PRESET_CODES: tuple[str, ...] = ("hire2", "win3", "calls10", "cycle05")
HIRES = 2
WIN_POINTS = 0.03
CALLS_FACTOR = 1.10
CYCLE_STEP = -0.5


class PresetUnavailable(CodedError):
    """The plan lacks the lever a preset moves (no team for "hire", no win rate…)."""


def _hire(plan: KpiSet) -> KpiSet:
    data = plan.model_dump(mode="json")
    hires = list(data["team"]["hires"])
    hires.append({"month": plan.start_month, "change": HIRES})
    data["team"]["hires"] = hires
    return parse_plan(data)


def _win(plan: KpiSet) -> KpiSet:
    value = levers.get(plan, "win_rate")
    return levers.with_value(plan, "win_rate", levers.stepped(value, WIN_POINTS, "rate"))


def _calls(plan: KpiSet) -> KpiSet:
    path = "team.calls_per_rep_per_day"
    return levers.with_value(plan, path, levers.scaled(levers.get(plan, path), CALLS_FACTOR))


def _cycle(plan: KpiSet) -> KpiSet:
    value = levers.get(plan, "sales_cycle_months")
    return levers.with_value(plan, "sales_cycle_months", levers.stepped(value, CYCLE_STEP, "cycle"))


PRESETS: dict[str, tuple[str, Callable[[KpiSet], KpiSet]]] = {
    "hire2": ("team.reps", _hire),
    "win3": ("win_rate", _win),
    "calls10": ("team.calls_per_rep_per_day", _calls),
    "cycle05": ("sales_cycle_months", _cycle),
}


def presets_for(plan: KpiSet) -> list[str]:
    """The presets this plan can take (a plan without a team has nothing to hire into)."""
    return [code for code, (path, _) in PRESETS.items() if levers.find(plan, path) is not None]


def preset_plan(plan: KpiSet, code: str) -> KpiSet:
    """``plan`` with the preset ``code`` applied; :class:`PresetUnavailable` when the
    code is unknown or the plan lacks its lever."""
    if code not in PRESETS or code not in presets_for(plan):
        raise PresetUnavailable(
            "preset_unavailable", f"preset {code!r} does not apply to this plan", preset=code
        )
    return PRESETS[code][1](plan)


def aligned(plan: KpiSet, baseline: KpiSet, trials: int = BOARD_TRIALS) -> KpiSet:
    """``plan`` with the baseline's target and simulation (its seed, at most ``trials``
    trials): what makes the board's plans comparable trial by trial."""
    simulation = baseline.simulation.model_copy(
        update={"trials": min(trials, baseline.simulation.trials)}
    )
    return plan.model_copy(update={"target": baseline.target, "simulation": simulation})


@dataclass(frozen=True)
class Outcome:
    """A plan's headline figures and, against the baseline, their paired differences."""

    p_target: float
    p_target_error: float
    p10: float
    p50: float
    p90: float
    mean: float
    delta_p_target: float
    delta_p_target_error: float  # standard error of the paired difference
    delta_p50: float
    delta_mean: float  # from each trial's expected revenue: free of count noise
    delta_mean_error: float
    trials: int


def _paired_error(difference: np.ndarray) -> float:
    n = difference.size
    return float(difference.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan


def outcome(base: SimulationResult, result: SimulationResult) -> Outcome:
    """``result``'s figures and their differences from ``base``, trial by trial.

    Both runs must share their trials and seed (:func:`aligned`); the differences are
    then paired: the error of ΔP(target) is that of the mean of per-trial differences of
    "reached the target", which common random numbers make small.
    """
    if base.trials != result.trials or base.seed != result.seed:
        raise ValueError("a board's plans must share their trials and seed")
    target = base.target
    revenue, base_revenue = result.total_revenue, base.total_revenue
    reached = (revenue >= target).astype(float)
    base_reached = (base_revenue >= target).astype(float)
    p10, p50, p90 = np.quantile(revenue, [0.1, 0.5, 0.9])
    p = float(reached.mean())
    expected_gain = result.expected_revenue - base.expected_revenue
    return Outcome(
        p_target=p,
        p_target_error=math.sqrt(p * (1 - p) / result.trials),
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        mean=float(revenue.mean()),
        delta_p_target=p - float(base_reached.mean()),
        delta_p_target_error=_paired_error(reached - base_reached),
        delta_p50=float(p50 - np.quantile(base_revenue, 0.5)),
        delta_mean=float(expected_gain.mean()),
        delta_mean_error=_paired_error(expected_gain),
        trials=result.trials,
    )


# ----------------------------------------------------------------------------- links
# A scenario in a link: a preset's code ("win3"), or "q;" and the what-if query of a
# scenario built on the sliders ("q;lever:win_rate=30;target=120000000").

QUERY_PREFIX = "q;"
#: A link's scenario is at most this long, and names at most this many what-if values.
MAX_SPEC = 2000
MAX_SPEC_PARTS = 40


def encode_query(query: dict[str, str]) -> str:
    """A what-if query as one link value."""
    return QUERY_PREFIX + ";".join(f"{key}={value}" for key, value in query.items())


def decode_spec(text: str) -> str | dict[str, str] | None:
    """A link's scenario: a preset code, a what-if query (unchecked values), or None when
    it cannot be read (too long, too many parts, unknown, malformed)."""
    if not isinstance(text, str) or len(text) > MAX_SPEC:
        return None
    if text in PRESET_CODES:
        return text
    if not text.startswith(QUERY_PREFIX):
        return None
    parts = [part for part in text[len(QUERY_PREFIX) :].split(";") if part]
    if len(parts) > MAX_SPEC_PARTS:
        return None
    query: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not key or not value or key in query:
            return None
        query[key] = value
    return query
