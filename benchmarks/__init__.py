"""Benchmarks of Centerpin (``make bench`` / ``python -m benchmarks [names...]``).

Each benchmark is a function registered under a short name. It takes a :class:`Context`
(the shared plan, the repeat count, and figures other benchmarks left behind) and returns
rows: one measured figure each, with its unit and, where there is one, the goal it is held
to. A missed goal is reported, never raised: benchmarks inform, tests decide.

To add a benchmark, write a module with a function decorated with ``@register("name")``
and add the module to :data:`MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

#: Modules whose import registers benchmarks, in the order they run.
MODULES = (
    "benchmarks.engine",
    "benchmarks.process",
    "benchmarks.peer",
    "benchmarks.reverse_plan",
    "benchmarks.center_pin",
    "benchmarks.ui_latency",
    "benchmarks.store",
    "benchmarks.review",
    "benchmarks.hardening",
)


@dataclass(frozen=True)
class Row:
    """One measured figure. ``goal`` is shown as written; ``ok`` is None without a goal.
    ``load`` is the share of the machine's CPUs that other processes took while the
    figure was measured (None when not metered): a figure measured on a busy machine
    is pessimistic."""

    name: str
    value: float
    unit: str
    goal: str | None = None
    ok: bool | None = None
    load: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "goal": self.goal,
            "ok": self.ok,
            "other_cpu_share": self.load,
        }


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def row(
    name: str,
    value: float,
    unit: str,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    load: float | None = None,
) -> Row:
    """A row, with its goal (``>= at_least`` or ``<= at_most``) judged when one is given,
    and the other processes' share of the CPUs while it was measured (``load``)."""
    if at_least is not None:
        return Row(name, value, unit, f"≥ {_number(at_least)}", bool(value >= at_least), load)
    if at_most is not None:
        return Row(name, value, unit, f"≤ {_number(at_most)}", bool(value <= at_most), load)
    return Row(name, value, unit, load=load)


@dataclass
class Context:
    """What the benchmarks of one run share."""

    repeats: int = 7
    #: Figures one benchmark leaves for another (e.g. the fast engine's trials/s).
    memo: dict[str, Any] = field(default_factory=dict)
    #: Facts about the run worth keeping in the JSON output (e.g. which plan was used).
    info: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def largest_plan(self) -> Any:
        from benchmarks.plans import largest_sample_plan

        chosen = largest_sample_plan()
        self.info["plan"] = chosen.describe()
        return chosen


Benchmark = Callable[[Context], list[Row]]

#: name -> benchmark function, in registration order.
REGISTRY: dict[str, Benchmark] = {}


def register(name: str) -> Callable[[Benchmark], Benchmark]:
    def decorate(function: Benchmark) -> Benchmark:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} registered twice")
        REGISTRY[name] = function
        return function

    return decorate


def load_all() -> dict[str, Benchmark]:
    """Import every benchmark module and return the registry."""
    for module in MODULES:
        importlib.import_module(module)
    return REGISTRY
