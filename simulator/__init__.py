"""Centerpin's simulation core: KPI sets, Monte Carlo engines, results. No Streamlit here.

The names below are imported on first use, so ``python -m simulator --help`` does not
pay for numpy, scipy and pydantic.
"""

from __future__ import annotations

from simulator.lazy import attributes

_MODULE_OF = {
    "KpiSet": "plan",
    "PlanError": "plan",
    "load_plan": "plan",
    "parse_plan": "plan",
    "SimulationResult": "results",
    "simulate": "engine",
}

__all__ = sorted(_MODULE_OF)


__getattr__ = attributes(__name__, _MODULE_OF)
