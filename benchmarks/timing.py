"""Timing helpers: ``time.perf_counter``, a warm-up, then the median and min of repeats."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of each repeat."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def min(self) -> float:
        return min(self.seconds)


def phases(run: Callable[[], dict[str, float]], repeats: int, warmup: int = 1) -> dict[str, Timing]:
    """Time a run made of phases: ``run`` returns seconds per phase; each is summarised alone.

    Garbage from the previous repeat is collected before each one, outside the clock.
    """
    for _ in range(warmup):
        run()
    samples: dict[str, list[float]] = {}
    for _ in range(repeats):
        gc.collect()
        for phase, seconds in run().items():
            samples.setdefault(phase, []).append(seconds)
    return {phase: Timing(tuple(values)) for phase, values in samples.items()}


def measure(function: Callable[[], Any], repeats: int, warmup: int = 1) -> Timing:
    """Median/min timing of a single callable."""

    def run() -> dict[str, float]:
        start = time.perf_counter()
        function()
        return {"total": time.perf_counter() - start}

    return phases(run, repeats, warmup)["total"]
