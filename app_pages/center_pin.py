"""センターピン分析: which lever moves the result most, and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator import center_pin
from simulator.levers import levers as plan_levers
from simulator.plan import PlanError
from ui import cache, charts, errors, kpi_sets, save, state, tables
from ui.format import money, month, percent, plain
from ui.i18n import language, t

lang = language()
baseline = kpi_sets.baseline()
st.title(t("pin.title"))

# The scenario of the what-if page, when it is about this plan; the plan itself otherwise.
plan = baseline
if st.session_state.get("scenario_of") == st.session_state["plan_id"]:
    try:
        plan = state.scenario_plan(baseline, st.session_state)
    except (PlanError, KeyError):
        plan = baseline
st.caption(plain(baseline.name) + ("" if plan == baseline else " · " + t("pin.scenario")))
save.save_panel(plan, "center_pin")
save.outcome("center_pin")

by_path = {lever.path: lever for lever in plan_levers(plan)}


def name(path: str) -> str:
    return tables.lever_label(by_path[path])


def step_text(row: center_pin.LeverResult) -> str:
    if row.kind == "rate":
        return f"{row.step * 100:+.1f} pt"
    if row.kind in center_pin.RELATIVE:
        return f"{row.step:+.0%}"
    if row.kind == "cycle":
        return t("pin.months", n=f"{row.step:+.1f}")
    return f"{row.step:+g}"


def value_text(kind: str, value: float | None) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return percent(value)
    if kind == "deal_size":
        return money(value, plan.currency, lang)
    return f"{value:,.1f}" if kind != "reps" else f"{value:,.0f}"


verdict_box = st.empty()  # the verdict goes on top, once the efforts below are read
with st.spinner(t("pin.running")):
    raw = cache.center_pin_analysis(plan.to_json())

st.subheader(t("pin.efforts"))
st.caption(t("pin.efforts_help"))
unit = st.radio(
    t("pin.effort_unit"),
    ["hours", "yen", "difficulty"],
    format_func={u: t(f"pin.unit.{u}") for u in ("hours", "yen", "difficulty")}.get,
    horizontal=True,
    key="pin_effort_unit",
)
# Efforts are kept by lever path, so they survive a language switch; names are redrawn.
efforts_key = f"pin_efforts_{st.session_state['plan_id']}"
saved: dict[str, float] = st.session_state.setdefault(efforts_key, {})
edited = st.data_editor(
    pd.DataFrame(
        {"lever": [name(path) for path in by_path], "effort": [saved.get(p) for p in by_path]},
        index=list(by_path),
    ),
    column_config={
        "lever": st.column_config.TextColumn(t("pin.col.lever"), disabled=True),
        "effort": st.column_config.NumberColumn(
            t("pin.col.effort"),
            min_value=0.0,
            max_value=5.0 if unit == "difficulty" else None,
        ),
    },
    hide_index=True,
    width="stretch",
    key=f"{efforts_key}_editor",
)
efforts = {
    path: float(effort)
    for path, effort in edited["effort"].items()
    if effort is not None and pd.notna(effort) and effort > 0
}
st.session_state[efforts_key] = efforts
result = center_pin.with_efforts(raw, efforts)
pin = result.reason
verdict = t(
    "pin.verdict_effort" if pin["code"] == "per_effort" else "pin.verdict",
    lever=name(pin["lever"]),
    step=step_text(result.levers[0]),
    revenue=f"{pin['revenue_gain_pct']:+.1%}",
    p=f"{pin['p_target_gain'] * 100:+.1f} pt",
    effort=f"{pin['effort']:g}" if pin["effort"] else "",
    unit=t(f"pin.unit.{unit}"),
)
if result.tie:
    verdict += " " + t("pin.tie")
verdict_box.success(verdict)

rows = []
for r in result.levers:
    rows.append(
        {
            t("pin.col.lever"): name(r.lever),
            t("pin.col.step"): step_text(r),
            t("pin.col.revenue"): r.revenue_gain / result.base_revenue,
            t("pin.col.p"): r.p_target_gain * 100,
            t("pin.col.effort"): f"{r.effort:g}" if r.effort else "—",
            t("pin.col.base"): value_text(r.kind, r.base),
            t("pin.col.required"): value_text(r.kind, r.required_for_target)
            if r.required_for_target is not None
            else errors.unsolvable(r.required_problem, name(r.lever), lang, short=True)
            if r.required_problem
            else "—",
            t("pin.col.half"): month(r.half_gain_month, lang) if r.half_gain_month else "—",
            t("pin.col.headroom"): (
                t(
                    "pin.headroom",
                    low=value_text(r.kind, r.benchmark[0]),
                    high=value_text(r.kind, r.benchmark[1]),
                    at=f"{r.headroom:.0%}",
                )
                if r.benchmark
                else "—"
            ),
            t("pin.col.variance"): r.variance_share,
        }
    )
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    width="stretch",
    column_config={
        t("pin.col.revenue"): st.column_config.NumberColumn(format="percent"),
        t("pin.col.p"): st.column_config.NumberColumn(format="%+.1f pt"),
        t("pin.col.variance"): st.column_config.ProgressColumn(
            min_value=0.0, max_value=1.0, format="percent"
        ),
    },
)
st.caption(t("pin.note", p=percent(result.base_p_target), noise=percent(result.noise_share)))

names = [name(r.lever) for r in result.levers]
left, right = st.columns(2)
left.plotly_chart(
    charts.tornado(
        names,
        [r.revenue_gain / result.base_revenue for r in result.levers],
        [r.revenue_loss / result.base_revenue for r in result.levers],
        {
            "title": t("pin.chart.tornado"),
            "x": t("pin.chart.tornado_x"),
            "up": t("pin.chart.up"),
            "down": t("pin.chart.down"),
        },
    ),
    width="stretch",
    config=charts.CONFIG,
    key="chart_tornado",
)
right.plotly_chart(
    charts.required_values(
        names,
        [
            r.required_for_target / r.base if r.required_for_target is not None and r.base else None
            for r in result.levers
        ],
        {"title": t("pin.chart.required"), "x": t("pin.chart.required_x")},
    ),
    width="stretch",
    config=charts.CONFIG,
    key="chart_required",
)
shares = sorted(result.variance_shares.items(), key=lambda item: -item[1])
if shares:
    st.plotly_chart(
        charts.variance_shares(
            [name(path) for path, _ in shares],
            [share for _, share in shares],
            result.noise_share,
            {
                "title": t("pin.chart.variance"),
                "x": t("pin.chart.variance_x"),
                "noise": t("pin.chart.noise"),
            },
        ),
        width="stretch",
        config=charts.CONFIG,
        key="chart_variance",
    )
    st.caption(t("pin.variance_note"))
