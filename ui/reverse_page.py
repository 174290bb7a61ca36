"""The KGI逆算 page's helpers: its own target, confidence and lever, the plan they ask for,
and handing a solved plan to the what-if page (the solving is in the simulator, its
answer cached in ui/cache)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from simulator.levers import Lever
from simulator.plan import KpiSet, parse_plan
from ui import scenario, session

TARGET = session.widget("reverse_target")
CONFIDENCE = session.widget("reverse_confidence")  # in %
LEVER = session.widget("reverse_lever")  # the lever's path
USE = session.element("reverse_use")
DOWNLOAD = session.element("reverse_download")


def start_inputs(baseline: KpiSet, solvable: Sequence[Lever]) -> None:
    """The inputs start from the plan, and again whenever another plan is opened."""
    session.reset_on_change(
        "reverse",
        session.plan_id(),
        {
            TARGET: float(baseline.target.revenue),
            CONFIDENCE: round(baseline.target.confidence * 100),
            LEVER: solvable[0].path,
        },
    )


def goal_plan(baseline: KpiSet) -> KpiSet:
    """The plan with this page's target and confidence; raises PlanError when invalid."""
    data = baseline.model_dump(mode="json")
    data["target"] = {
        "revenue": float(st.session_state[TARGET]),
        "confidence": st.session_state[CONFIDENCE] / 100,
    }
    return parse_plan(data)


def use_as_scenario(plan_json: str) -> None:
    """Make the solved plan the what-if scenario of the session's plan (a callback)."""
    session.set_scenario(scenario.defaults(parse_plan(plan_json)))
