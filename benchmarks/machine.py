"""What machine the figures were measured on."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_info() -> dict[str, Any]:
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(affinity) if affinity is not None else None,
        "cpu_model": _cpu_model(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "openblas_coretype_set": coretype is not None,
        "openblas_coretype": coretype,
    }


def _cpu_ticks() -> tuple[int, int] | None:
    """CPU ticks the whole machine (all CPUs) spent busy, and stolen by the hypervisor,
    since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    values = [int(v) for v in fields[1:9]]
    return sum(values) - values[3] - values[4], values[7]


class LoadMeter:
    """How much CPU other processes took while the benchmarks ran.

    Timings are only honest on a quiet machine: another process (a test run, a build)
    on the same 2 cores slows the engines down. This compares the machine's busy CPU
    time with this process's own over the run.
    """

    def __init__(self, *, children: bool = False) -> None:
        #: Count the CPU time of this process's children as its own (a benchmark that
        #: times a subprocess), once they have been waited for.
        self.children = children
        self.ticks_per_s = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        self.ticks = _cpu_ticks()
        self.own = self._own_seconds()
        self.wall = time.perf_counter()

    def _own_seconds(self) -> float:
        times = os.times()
        own = times.user + times.system
        return own + times.children_user + times.children_system if self.children else own

    def finish(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall
        ticks = _cpu_ticks()
        out: dict[str, Any] = {"load_average_1min_before": self.load_before}
        if ticks is None or self.ticks is None or wall <= 0:
            return out | {"other_cpu_share": None, "steal_share": None}
        machine = (ticks[0] - self.ticks[0]) / self.ticks_per_s
        steal = (ticks[1] - self.ticks[1]) / self.ticks_per_s
        own = self._own_seconds() - self.own
        capacity = wall * (os.cpu_count() or 1)
        return out | {
            "other_cpu_share": max(machine - steal - own, 0.0) / capacity,
            "steal_share": steal / capacity,  # CPU time the hypervisor gave to other guests
            "own_cpu_seconds": own,
            "wall_seconds": wall,
        }


def other_cpu_share(meter: LoadMeter) -> float | None:
    """The other processes' share of the CPUs since ``meter`` started."""
    return meter.finish().get("other_cpu_share")
