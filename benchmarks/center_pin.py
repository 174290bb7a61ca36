"""Center pin on the largest sample plan: the ranking alone (goal ≤ 0.5 s), and the full
analysis with every lever's required value (goal ≤ 1 s).

All levers, both step directions, Sobol indices with n = 2^12; each repeat starts with
empty distribution caches, as a freshly edited plan would. The ranking is what a page can
show first (``analyse(..., required=False)``); the required values follow
(``required_values``). Each timing is printed with the share of the CPUs other processes
took meanwhile, and with the CPU time the analysis itself used on all its threads, which
a busy machine inflates far less than the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks import Context, Row, register, row
from benchmarks.machine import LoadMeter
from benchmarks.timing import measure
from simulator import center_pin, uncertain

GOAL_SECONDS = 1.0
RANKING_GOAL_SECONDS = 0.5


def _cold(function: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        uncertain.clear_caches()
        return function()

    return run


def _timed(name: str, function: Callable[[], Any], repeats: int, goal: float) -> list[Row]:
    """Median and min wall time, CPU time per run, and the load while it was measured."""
    meter = LoadMeter()
    cpu = time.process_time()
    timing = measure(function, repeats)
    cpu = (time.process_time() - cpu) / (repeats + 1)  # the warm-up ran too
    load = meter.finish()
    rows = [
        row(f"{name}, median", timing.median, "s", at_most=goal),
        row(f"{name}, min", timing.min, "s"),
        row(f"{name}, CPU time (all threads)", cpu, "s"),
    ]
    if load.get("other_cpu_share") is not None:
        rows.append(row(f"{name}: other processes", load["other_cpu_share"] * 100, "% of CPUs"))
    return rows


@register("center_pin")
def center_pin_benchmark(context: Context) -> list[Row]:
    plan = context.largest_plan.plan
    repeats = min(context.repeats, 5)
    ranking = _cold(lambda: center_pin.analyse(plan, required=False))
    full = _cold(lambda: center_pin.analyse(plan))
    analysis = full()
    return [
        *_timed("ranking only", ranking, repeats, RANKING_GOAL_SECONDS),
        *_timed("full analysis", full, repeats, GOAL_SECONDS),
        row("levers analysed", len(analysis.levers), "levers"),
        row(
            "levers with a required value",
            sum(r.required_for_target is not None for r in analysis.levers),
            "levers",
        ),
        row("Sobol base sample", 2**center_pin.SOBOL_POWER, "points"),
    ]
