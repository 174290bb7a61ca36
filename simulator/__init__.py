"""Centerpin's simulation core: KPI sets, Monte Carlo engines, results. No Streamlit here.

The names below are imported on first use, so ``python -m simulator --help`` does not
pay for numpy, scipy and pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.lazy import attributes

if TYPE_CHECKING:
    from simulator.engine import simulate
    from simulator.plan import KpiSet, PlanError, load_plan, parse_plan
    from simulator.results import SimulationResult

_MODULE_OF = {
    "KpiSet": "plan",
    "PlanError": "plan",
    "load_plan": "plan",
    "parse_plan": "plan",
    "SimulationResult": "results",
    "simulate": "engine",
}

__all__ = ["KpiSet", "PlanError", "SimulationResult", "load_plan", "parse_plan", "simulate"]


__getattr__ = attributes(__name__, _MODULE_OF)
