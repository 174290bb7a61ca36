"""The what-if scenario as values: the widgets' defaults, the plan they describe, the URL.

Pure functions over a mapping of session keys (``ui/session.py`` declares them). Widgets
take only ``key=``; their starting values come from the loaded plan (the baseline)
through :func:`defaults`, and :func:`scenario_plan` turns the widget values back into a
plan. The scenario's differences from the baseline live in the URL, so a copied link opens
the same scenario.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator import budget, levers, uncertain
from simulator import plan as plan_bounds
from simulator.levers import Lever
from simulator.plan import KpiSet, parse_plan
from ui.format import parse_url_number, url_number
from ui.session import (
    CONFIDENCE,
    HIRES,
    LEVER,
    SEED,
    TARGET,
    TRIALS,
    WORKING_DAYS,
    WORKING_DAYS_ON,
)

MAX_LINK_VALUE = 10_000  # characters of one value in a link (120 hires fit)
MAX_HIRES = 120  # as a plan allows
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
TRIAL_CHOICES = (1_000, 10_000, 20_000, 50_000, 100_000, 200_000)
MAX_SEED = 2**53 - 1  # the largest whole number a browser number input holds exactly


@dataclass(frozen=True)
class Scale:
    """How a lever's value is shown: display = value × factor, on a slider of these bounds."""

    factor: float
    low: float
    high: float
    step: float

    def __post_init__(self) -> None:  # a slider needs one number type throughout
        for name in ("factor", "low", "high", "step"):
            object.__setattr__(self, name, float(getattr(self, name)))


def _nice_step(span: float) -> float:
    """A round step that divides ``span`` into roughly 100–200 slider positions."""
    raw = max(span, 1e-9) / 150
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def scale(lever: Lever, baseline: Any) -> Scale:
    """Slider bounds for a lever, wide enough to explore around the baseline."""
    if lever.kind == "rate":
        return Scale(100.0, 0.0, 100.0, 0.1)
    if lever.kind == "cycle":
        return Scale(1.0, 0.0, 24.0, 0.5)
    _, high = display_range(lever, baseline, Scale(1.0, 0, 0, 1))
    top = max(high * 3.0, 10.0)
    step = _nice_step(top)
    top = step * round(top / step)
    if lever.kind == "productivity":
        return Scale(1.0, 0.0, max(top, 150.0), 1.0)
    return Scale(1.0, 0.0, top, step)


def trial_choices(plan: KpiSet) -> list[int]:
    """The trials a user may choose for ``plan``: the standard choices and the plan's own,
    up to the most its run may hold (a plan of many months and stages holds fewer)."""
    cap = budget.max_trials(plan)
    return sorted({n for n in (*TRIAL_CHOICES, plan.simulation.trials) if n <= cap} or {cap})


def display_range(lever: Lever, value: Any, s: Scale) -> tuple[float, float]:
    """A lever value as (low, high) in display units; counts as their Beta's P10–P90."""
    low, high = uncertain.p10_p90(value)
    digits = 6 if s.factor == 1.0 else 4
    return round(low * s.factor, digits), round(high * s.factor, digits)


def plan_value(lever: Lever, shown: tuple[float, float], baseline: Any, s: Scale) -> Any:
    """The plan value for a widget's (low, high); the baseline's own form when unchanged."""
    if tuple(shown) == display_range(lever, baseline, s):
        return baseline
    low, high = (round(x / s.factor, 10) for x in shown)
    return low if low == high else {"low": low, "high": high}


def defaults(plan: KpiSet) -> dict[str, Any]:
    """Widget values that reproduce the plan exactly."""
    out: dict[str, Any] = {}
    for lever in levers.levers(plan):
        value = levers.get(plan, lever.path)
        if lever.kind == "reps":
            out[LEVER(lever.path)] = int(value)
        else:
            out[LEVER(lever.path)] = display_range(lever, value, scale(lever, value))
    out[HIRES] = [{"month": h.month, "change": h.change} for h in plan.team.hires]
    out[WORKING_DAYS_ON] = plan.team.working_days_per_month is not None
    out[WORKING_DAYS] = float(plan.team.working_days_per_month or 20.0)
    out[TARGET] = float(plan.target.revenue)
    out[CONFIDENCE] = round(plan.target.confidence * 100)
    out[TRIALS] = plan.simulation.trials
    out[SEED] = min(plan.simulation.seed, MAX_SEED)
    return out


def scenario_plan(baseline: KpiSet, state: Mapping[str, Any]) -> KpiSet:
    """The plan the widgets describe; raises :class:`PlanError` when it is not valid or
    its run would exceed the compute budget."""
    values: dict[str, Any] = {}
    for lever in levers.levers(baseline):
        original = levers.get(baseline, lever.path)
        shown = state[LEVER(lever.path)]
        if lever.kind == "reps":
            values[lever.path] = int(shown)
        else:
            values[lever.path] = plan_value(lever, shown, original, scale(lever, original))
    data = levers.apply(baseline.model_dump(mode="json"), values)
    data["team"]["hires"] = [
        {"month": str(h["month"]), "change": int(h["change"])} for h in state[HIRES]
    ]
    data["team"]["working_days_per_month"] = (
        float(state[WORKING_DAYS]) if state[WORKING_DAYS_ON] else None
    )
    data["target"] = {"revenue": float(state[TARGET]), "confidence": state[CONFIDENCE] / 100}
    data["simulation"] = {"trials": int(state[TRIALS]), "seed": int(state[SEED])}
    plan = parse_plan(data)
    budget.check(plan)  # a run it cannot hold is a problem to show, not to meet in a run
    return plan


# ----------------------------------------------------------------------------- URL


def _encode(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2 and not isinstance(value[0], dict):
        low, high = value
        return url_number(low) if low == high else f"{url_number(low)}~{url_number(high)}"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):  # hires
        return ",".join(f"{h['month']}:{int(h['change']):+d}" for h in value)
    if isinstance(value, (int, float)):
        return url_number(value)
    return str(value)


def _decode(text: str, like: Any) -> Any:
    if isinstance(like, bool):
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if isinstance(like, tuple):
        low, _, high = text.partition("~")
        return (parse_url_number(low), parse_url_number(high or low))
    if isinstance(like, list):
        hires = []
        for item in filter(None, text.split(",")):
            month, _, change = item.partition(":")
            hires.append({"month": month, "change": int(change)})
        return hires
    if isinstance(like, int):
        number = parse_url_number(text)
        if not number.is_integer():
            raise ValueError(text)
        return int(number)
    return parse_url_number(text)


def to_query(state: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for the widget values that differ from the baseline's."""
    return {
        key: _encode(state[key])
        for key in base
        if key in state and _encode(state[key]) != _encode(base[key])
    }


#: The most a link may set a lever to, in display units: the plan's own bounds.
LINK_LIMITS = {
    "rate": 100.0,
    "cycle": float(plan_bounds.MAX_SALES_CYCLE_MONTHS),
    "volume": float(plan_bounds.MAX_VOLUME),
    "deal_size": float(plan_bounds.MAX_DEAL_SIZE),
    "productivity": float(plan_bounds.MAX_CALLS_PER_DAY),
}
CONFIDENCE_RANGE = (50, 99)  # the required probability's slider, in %
WORKING_DAYS_RANGE = (0.0, 31.0)


@dataclass(frozen=True)
class Reading:
    """What a link's scenario values give: the widget values, and the names it dropped
    (a value that cannot be read, or lies outside what its widget and the plan allow)."""

    values: dict[str, Any]
    dropped: list[str]


def _within(key: str, value: Any, plan: KpiSet) -> bool:
    """Whether a value read from a link is one its widget can show and the plan allows."""
    if key.startswith(LEVER.prefix):
        lever = levers.find(plan, key.removeprefix(LEVER.prefix))
        if lever is None:
            return False
        if lever.kind == "reps":
            return 0 <= value <= plan_bounds.MAX_REPS
        low, high = value
        floor = scale(lever, levers.get(plan, lever.path)).low
        return floor <= low <= high <= LINK_LIMITS[lever.kind]
    if key == TARGET:
        return 1.0 <= value <= plan_bounds.MAX_REVENUE
    if key == CONFIDENCE:
        return float(value).is_integer() and CONFIDENCE_RANGE[0] <= value <= CONFIDENCE_RANGE[1]
    if key == TRIALS:
        return value in trial_choices(plan)
    if key == SEED:
        return 0 <= value <= MAX_SEED
    if key == WORKING_DAYS:
        return WORKING_DAYS_RANGE[0] <= value <= WORKING_DAYS_RANGE[1]
    if key == HIRES:
        return len(value) <= MAX_HIRES and all(
            _MONTH.fullmatch(h["month"]) and abs(h["change"]) <= plan_bounds.MAX_REPS for h in value
        )
    return True


def from_query(query: Mapping[str, str], base: Mapping[str, Any], plan: KpiSet) -> Reading:
    """Widget values from a link's scenario parameters (``base``'s keys, and levers the
    plan lacks); a value that cannot be read, or lies out of bounds, is dropped."""
    values, dropped = {}, []
    for key, text in query.items():
        if key not in base and not key.startswith(LEVER.prefix):
            continue
        try:
            if key not in base or len(text) > MAX_LINK_VALUE:
                raise ValueError(key)
            value = _decode(text, base[key])
            if not _within(key, value, plan):
                raise ValueError(key)
        except (ValueError, TypeError, OverflowError, ArithmeticError):
            dropped.append(key)
            continue
        values[key] = value
    return Reading(values, dropped)


def link(
    state: Mapping[str, Any],
    base: Mapping[str, Any],
    lang: str,
    plan_id: str,
    revision: int | None = None,
) -> dict[str, str]:
    """The query of a link that opens this scenario: the language, the plan (and the
    saved set's revision), and the what-if values that differ from the plan's."""
    query = {"lang": lang, "plan": plan_id}
    if revision is not None:
        query["rev"] = str(int(revision))
    return query | to_query(state, base)
