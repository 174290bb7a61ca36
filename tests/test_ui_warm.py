"""The server's start: imports frozen out of the collector's way, sample runs cached."""

from __future__ import annotations

import gc

import streamlit as st

from simulator import engine
from ui import cache, scenario, warm
from ui.plans import sample, sample_ids


def test_warming_caches_each_samples_first_answer(monkeypatch) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    runs = []
    simulate = engine.simulate
    monkeypatch.setattr(
        engine, "simulate", lambda plan, **kw: runs.append(plan) or simulate(plan, **kw)
    )
    warm._warm_samples()
    assert len(runs) == len(sample_ids())
    for plan_id in sample_ids():  # what the what-if page asks for first: no new run
        baseline = sample(plan_id)
        plan_json = scenario.scenario_plan(baseline, scenario.defaults(baseline)).to_json()
        cache.numbers(plan_json)
        cache.breakdown(plan_json)
    assert len(runs) == len(sample_ids())
    st.cache_resource.clear()


def test_start_freezes_the_imports_once(monkeypatch) -> None:
    monkeypatch.setattr(warm, "_started", False)
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    warm.start()
    warm.start()
    assert frozen == [True]
