"""The center-pin page's helpers: which plan it analyses, the efforts entered per lever,
and the ranking's words (the analysis itself is in the simulator, cached in ui/cache)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from simulator import center_pin
from simulator.plan import KpiSet, PlanError
from ui import errors, scenario, session
from ui.format import (
    count,
    money,
    month,
    number,
    parse_url_number,
    percent,
    signed_percent,
    url_number,
    whole,
)
from ui.i18n import t

EFFORT_UNIT = session.widget("pin_effort_unit")
EFFORTS = session.state("pin_efforts")  # {plan id: {lever path: effort}}
EFFORT_EDITOR = session.element_family("pin_effort_editor_")  # EFFORT_EDITOR(plan id)
UNITS = ("hours", "yen", "difficulty")
EFFORT_LINK = session.LINK_EFFORT
UNIT_LINK = session.LINK_EFFORT_UNIT
MAX_EFFORT = 1e9  # one lever's effort, in any unit


def analysed_plan(baseline: KpiSet) -> KpiSet:
    """The what-if scenario when it is about this plan (and valid); the plan otherwise."""
    if session.scenario_is_for(session.plan_id()):
        try:
            return scenario.scenario_plan(baseline, st.session_state)
        except (PlanError, KeyError):
            pass
    return baseline


def start_from_link(paths: Sequence[str]) -> None:
    """Efforts and their unit from the link the session was opened with, if it had any."""
    names = [UNIT_LINK, *session.linked_names(EFFORT_LINK)]
    linked = {name: values[-1] for name, values in session.from_link(names).items()}
    if linked.get(UNIT_LINK) in UNITS:
        st.session_state[EFFORT_UNIT] = linked[UNIT_LINK]
    elif UNIT_LINK in linked:
        session.link_problem(UNIT_LINK, linked[UNIT_LINK])
    kept = {}
    for name, text in linked.items():
        path = name.removeprefix(EFFORT_LINK)
        if name == UNIT_LINK:
            continue
        try:
            effort = parse_url_number(text) if path in paths and len(text) < 40 else 0.0
        except ValueError:
            effort = 0.0
        if 0 < effort <= MAX_EFFORT:
            kept[path] = effort
        else:
            session.link_problem(name, text)
    if kept:
        st.session_state[EFFORTS] = (st.session_state.get(EFFORTS) or {}) | {
            session.plan_id(): kept
        }


def link_efforts(efforts: dict[str, float], unit: str) -> None:
    """The efforts entered, and their unit, in the page's link."""
    for path, effort in efforts.items():
        session.add_to_link(EFFORT_LINK + path, url_number(effort))
    if efforts:
        session.add_to_link(UNIT_LINK, unit)


def efforts() -> dict[str, float]:
    """The efforts entered for the session's plan, by lever path (so they survive a
    language switch; the names are drawn again)."""
    return dict((st.session_state.get(EFFORTS) or {}).get(session.plan_id(), {}))


def effort_table(paths: Sequence[str], name: Callable[[str], str]) -> pd.DataFrame:
    """The editor's rows: each lever's name and its effort (NaN, shown blank, when none)."""
    saved = efforts()
    return pd.DataFrame(
        {
            "lever": [name(path) for path in paths],
            "effort": pd.Series([saved.get(p) for p in paths], dtype="float64").to_numpy(),
        },
        index=list(paths),
    )


def keep_efforts(edited: pd.Series) -> dict[str, float]:
    """Remember the editor's positive efforts for this plan and return them."""
    kept = {
        path: float(effort)
        for path, effort in edited.items()
        if effort is not None and pd.notna(effort) and effort > 0
    }
    st.session_state[EFFORTS] = (st.session_state.get(EFFORTS) or {}) | {session.plan_id(): kept}
    return kept


def step_text(row: center_pin.LeverResult) -> str:
    if row.kind == "rate":
        return f"{row.step * 100:+.1f} pt"
    if row.kind in center_pin.RELATIVE:
        return f"{row.step:+.0%}"
    if row.kind == "cycle":
        return t("pin.months", n=f"{row.step:+.1f}")
    return f"{row.step:+g}"


def value_text(kind: str, value: float | None, currency: str, lang: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return percent(value)
    if kind == "deal_size":
        return money(value, currency, lang)
    return whole(value) if kind == "reps" else count(value)


def verdict(result: center_pin.Analysis, name: Callable[[str], str], unit: str) -> str:
    pin = result.reason
    text = t(
        "pin.verdict_effort" if pin["code"] == "per_effort" else "pin.verdict",
        lever=name(pin["lever"]),
        step=step_text(result.levers[0]),
        revenue=signed_percent(pin["revenue_gain_pct"]),
        p=f"{pin['p_target_gain'] * 100:+.1f} pt",
        effort=number(pin["effort"]) if pin["effort"] else "",
        unit=t(f"pin.unit.{unit}"),
    )
    return text + " " + t("pin.tie") if result.tie else text


def ranking_columns(with_efforts: bool) -> tuple[list[str], list[str]]:
    """The ranking's columns that decide it (effort only once one is entered), and the
    lever's details shown below it."""
    main = ["lever", "step", "revenue", "p", *(["effort"] if with_efforts else []), "required"]
    detail = ["lever", "base", "required", "half", "headroom", "variance"]
    return [t(f"pin.col.{c}") for c in main], [t(f"pin.col.{c}") for c in detail]


def ranking(
    result: center_pin.Analysis, name: Callable[[str], str], currency: str, lang: str
) -> pd.DataFrame:
    """One row per lever, best first: its step, gains, effort, required value, timing."""

    def value(kind: str, number: float | None) -> str:
        return value_text(kind, number, currency, lang)

    rows = []
    for r in result.levers:
        if r.required_for_target is not None:
            required = value(r.kind, r.required_for_target)
        elif r.required_problem:
            required = errors.unsolvable(r.required_problem, name(r.lever), lang, short=True)
        else:
            required = "—"
        rows.append(
            {
                t("pin.col.lever"): name(r.lever),
                t("pin.col.step"): step_text(r),
                t("pin.col.revenue"): r.revenue_gain / result.base_revenue,
                t("pin.col.p"): r.p_target_gain * 100,
                t("pin.col.effort"): number(r.effort) if r.effort else "—",
                t("pin.col.base"): value(r.kind, r.base),
                t("pin.col.required"): required,
                t("pin.col.half"): month(r.half_gain_month, lang) if r.half_gain_month else "—",
                t("pin.col.headroom"): (
                    t(
                        "pin.headroom",
                        low=value(r.kind, r.benchmark[0]),
                        high=value(r.kind, r.benchmark[1]),
                        at=percent(r.headroom),
                    )
                    if r.benchmark
                    else "—"
                ),
                t("pin.col.variance"): r.variance_share,
            }
        )
    return pd.DataFrame(rows)
