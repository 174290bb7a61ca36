"""Center pin: the full analysis of the largest sample plan (goal ≤ 2 s).

All levers, both step directions, required values, Sobol indices with n = 2^12; each
repeat starts with empty distribution caches, as a freshly edited plan would.
"""

from __future__ import annotations

from benchmarks import Context, Row, register, row
from benchmarks.timing import measure
from simulator import center_pin, uncertain

GOAL_SECONDS = 2.0


def _cold_analysis(plan) -> center_pin.Analysis:
    uncertain.clear_caches()
    return center_pin.analyse(plan)


@register("center_pin")
def center_pin_benchmark(context: Context) -> list[Row]:
    plan = context.largest_plan.plan
    timing = measure(lambda: _cold_analysis(plan), min(context.repeats, 3))
    analysis = _cold_analysis(plan)
    return [
        row("full analysis, median", timing.median, "s", at_most=GOAL_SECONDS),
        row("full analysis, min", timing.min, "s"),
        row("levers analysed", len(analysis.levers), "levers"),
        row("Sobol base sample", 2**center_pin.SOBOL_POWER, "points"),
    ]
