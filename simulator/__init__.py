"""Centerpin's simulation core: KPI sets, Monte Carlo engines, results. No Streamlit here."""

from simulator.engine import simulate
from simulator.plan import KpiSet, PlanError, load_plan, parse_plan
from simulator.results import SimulationResult

__all__ = ["KpiSet", "PlanError", "SimulationResult", "load_plan", "parse_plan", "simulate"]
