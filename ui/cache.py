"""Every cache of the UI, each bounded: simulations, what the pages show of them, the
center-pin analysis, back-planning answers, and the KPI set store.

Plans come in as their JSON text (a frozen plan; the seed is in it), so a cached value
never goes stale: ``max_entries`` bounds memory, and ``ttl`` returns it when a session has
moved on. The raw result is kept with ``st.cache_resource`` (shared, not copied: it is
large and never mutated) so the headline and the stage breakdown of one plan come from
one run; everything the pages show is small and cached with ``st.cache_data``.
"""

from __future__ import annotations

import json
from datetime import timedelta

import streamlit as st

from simulator import center_pin, engine, parse_plan
from simulator import kpi_sets as kpi_store
from simulator import review as reviewing
from simulator.actuals import Actuals
from simulator.results import SimulationResult
from ui import summaries

#: A result holds every trial's monthly arrays (tens of MB at 100,000 trials): a few, briefly.
RESULT_TTL = timedelta(minutes=30)
#: What the pages show is small (kilobytes), but sessions come and go.
TTL = timedelta(hours=2)


@st.cache_resource(max_entries=8, ttl=RESULT_TTL, show_spinner=False)
def result(plan_json: str) -> SimulationResult:
    return engine.simulate(parse_plan(plan_json))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def numbers(plan_json: str) -> summaries.Numbers:
    return summaries.numbers(result(plan_json))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def headline(plan_json: str) -> summaries.Headline:
    return summaries.headline(result(plan_json))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def breakdown(plan_json: str) -> summaries.Breakdown:
    return summaries.breakdown(result(plan_json))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def cdf(plan_json: str) -> summaries.Cdf:
    return summaries.cdf(result(plan_json))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def derived(plan_json: str) -> kpi_store.Derived:
    """Summary and monthly KPI targets, as a saved revision holds them."""
    return kpi_store.derive_from(result(plan_json))


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def center_pin_analysis(plan_json: str) -> center_pin.Analysis:
    return center_pin.analyse(parse_plan(plan_json))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def reverse_answer(plan_json: str, lever: str) -> summaries.ReverseAnswer:
    return summaries.reverse_answer(parse_plan(plan_json), lever)


@st.cache_resource(max_entries=4, ttl=RESULT_TTL, show_spinner=False)
def review(plan_json: str, actuals_json: str, as_of: str) -> reviewing.Review:
    """A plan's review against checked actuals (``{"file", "layout", "rows"}`` as JSON);
    kept whole (it holds the re-forecast's trials), the plan's own run shared with
    :func:`result`."""
    given = json.loads(actuals_json)
    found = Actuals.from_rows(given["rows"], given["file"], given["layout"])
    return reviewing.review(parse_plan(plan_json), found, as_of, result=result(plan_json))


#: Trials behind a quick ranking: step gains in mean revenue are exact under common random
#: numbers (each trial's expected revenue), so fewer trials move only P(target) gains.
QUICK_PIN_TRIALS = 10_000


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def quick_center_pin(plan_json: str) -> center_pin.Analysis:
    """The lever ranking without each lever's required value (the slow part)."""
    return center_pin.analyse(parse_plan(plan_json), trials=QUICK_PIN_TRIALS, required=False)


@st.cache_resource(max_entries=4, show_spinner=False)
def store(url: str) -> kpi_store.Store:
    """The KPI set store of a database URL, shared by every session (it is thread-safe).

    Opening runs the schema migrations once; a URL that fails is not cached, so the next
    run tries again.
    """
    return kpi_store.Store(url)


#: Every cache of a simulation or of what is shown of one; the store is not among them.
SIMULATION_CACHES = (
    result,
    numbers,
    headline,
    breakdown,
    cdf,
    derived,
    center_pin_analysis,
    reverse_answer,
    review,
    quick_center_pin,
)


def release() -> None:
    """Empty every simulation cache (:mod:`ui.housekeeping` does, once no one is connected):
    whatever was kept is computed again when asked for."""
    for cached in SIMULATION_CACHES:
        cached.clear()
