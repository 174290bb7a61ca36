"""The what-if scenario as values: the widgets' defaults, the plan they describe, the URL.

Pure functions over a mapping of session keys (``ui/session.py`` declares them). Widgets
take only ``key=``; their starting values come from the loaded plan (the baseline)
through :func:`defaults`, and :func:`scenario_plan` turns the widget values back into a
plan. The scenario's differences from the baseline live in the URL, so a copied link opens
the same scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator import levers, uncertain
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
    """The plan the widgets describe; raises :class:`PlanError` when it is not valid."""
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
    return parse_plan(data)


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


def from_query(query: Mapping[str, str], base: Mapping[str, Any]) -> dict[str, Any]:
    """Widget values from query parameters; a value that cannot be read is left out."""
    out = {}
    for key, text in query.items():
        if key not in base:
            continue
        try:
            out[key] = _decode(text, base[key])
        except (ValueError, TypeError, OverflowError, ArithmeticError):
            continue
    return out


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
