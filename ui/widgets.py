"""Widgets more than one page draws the same way."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t


def target_inputs(currency: str, target_key: str, confidence_key: str) -> None:
    """The revenue target (in the plan's currency) and the required probability (%)."""
    st.number_input(
        t("whatif.target", currency=currency),
        min_value=1.0,
        max_value=1e15,
        step=1_000_000.0 if currency == "JPY" else 10_000.0,
        format="%.0f",
        key=target_key,
    )
    st.slider(t("whatif.confidence"), min_value=50, max_value=99, step=1, key=confidence_key)
