"""Cached backwards planning for the KGI逆算 page (the solving itself is in the simulator)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from simulator import engine, parse_plan, reverse
from ui import views


@dataclass(frozen=True)
class Answer:
    """Both answers for one lever: the plain chain's value and the one at the confidence."""

    lever: str
    base_value: float
    base_p: float
    plain_value: float
    plain_p: float
    value: float | None
    p_target: float | None
    p_error: float | None
    plan_json: str | None
    problem: str | None  # the Unsolvable code when there is no answer
    monthly: pd.DataFrame | None  # the solved plan's monthly KPIs, P50 and at confidence


@st.cache_data(max_entries=64, show_spinner=False)
def answer(plan_json: str, lever: str) -> Answer:
    plan = parse_plan(plan_json)
    seed = plan.simulation.seed
    base_p = engine.simulate(plan, seed=seed).p_target()[0]
    try:
        plain = reverse.plain_value(plan, lever)
        plain_value = reverse.median_of(plain, lever)
        plain_p = engine.simulate(plain, seed=seed).p_target()[0]
    except reverse.Unsolvable:
        plain_value, plain_p = float("nan"), float("nan")
    try:
        solution = reverse.solve(plan, lever)
    except reverse.Unsolvable as exc:
        return Answer(
            lever,
            reverse.median_of(plan, lever),
            base_p,
            plain_value,
            plain_p,
            None,
            None,
            None,
            None,
            exc.code,
            None,
        )
    detail = views.breakdown(engine.simulate(solution.plan, seed=seed))
    return Answer(
        lever=lever,
        base_value=solution.base_value,
        base_p=base_p,
        plain_value=plain_value,
        plain_p=plain_p,
        value=solution.value,
        p_target=solution.p_target,
        p_error=solution.p_target_error,
        plan_json=solution.plan.to_json(),
        problem=None,
        monthly=detail.monthly,
    )
