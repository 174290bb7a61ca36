"""KGI逆算: from the revenue goal back to the activity, plainly and at a confidence."""

from __future__ import annotations

import math

import streamlit as st

from simulator import levers, reverse
from simulator.plan import PlanError, parse_plan
from simulator.results import DETAIL_TRIALS
from ui import (
    cache,
    charts,
    errors,
    kpi_sets,
    reverse_page,
    save,
    session,
    tables,
    targets,
    widgets,
)
from ui.format import count, money, percent, plain, setting_percent, signed_percent
from ui.i18n import t

lang = session.lang()
baseline = kpi_sets.baseline()
st.title(t("reverse.title"))
st.caption(plain(baseline.name))

solvable = [lv for lv in levers.levers(baseline) if lv.kind in reverse.SOLVABLE]
reverse_page.start_inputs(solvable)

left, right = st.columns([1, 2], gap="large")
with left:
    widgets.target_inputs(baseline.currency, session.TARGET, session.CONFIDENCE)
    by_path = {lever.path: lever for lever in solvable}
    names = {path: tables.lever_label(lever, baseline) for path, lever in by_path.items()}
    chosen = by_path[
        st.selectbox(
            t("reverse.lever"), list(by_path), format_func=names.get, key=reverse_page.LEVER
        )
    ]

as_money = lambda v: money(v, baseline.currency, lang)  # noqa: E731
try:
    plan = reverse_page.goal_plan(baseline)
except PlanError as error:
    st.error(errors.markdown(error, lang, bulleted=True, plan=baseline))
    st.stop()

chain = reverse.plain_chain(plan)
with right:
    with st.spinner(t("reverse.solving")):
        result = cache.reverse_answer(plan.to_json(), chosen.path)
    confidence = setting_percent(plan.target.confidence)
    cols = [st.container(horizontal=True, gap="small")] * 3  # one row that wraps if narrow
    now = cache.numbers(plan.to_json())  # the what-if page's own run of this scenario
    cols[0].metric(
        t("reverse.now"), percent(now.p_target), help=t("reverse.now_help"), width="content"
    )
    cols[1].metric(
        t("reverse.plain"),
        percent(result.plain_p) if not math.isnan(result.plain_p) else "—",
        help=t("reverse.plain_help"),
        width="content",
    )
    if result.value is None:
        cols[2].metric(t("reverse.solved", confidence=confidence), "—", width="content")
        st.error(errors.unsolvable(result.problem, tables.lever_label(chosen, plan), lang))
    else:
        cols[2].metric(
            t("reverse.solved", confidence=confidence),
            percent(result.p_target),
            help=t(
                "metric.p_target_help",
                error=percent(result.p_error),
                trials=f"{plan.simulation.trials:,}",
            ),
            width="content",
        )
        unit = (
            (lambda v: percent(v))
            if chosen.kind == "rate"
            else (as_money if chosen.kind == "deal_size" else count)
        )
        gap = result.value / result.plain_value - 1 if result.plain_value else float("nan")
        st.success(
            t(
                "reverse.verdict",
                lever=tables.lever_label(chosen, plan),
                base=unit(result.base_value),
                plain=unit(result.plain_value),
                plain_p=percent(result.plain_p),
                value=unit(result.value),
                confidence=confidence,
                gap=signed_percent(gap),
            )
        )

        use_column, save_column = st.columns(2)
        use_column.button(
            t("reverse.use"),
            on_click=reverse_page.use_as_scenario,
            args=(result.plan_json,),
            icon=":material/open_in_new:",
            key=reverse_page.USE,
        )
        with save_column:
            save.save_panel(parse_plan(result.plan_json), "reverse")
        save.outcome("reverse")

st.subheader(t("reverse.chain_title"))
lines = reverse_page.chain_steps(chain, as_money, plan)
st.markdown("\n".join(f"{i + 1}. {plain(line)}" for i, line in enumerate(lines)))
if chain.unreachable_revenue > 0:
    st.warning(
        t("reverse.unreachable", revenue=as_money(chain.unreachable_revenue), lag=chain.lag_months)
    )

if short := reverse_page.capacity_short(plan, chain, lang):
    st.warning(short)

st.subheader(t("reverse.monthly_title"))
month_labels = targets.month_ticks(list(chain.monthly.index), lang)
st.plotly_chart(
    charts.monthly_targets(
        month_labels,
        chain.monthly["opportunities"].to_numpy(),
        chain.monthly["revenue"].to_numpy(),
        None
        if result.monthly is None
        else result.monthly[("opportunities", "confidence")].to_numpy(),
        {
            "title": t("reverse.chart_title"),
            "x": t("chart.fan.x"),
            "opportunities": t("reverse.chart_opps"),
            "solved": t("reverse.chart_solved", confidence=confidence),
            "revenue": t("reverse.chart_revenue"),
        },
        as_money,
    ),
    width="stretch",
    config=charts.CONFIG,
    key=session.CHART("reverse"),
)
if result.monthly is not None:
    targets.show(
        result.monthly,
        plan.target.confidence,
        lang,
        t(
            "targets.assumption_reverse",
            lever=tables.lever_label(chosen, plan),
            value=unit(result.value),
            confidence=confidence,
        ),
        min(DETAIL_TRIALS, plan.simulation.trials),
        reverse_page.DOWNLOAD,
        "centerpin_kpi_targets.csv",
        plain=chain.monthly,
        title=False,
        plan=plan,
    )
