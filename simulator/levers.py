"""Lever paths: read and change one input of a plan by name (docs/design.md §4).

A lever path names an input the way a manager thinks of it: ``team.reps``,
``win_rate``, ``channels.inbound.volume_per_month``,
``channels.calls.stages.connect.rate``. Every change is validated: values a user entered
go back through :func:`simulator.plan.parse_plan` (:func:`with_values`), values the core
computes through the same rules for the one field that changed (:func:`with_value`), so a
lever can never produce an invalid plan silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from simulator import uncertain
from simulator.plan import KpiSet, Location, parse_plan, with_field

LeverKind = Literal["reps", "productivity", "volume", "rate", "deal_size", "cycle"]


@dataclass(frozen=True)
class Lever:
    """One input of a plan that a manager can move."""

    path: str
    kind: LeverKind
    channel: str | None = None
    stage: str | None = None

    @property
    def value_kind(self) -> uncertain.Kind:
        """How :mod:`simulator.uncertain` reads the lever's value."""
        return "rate" if self.kind == "rate" else "positive"


def levers(plan: KpiSet) -> list[Lever]:
    """Every lever of a plan, in funnel order: team, channels and stages, then shared ones."""
    out: list[Lever] = []
    if any(c.volume_from == "team" for c in plan.channels):
        # A team planned by member takes its headcount from the members, not from reps.
        if plan.team.members is None:
            out.append(Lever("team.reps", "reps"))
        out.append(Lever("team.calls_per_rep_per_day", "productivity"))
    for channel in plan.channels:
        if channel.volume_per_month is not None:
            out.append(Lever(f"channels.{channel.key}.volume_per_month", "volume", channel.key))
        for stage in channel.stages:
            out.append(
                Lever(
                    f"channels.{channel.key}.stages.{stage.key}.rate",
                    "rate",
                    channel.key,
                    stage.key,
                )
            )
    out += [
        Lever("win_rate", "rate"),
        Lever("deal_size", "deal_size"),
        Lever("sales_cycle_months", "cycle"),
    ]
    return out


def find(plan: KpiSet, path: str) -> Lever | None:
    """The plan's lever at ``path``, or None when the plan has no such lever."""
    return next((lever for lever in levers(plan) if lever.path == path), None)


def _position(items: Any, key: str) -> int | None:
    """Position of the item with ``key`` in a list of channels or stages (models or dicts)."""
    keys = [item["key"] if isinstance(item, dict) else item.key for item in items]
    return keys.index(key) if key in keys else None


def location(plan: KpiSet | dict[str, Any], path: str) -> Location:
    """Where the lever at ``path`` sits in the plan (a model or its JSON form)."""
    parts = path.split(".")
    if parts[0] == "channels" and len(parts) in (3, 5):
        channels = plan["channels"] if isinstance(plan, dict) else plan.channels
        i = _position(channels, parts[1])
        if i is None:
            raise KeyError(f"no channel {parts[1]!r}")
        if len(parts) == 3 and parts[2] == "volume_per_month":
            return ("channels", i, "volume_per_month")
        if len(parts) == 5 and parts[2] == "stages" and parts[4] == "rate":
            stages = channels[i]["stages"] if isinstance(plan, dict) else channels[i].stages
            j = _position(stages, parts[3])
            if j is None:
                raise KeyError(f"no stage {parts[3]!r} in channel {parts[1]!r}")
            return ("channels", i, "stages", j, "rate")
    elif parts[0] == "team" and len(parts) == 2 and parts[1] in ("reps", "calls_per_rep_per_day"):
        return ("team", parts[1])
    elif len(parts) == 1 and parts[0] in ("win_rate", "deal_size", "sales_cycle_months"):
        return (parts[0],)
    raise KeyError(f"unknown lever {path!r}")


def get(plan: KpiSet, path: str) -> Any:
    """A lever's value in the file format: a number, ``{low, high}`` or ``{successes, trials}``."""
    value: Any = plan
    for step in location(plan, path):
        value = value[step] if isinstance(step, int) else getattr(value, step)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def apply(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Set levers in a plan's JSON form (in place, and returned); nothing is validated yet."""
    for path, value in values.items():
        *parents, key = location(data, path)
        holder: Any = data
        for step in parents:
            holder = holder[step]
        holder[key] = value
    return data


def with_values(plan: KpiSet, values: dict[str, Any]) -> KpiSet:
    """The plan with the given levers set; raises :class:`PlanError` if the result is invalid.

    The whole plan is parsed again: the way for values a user entered.
    """
    return parse_plan(apply(plan.model_dump(mode="json"), values))


def with_value(plan: KpiSet, path: str, value: Any) -> KpiSet:
    """The plan with one lever set to a value the core computed (a step, a solver's factor).

    Only the new value and the checks across fields are validated
    (:func:`simulator.plan.with_field`): the same rules as :func:`with_values` at a
    fraction of the cost, for the hot paths that build many plans from one.
    """
    return with_field(plan, location(plan, path), value)


# ----------------------------------------------------------------------------- arithmetic
# A lever's value in the file format moved as a manager means it: a range keeps its shape
# (both ends move), and counts first become their P10–P90 range (:func:`uncertain.p10_p90`).

#: The highest end a rate range may have: a Beta needs its 90th percentile below 1.
RATE_RANGE_MAX = 1.0 - 1e-6


def rate_ceiling(value: uncertain.Value) -> float:
    """The highest a rate given as ``value`` may go: 1 for a number, just below for a range."""
    return 1.0 if isinstance(value, (int, float)) else RATE_RANGE_MAX


def scaled(value: uncertain.Value, factor: float, at_most: float = math.inf) -> uncertain.Value:
    """A number, or both ends of a range, multiplied by ``factor``, and none above
    ``at_most`` (a rate's ceiling, which rounding could otherwise carry a value past)."""
    if isinstance(value, (int, float)):
        return min(value * factor, at_most)
    low, high = uncertain.p10_p90(value)
    high = min(high * factor, at_most)
    return {"low": min(low * factor, high), "high": high}


def stepped(value: uncertain.Value, amount: float, kind: LeverKind) -> uncertain.Value:
    """A number, or both ends of a range, moved by ``amount`` and kept at 0 or above.

    A rate stays at or below its :func:`rate_ceiling`; reps stay whole.
    """
    if kind == "reps":
        return int(value + amount)
    top = rate_ceiling(value) if kind == "rate" else math.inf
    if isinstance(value, (int, float)):
        return min(max(value + amount, 0.0), top)
    low, high = uncertain.p10_p90(value)
    high = min(high + amount, top)
    low = min(low + amount, high)
    return {"low": max(low, 0.0), "high": max(high, 0.0)}
