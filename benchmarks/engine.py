"""Engine benchmarks: the fast engine (threaded and serial), the reference engine, and a
naive pure-Python loop, all on the largest sample plan.

Goals (docs/design.md §2): the fast engine runs 100k trials × 12 months of the largest
sample plan (us_sdr) in at most 65 ms, i.e. at least 1,500,000 trials/s, and at least 5×
the reference engine. For a plan of M months both figures scale by M / 12 (the goal is
18 million trial-months per second). Each figure carries the share of the CPUs other
processes took while it was measured.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from benchmarks import Context, Row, naive, register, row
from benchmarks.machine import LoadMeter, other_cpu_share
from benchmarks.plans import naive_plan
from benchmarks.timing import Timing, measure, phases
from simulator import engine as fast
from simulator import levers, reference, uncertain
from simulator.plan import KpiSet

FAST_TRIALS = 100_000
REFERENCE_TRIALS = 20_000
NAIVE_TRIALS = 500
NAIVE_REPEATS = 3

#: Goals, for a 12-month plan.
FAST_MS_PER_100K = 65.0
FAST_TRIALS_PER_S = 1_500_000.0
FAST_OVER_REFERENCE = 5.0
NAIVE_MEAN_TOLERANCE_PCT = 10.0

PER_100K = "ms / 100k trials"


@contextmanager
def serial_map() -> Iterator[None]:
    """Run the fast engine's chunks one after another on the calling thread."""
    original = fast._map
    fast._map = lambda function, items: [function(item) for item in items]
    try:
        yield
    finally:
        fast._map = original


def _time_fast(plan: KpiSet, trials: int, repeats: int) -> dict[str, Timing]:
    """The simulation alone: the same plan run after run, then each run with nothing kept
    (cold), then each run with one lever moved (a slider move); then runs with their stage
    counts, timed by phase. Apart, so that the stage counts' larger working set does not
    sit between two timed simulations."""

    def simulate() -> dict[str, float]:
        start, cpu = time.perf_counter(), time.process_time()
        fast.simulate(plan, trials=trials)
        return {
            "simulate": time.perf_counter() - start,
            "simulate_cpu": time.process_time() - cpu,
        }

    def with_detail() -> dict[str, float]:
        start = time.perf_counter()
        result = fast.simulate(plan, trials=trials)
        simulated = time.perf_counter()
        _ = result.detail
        done = time.perf_counter()
        return {"detail": done - simulated, "total": done - start}

    def cold() -> dict[str, float]:
        uncertain.clear_caches()  # outside the clock: no fitted range, table or draw kept
        start = time.perf_counter()
        fast.simulate(plan, trials=trials)
        return {"cold": time.perf_counter() - start}

    # The slider loop: each run moves the win rate a step, so every other quantity's draws
    # are those of the run before (common random numbers) and this one is drawn afresh.
    steps = iter(
        levers.with_value(
            plan, "win_rate", levers.stepped(levers.get(plan, "win_rate"), 0.001 * (i + 1), "rate")
        )
        for i in range(repeats + 2)
    )

    def moved() -> dict[str, float]:
        step = next(steps)  # made and validated outside the clock
        start = time.perf_counter()
        fast.simulate(step, trials=trials)
        return {"moved": time.perf_counter() - start}

    return (
        phases(simulate, repeats)
        | phases(cold, repeats)
        | phases(moved, repeats)
        | phases(with_detail, repeats)
    )


@register("engine")
def engine_benchmark(ctx: Context) -> list[Row]:
    """Fast engine (threaded, serial, stage-count detail) against the reference engine."""
    chosen = ctx.largest_plan
    plan = chosen.plan
    months_factor = plan.months / 12
    scale = 1000 * 100_000 / FAST_TRIALS  # seconds of one run -> ms per 100k trials
    ctx.info["engine_threads"] = fast._pool()._max_workers
    ctx.info["fast_trials"] = FAST_TRIALS
    ctx.info["reference_trials"] = REFERENCE_TRIALS

    meter = LoadMeter()
    threaded = _time_fast(plan, FAST_TRIALS, ctx.repeats)
    threaded_load = other_cpu_share(meter)
    meter = LoadMeter()
    with serial_map():
        serial = _time_fast(plan, FAST_TRIALS, ctx.repeats)
    serial_load = other_cpu_share(meter)
    meter = LoadMeter()
    ref = measure(lambda: reference.simulate(plan, trials=REFERENCE_TRIALS), ctx.repeats)
    ref_load = other_cpu_share(meter)

    fast_rate = FAST_TRIALS / threaded["simulate"].median
    total_rate = FAST_TRIALS / threaded["total"].median
    ref_rate = REFERENCE_TRIALS / ref.median
    ctx.memo["fast_trials_per_s"] = fast_rate

    rows = [
        row(
            "fast: simulate, one lever moved each run (a slider move), median",
            threaded["moved"].median * scale,
            PER_100K,
            at_most=FAST_MS_PER_100K * months_factor,
        ),
        row(
            "fast: simulate, one lever moved each run, min", threaded["moved"].min * scale, PER_100K
        ),
        row(
            "fast: simulate, cold (no draw, fit or table kept), median",
            threaded["cold"].median * scale,
            PER_100K,
        ),
        row("fast: simulate, cold, min", threaded["cold"].min * scale, PER_100K),
        row(
            "fast: simulate, the same plan again, median",
            threaded["simulate"].median * scale,
            PER_100K,
            at_most=FAST_MS_PER_100K * months_factor,
        ),
        row("fast: simulate, the same plan again, min", threaded["simulate"].min * scale, PER_100K),
        row(
            "fast: simulate, CPU of all threads, median",
            threaded["simulate_cpu"].median * scale,
            PER_100K,
        ),
        row(
            "fast: simulate, trials/s (median)",
            fast_rate,
            "trials/s",
            at_least=FAST_TRIALS_PER_S / months_factor,
        ),
        row("fast: detail (stage counts), median", threaded["detail"].median * scale, PER_100K),
        row("fast: detail (stage counts), min", threaded["detail"].min * scale, PER_100K),
        row("fast: simulate + detail, median", threaded["total"].median * scale, PER_100K),
        row("fast: simulate + detail, min", threaded["total"].min * scale, PER_100K),
        row("fast: simulate + detail, trials/s", total_rate, "trials/s"),
        row("fast, serial map: simulate, median", serial["simulate"].median * scale, PER_100K),
        row("fast, serial map: simulate, min", serial["simulate"].min * scale, PER_100K),
        row("fast, serial map: detail, median", serial["detail"].median * scale, PER_100K),
        row(
            "threading gain: simulate (serial / threaded)",
            serial["simulate"].median / threaded["simulate"].median,
            "×",
        ),
        row(
            "threading gain: detail (serial / threaded)",
            serial["detail"].median / threaded["detail"].median,
            "×",
        ),
        row(
            f"reference: {REFERENCE_TRIALS:,} trials, median",
            ref.median * 1000,
            "ms",
        ),
        row(f"reference: {REFERENCE_TRIALS:,} trials, min", ref.min * 1000, "ms"),
        row("reference: scaled, median", ref.median * 1000 * 100_000 / REFERENCE_TRIALS, PER_100K),
        row("reference: trials/s (median)", ref_rate, "trials/s"),
        row(
            "fast / reference: simulate",
            fast_rate / ref_rate,
            "×",
            at_least=FAST_OVER_REFERENCE,
        ),
        row(
            "fast / reference: simulate + detail (like for like)",
            total_rate / ref_rate,
            "×",
            at_least=FAST_OVER_REFERENCE,
        ),
    ]
    loads = {"fast:": threaded_load, "fast, serial": serial_load, "threading": serial_load}
    return [
        replace(r, load=next((v for k, v in loads.items() if r.name.startswith(k)), ref_load))
        for r in rows
    ]


@register("naive")
def naive_benchmark(ctx: Context) -> list[Row]:
    """A naive pure-Python trial-by-trial loop, its speed and its mean revenue."""
    chosen = ctx.largest_plan
    plan = chosen.plan
    spec = naive_plan(plan)
    seed = plan.simulation.seed

    naive.simulate(spec, 20, seed)  # warm-up
    results: list[naive.NaiveResult] = []

    def run() -> None:
        results.append(naive.simulate(spec, NAIVE_TRIALS, seed + len(results)))

    timing = measure(run, min(NAIVE_REPEATS, ctx.repeats), warmup=0)
    naive_rate = NAIVE_TRIALS / timing.median
    naive_mean = statistics.fmean(r for result in results for r in result.revenue)
    naive_trials = NAIVE_TRIALS * len(results)

    fast_result = fast.simulate(plan, trials=FAST_TRIALS)
    fast_mean = float(fast_result.total_revenue.mean())
    fast_rate = ctx.memo.get("fast_trials_per_s")
    if fast_rate is None:  # the engine benchmark did not run: time the fast engine here
        fast_rate = (
            FAST_TRIALS
            / measure(lambda: fast.simulate(plan, trials=FAST_TRIALS), ctx.repeats).median
        )
    ctx.info["naive_trials"] = NAIVE_TRIALS
    ctx.info["naive_python_binomialvariate"] = naive._HAS_BINOMIALVARIATE
    gap = abs(naive_mean - fast_mean) / fast_mean * 100

    return [
        row(f"naive loop: {NAIVE_TRIALS:,} trials, median", timing.median * 1000, "ms"),
        row(f"naive loop: {NAIVE_TRIALS:,} trials, min", timing.min * 1000, "ms"),
        row("naive loop: scaled", timing.median * 1000 * 100_000 / NAIVE_TRIALS, PER_100K),
        row("naive loop: trials/s (median)", naive_rate, "trials/s"),
        row("fast / naive loop: simulate", fast_rate / naive_rate, "×"),
        row(f"naive loop: mean revenue ({naive_trials:,} trials)", naive_mean, plan.currency),
        row(f"fast: mean revenue ({FAST_TRIALS:,} trials)", fast_mean, plan.currency),
        row(
            "naive vs fast mean revenue: difference",
            gap,
            "%",
            at_most=NAIVE_MEAN_TOLERANCE_PCT,
        ),
    ]
