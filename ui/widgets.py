"""Widgets more than one page draws the same way: money inputs in the reader's unit, and
the lever inputs, named and explained by the glossary.

Money is entered in 万円 for yen in Japanese and in plain units otherwise
(:func:`ui.format.money_unit`), the full amount written under the input. The session keeps
every amount in the plan's currency under the page's own key (``session.TARGET``,
``session.LEVER("deal_size")``); an input in 万円 is a second widget (``SHOWN(key)``) that
is drawn from that key on every run and writes it back when the user changes it, so links,
resets and hand-offs between pages keep working in plain units.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from simulator import glossary, levers
from simulator.levers import Lever
from simulator.plan import MAX_REPS, KpiSet
from ui import format, scenario, session, tables
from ui.i18n import t

#: An amount shown in another unit than the one kept: SHOWN(session.TARGET).
SHOWN = session.widget_family("shown:")


def _copy_back(shown_key: str, key: str, unit: format.MoneyUnit) -> None:
    value = st.session_state[shown_key]
    if isinstance(value, (tuple, list)):
        st.session_state[key] = tuple(unit.amount(v) for v in value)
    else:
        st.session_state[key] = unit.amount(value)


def _show(key: str, unit: format.MoneyUnit) -> str:
    """The key of the widget to draw for ``key``: its own, or its shown twin in ``unit``."""
    if unit.factor == 1:
        return key
    shown_key = SHOWN(key)
    value = st.session_state[key]
    if isinstance(value, (tuple, list)):
        st.session_state[shown_key] = tuple(unit.shown(float(v)) for v in value)
    else:
        st.session_state[shown_key] = unit.shown(float(value))
    return shown_key


def _label_with_unit(label: str, unit: str, lang: str) -> str:
    return f"{label}（{unit}）" if lang == "ja" else f"{label} ({unit})"


def target_inputs(currency: str, target_key: str, confidence_key: str) -> None:
    """The revenue target (in 万円 for yen in Japanese, else in the plan's currency) with
    the full amount under it, and the required probability (%)."""
    lang = session.lang()
    unit = format.money_unit(currency, lang)
    key = _show(target_key, unit)
    step = 1_000_000.0 if currency == "JPY" else 10_000.0
    st.number_input(
        _label_with_unit(glossary.input_label("target.revenue", lang), unit.unit, lang),
        min_value=unit.shown(1.0),
        max_value=unit.shown(1e15),
        step=unit.shown(step),
        format="%.0f",
        key=key,
        on_change=None if key == target_key else _copy_back,
        args=None if key == target_key else (key, target_key, unit),
        help=tables.glossary_help("target.revenue", None, lang),
    )
    amount = format.money_full(st.session_state[target_key], currency, lang)
    st.caption(t("money.equals", amount=amount))
    st.slider(
        glossary.input_label("target.confidence", lang),
        min_value=scenario.CONFIDENCE_RANGE[0],
        max_value=scenario.CONFIDENCE_RANGE[1],
        step=1,
        format="%d%%",
        key=confidence_key,
        help=tables.glossary_help("target.confidence", None, lang),
    )


def _decimals(step: float) -> int:
    """How many decimals a slider of this step needs (5 → 0, 0.5 → 1, 0.05 → 2)."""
    if step <= 0 or step >= 1:
        return 0
    return min(6, max(0, math.ceil(-math.log10(step) - 1e-9)))


def lever_input(lever: Lever, plan: KpiSet) -> None:
    """A lever's input: reps as a whole number, every other lever as a low–high slider in
    its unit (%, 万円, か月); named and explained by the glossary."""
    lang = session.lang()
    key = session.LEVER(lever.path)
    label = tables.lever_label(lever, plan, lang)
    help_text = tables.lever_help(lever, plan, lang)
    if lever.kind == "reps":
        st.number_input(label, min_value=0, max_value=MAX_REPS, step=1, key=key, help=help_text)
        return
    s = scenario.scale(lever, levers.get(plan, lever.path))
    shown = st.session_state.get(key, (s.low, s.high))
    high = max(s.high, float(shown[1]))  # a solved plan may go past the usual range
    options: dict[str, Any] = {"help": help_text}
    if lever.kind == "deal_size":
        unit = format.money_unit(plan.currency, lang)
        drawn = _show(key, unit)
        step = unit.shown(s.step)
        if drawn != key:
            options |= {"on_change": _copy_back, "args": (drawn, key, unit)}
            options["format"] = f"%.{_decimals(step)}f{unit.unit}"
        else:
            options["format"] = "yen" if plan.currency == "JPY" else "localized"
        st.slider(
            label,
            min_value=unit.shown(s.low),
            max_value=unit.shown(high),
            step=step,
            key=drawn,
            **options,
        )
        low, top = st.session_state[key]
        st.caption(
            t(
                "money.equals_range",
                low=format.money_full(low, plan.currency, lang),
                high=format.money_full(top, plan.currency, lang),
            )
        )
        return
    if lever.kind == "rate":
        options["format"] = "%.1f%%"
    elif lever.kind == "cycle":
        options["format"] = "%.1f" + ("か月" if lang == "ja" else " mo")
    else:  # productivity, volume: counts with the reader's separators
        options["format"] = "localized"
    st.slider(label, min_value=s.low, max_value=high, step=s.step, key=key, **options)
