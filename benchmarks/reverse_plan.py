"""Backwards planning: one confidence solve on the largest sample plan (goal ≤ 1 s).

Each repeat starts with empty distribution caches, as a new lever value would: the Beta
fits and inverse-CDF tables a solve builds are part of its cost.
"""

from __future__ import annotations

from benchmarks import Context, Row, register, row
from benchmarks.timing import measure
from simulator import reverse, uncertain

GOAL_SECONDS = 1.0
LEVERS = ("team.calls_per_rep_per_day", "win_rate", "team.reps", "deal_size")


def _cold_solve(plan, lever: str) -> reverse.Solution:
    uncertain.clear_caches()
    return reverse.solve(plan, lever)


@register("reverse")
def reverse_benchmark(context: Context) -> list[Row]:
    plan = context.largest_plan.plan
    rows = []
    for lever in LEVERS:
        timing = measure(lambda lever=lever: _cold_solve(plan, lever), min(context.repeats, 5))
        solution = _cold_solve(plan, lever)
        rows += [
            row(f"solve {lever}, median", timing.median, "s", at_most=GOAL_SECONDS),
            row(f"solve {lever}, min", timing.min, "s"),
            row(f"solve {lever}: simulations run", solution.evaluations, "runs"),
            row(f"solve {lever}: P(target) reached", solution.p_target * 100, "%"),
        ]
    return rows
