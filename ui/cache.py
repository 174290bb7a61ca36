"""Cached simulations, keyed on the plan's JSON text.

The raw result is kept with ``st.cache_resource`` (shared, not copied: it is large and
never mutated) so the headline and the stage breakdown of one plan come from one run;
their small views are cached with ``st.cache_data``.
"""

from __future__ import annotations

import streamlit as st

from simulator import engine, parse_plan
from simulator import kpi_sets as kpi_store
from simulator.results import SimulationResult
from ui import views


@st.cache_resource(max_entries=8, show_spinner=False)
def result(plan_json: str) -> SimulationResult:
    return engine.simulate(parse_plan(plan_json))


@st.cache_data(max_entries=64, show_spinner=False)
def numbers(plan_json: str) -> views.Numbers:
    return views.numbers(result(plan_json))


@st.cache_data(max_entries=64, show_spinner=False)
def headline(plan_json: str) -> views.Headline:
    return views.headline(result(plan_json))


@st.cache_data(max_entries=64, show_spinner=False)
def breakdown(plan_json: str) -> views.Breakdown:
    return views.breakdown(result(plan_json))


@st.cache_data(max_entries=64, show_spinner=False)
def cdf(plan_json: str) -> views.Cdf:
    return views.cdf(result(plan_json))


@st.cache_data(max_entries=64, show_spinner=False)
def derived(plan_json: str) -> kpi_store.Derived:
    """Summary and monthly KPI targets, as a saved revision holds them."""
    return kpi_store.derive_from(result(plan_json))
