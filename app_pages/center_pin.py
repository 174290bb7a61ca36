"""センターピン分析: which lever moves the result most, and why."""

from __future__ import annotations

import streamlit as st

from simulator import center_pin
from simulator.levers import levers as plan_levers
from ui import cache, center_pin_page, charts, kpi_sets, save, session, tables
from ui.format import percent, plain
from ui.i18n import t

CHART_WIDTH = 640  # px: two fit beside each other at 1920 wide, one at a time at 1366

lang = session.lang()
baseline = kpi_sets.baseline()
st.title(t("pin.title"))

# The scenario of the what-if page, when it is about this plan; the plan itself otherwise.
plan = center_pin_page.analysed_plan(baseline)
st.caption(plain(baseline.name) + ("" if plan == baseline else " · " + t("pin.scenario")))
save.save_panel(plan, "center_pin")
save.outcome("center_pin")

by_path = {lever.path: lever for lever in plan_levers(plan)}
center_pin_page.start_from_link(list(by_path))


def name(path: str) -> str:
    return tables.lever_label(by_path[path], plan)


answer = st.container()  # the verdict and the ranking go on top, once the efforts are read
with st.spinner(t("pin.running")):
    raw = cache.center_pin_analysis(plan.to_json())
    now = cache.numbers(plan.to_json())  # the what-if page's own run of this scenario

with st.expander(
    t("pin.efforts"), icon=":material/tune:", expanded=bool(center_pin_page.efforts())
):
    st.caption(t("pin.efforts_help"))
    unit = st.radio(
        t("pin.effort_unit"),
        center_pin_page.UNITS,
        format_func={u: t(f"pin.unit.{u}") for u in center_pin_page.UNITS}.get,
        horizontal=True,
        key=center_pin_page.EFFORT_UNIT,
    )
    edited = st.data_editor(
        center_pin_page.effort_table(list(by_path), name),
        column_config={
            "lever": st.column_config.TextColumn(t("pin.col.lever"), disabled=True),
            "effort": st.column_config.NumberColumn(
                t("pin.col.effort"),
                min_value=0.0,
                max_value=5.0 if unit == "difficulty" else center_pin_page.MAX_EFFORT,
            ),
        },
        hide_index=True,
        width="stretch",
        placeholder="",  # a lever without an effort reads as an empty cell
        key=center_pin_page.EFFORT_EDITOR(session.plan_id()),
    )
entered = center_pin_page.keep_efforts(edited["effort"])
center_pin_page.link_efforts(entered, unit)
result = center_pin.with_efforts(raw, entered)

with answer:
    st.success(center_pin_page.verdict(result, name, unit))
    metric_column, note_column = st.columns([1, 3], vertical_alignment="center")
    metric_column.metric(
        t("metric.p_target"),
        percent(now.p_target),
        help=t("metric.p_target_help", error=percent(now.p_target_error), trials=f"{now.trials:,}"),
    )
    note_column.caption(
        t(
            "pin.trials_note",
            trials=f"{now.trials:,}",
            step_trials=f"{center_pin.STEP_TRIALS:,}",
            step_p=percent(result.base_p_target),
        )
    )
    ranking = center_pin_page.ranking(result, name, plan.currency, lang)
    column_config = {
        t("pin.col.revenue"): tables.percent_column(),
        t("pin.col.p"): st.column_config.NumberColumn(format="%+.1f pt"),
        t("pin.col.variance"): st.column_config.ProgressColumn(
            min_value=0.0, max_value=1.0, format="percent", step=0.001
        ),
    }
    # The ranking in the columns that decide it, every lever at once; the rest below.
    main, detail = center_pin_page.ranking_columns(bool(entered))
    st.dataframe(
        ranking,
        hide_index=True,
        width="stretch",
        height="content",
        column_order=main,
        column_config=column_config,
    )
    st.caption(t("pin.note", p=percent(now.p_target), noise=percent(result.noise_share)))
    with st.expander(t("pin.details"), icon=":material/table_view:"):
        st.dataframe(
            ranking,
            hide_index=True,
            width="stretch",
            height="content",
            column_order=detail,
            column_config=column_config,
        )

names = [name(r.lever) for r in result.levers]
# Side by side on a wide screen, one above the other on a narrow one: never squeezed.
left = right = st.container(horizontal=True, gap="medium")
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
    width=CHART_WIDTH,
    config=charts.CONFIG,
    key=session.CHART("tornado"),
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
    width=CHART_WIDTH,
    config=charts.CONFIG,
    key=session.CHART("required"),
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
        key=session.CHART("variance"),
    )
    st.caption(t("pin.variance_note"))
    with st.expander(t("math.pin_title")):
        st.markdown(t("math.pin"))
