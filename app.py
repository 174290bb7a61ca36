"""Centerpin: a first look at a sample plan's outcome (the full what-if UI builds on this)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator import PlanError, load_plan, simulate

SAMPLES = Path(__file__).parent / "sample_data"

st.set_page_config(page_title="Centerpin センターピン", page_icon="🎯", layout="wide")


@st.cache_data(show_spinner=False, max_entries=32)
def headline(plan_json: str) -> dict:
    from simulator import parse_plan

    result = simulate(parse_plan(plan_json))
    p, p_error = result.p_target()
    summary = result.revenue_summary()
    return {
        "p_target": p,
        "p_target_error": p_error,
        "p10": summary.p10,
        "p50": summary.p50,
        "p90": summary.p90,
        "wins": float(result.wins.sum(axis=1).mean()),
        "trials": result.trials,
    }


st.title("Centerpin センターピン")
st.caption("インサイドセールスの目標達成確率をモンテカルロで試算します。")
files = sorted(SAMPLES.glob("*.json"))
choice = st.selectbox(
    "計画 (Plan)", files, format_func=lambda path: load_plan(path).name, key="plan"
)
try:
    plan = load_plan(choice)
except PlanError as exc:
    st.error(str(exc))
    st.stop()

numbers = headline(plan.to_json())
money = (
    (lambda v: f"{v / 1e4:,.0f}万円")
    if plan.currency == "JPY"
    else (lambda v: f"{v:,.0f} {plan.currency}")
)
cols = st.columns(4)
cols[0].metric(
    "目標達成確率 P(target)",
    f"{numbers['p_target']:.1%}",
    help=f"± {numbers['p_target_error']:.1%} (1 SE)",
)
cols[1].metric("売上 P50", money(numbers["p50"]))
cols[2].metric("売上 P10–P90", f"{money(numbers['p10'])} – {money(numbers['p90'])}")
cols[3].metric("受注件数 (期待値)", f"{numbers['wins']:,.1f}")
st.caption(f"目標 {money(plan.target.revenue)} ・ 試行 {numbers['trials']:,} 回")
