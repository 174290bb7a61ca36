"""Cached center-pin analysis for the page (the analysis itself is in the simulator)."""

from __future__ import annotations

import streamlit as st

from simulator import center_pin, parse_plan


@st.cache_data(max_entries=16, show_spinner=False)
def analysis(plan_json: str) -> center_pin.Analysis:
    return center_pin.analyse(parse_plan(plan_json))
