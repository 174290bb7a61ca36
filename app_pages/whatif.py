"""What-if simulator: move the levers of a plan, see how likely the target is."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from simulator import levers
from simulator.calendar import month_keys
from simulator.plan import KpiSet, PlanError
from ui import (
    cache,
    charts,
    errors,
    kpi_sets,
    save,
    scenario,
    session,
    tables,
    targets,
    whatif_page,
    widgets,
)
from ui.format import (
    count,
    money,
    money_range,
    percent,
    plain,
    points,
    setting_percent,
    signed_money,
)
from ui.i18n import t
from ui.summaries import Numbers

DOWNLOAD = session.element("download_monthly")
CHART_WIDTH = 440  # px: two fit beside each other at 1920 wide, one at a time at 1366

lang = session.lang()
baseline = kpi_sets.baseline()
base_state = scenario.defaults(baseline)  # the scenario itself was started by app.py

st.title(t("whatif.title"))
st.caption(plain(baseline.name))


def lever_widgets() -> None:
    for lever in levers.levers(baseline):
        widgets.lever_input(lever, baseline)


def team_widgets() -> None:
    months = month_keys(baseline.start_month, baseline.months)
    edited = st.data_editor(
        st.session_state[session.HIRES],
        key=session.HIRES_EDITOR(st.session_state[session.HIRES_VERSION]),
        num_rows="dynamic",
        column_config={
            "month": st.column_config.SelectboxColumn(
                t("whatif.hire_month"), options=months, required=True
            ),
            "change": st.column_config.NumberColumn(
                t("whatif.hire_change"), min_value=-1000, max_value=1000, step=1, required=True
            ),
        },
        width="stretch",
    )
    st.session_state[session.HIRES] = [
        row for row in edited if row.get("month") is not None and row.get("change") is not None
    ]
    st.checkbox(t("whatif.working_days_on"), key=session.WORKING_DAYS_ON)
    if st.session_state[session.WORKING_DAYS_ON]:
        st.number_input(
            t("whatif.working_days"),
            min_value=scenario.WORKING_DAYS_RANGE[0],
            max_value=scenario.WORKING_DAYS_RANGE[1],
            step=1.0,
            key=session.WORKING_DAYS,
        )


def target_widgets() -> None:
    widgets.target_inputs(baseline.currency, session.TARGET, session.CONFIDENCE)
    with st.expander(t("whatif.advanced")):
        st.selectbox(
            t("whatif.trials"),
            scenario.trial_choices(baseline),
            format_func=lambda n: f"{n:,}",
            key=session.TRIALS,
        )
        st.number_input(
            t("whatif.seed"), min_value=0, max_value=scenario.MAX_SEED, step=1, key=session.SEED
        )


@st.fragment
def scenario_panel() -> None:
    session.note_widget_values_in_fragment()  # or a page switch next would lose them
    # The answer goes on top, across the page, once the widgets below are read.
    answer = st.container()
    controls, outputs = st.columns([1, 2], gap="large")
    with controls:
        st.subheader(t("whatif.levers"))
        actions = st.container(horizontal=True)
        actions.button(
            t("whatif.reset"),
            on_click=session.set_scenario,
            args=(base_state,),
            icon=":material/restart_alt:",
        )
        with st.expander(t("whatif.group_target"), expanded=True):
            target_widgets()
        with st.expander(t("whatif.group_funnel"), expanded=True):
            lever_widgets()
        with st.expander(t("whatif.group_team")):
            team_widgets()
        try:
            plan, problem = scenario.scenario_plan(baseline, st.session_state), None
        except PlanError as error:
            plan, problem = None, error
    with actions:
        # After the widgets; a click saves what they show then (``now``).
        save.save_panel(
            plan, "whatif", now=lambda: scenario.scenario_plan(baseline, st.session_state)
        )

    # A slider moved reruns this fragment alone: the link follows it here.
    session.write_link(
        scenario.link(st.session_state, base_state, lang, session.plan_id(), session.revision())
    )
    with outputs:
        save.outcome("whatif")
    if plan is None:
        listed = errors.markdown(problem, lang, bulleted=True, plan=baseline)
        answer.error(t("whatif.invalid") + "\n\n" + listed)
        return
    show_outcome(plan, answer, outputs)


def show_outcome(plan: KpiSet, answer: DeltaGenerator, outputs: DeltaGenerator) -> None:
    scenario_json = plan.to_json()
    # The baseline runs with the scenario's trials and seed: common random numbers.
    base_json = baseline.model_copy(update={"simulation": plan.simulation}).to_json()
    as_money = lambda v: money(v, plan.currency, lang)  # noqa: E731
    view = cache.numbers(scenario_json)  # the answer first: the charts can follow
    with answer:
        st.container(key=whatif_page.VERDICT).markdown(
            whatif_page.verdict_markdown(view.p_target, view.confidence)
        )
        changed = scenario_json != base_json
        show_metrics(view, cache.numbers(base_json) if changed else None, plan.currency)
    with outputs:
        show_charts(scenario_json, as_money, plan)
        show_monthly(plan, scenario_json, view.confidence)


def show_metrics(view: Numbers, base: Numbers | None, cur: str) -> None:
    """The headline numbers, with their change against the plan when the scenario differs.

    Each metric is as wide as its text, in a row that wraps: on a narrow screen the row
    breaks in two rather than cutting a number short."""
    as_money = lambda v: money(v, cur, lang)  # noqa: E731
    row = st.container(horizontal=True, gap="medium")  # wraps when the screen is narrow
    pairs = [row.container(horizontal=True, gap="medium", width="content") for _ in range(2)]
    cols = [pairs[0], pairs[0], pairs[1], pairs[1]]  # two by two, or four across
    cols[0].metric(
        t("metric.p_target"),
        percent(view.p_target),
        delta=points(view.p_target - base.p_target) if base else None,
        help=t(
            "metric.p_target_help", error=percent(view.p_target_error), trials=f"{view.trials:,}"
        ),
        width="content",
    )
    cols[1].metric(
        t("metric.p50"),
        as_money(view.p50),
        delta=signed_money(view.p50 - base.p50, cur, lang) if base else None,
        width="content",
    )
    cols[2].metric(t("metric.range"), money_range(view.p10, view.p90, cur, lang), width="content")
    cols[3].metric(
        t("metric.wins"),
        count(view.wins),
        help=t("metric.wins_help", carry=count(view.carry_over_wins)),
        width="content",
    )
    st.caption(
        t(
            "whatif.summary",
            target=as_money(view.target),
            confidence=setting_percent(view.confidence),
            at_confidence=as_money(view.at_confidence),
        )
    )
    with st.expander(t("math.headline_title")):
        st.markdown(
            t(
                "math.headline",
                mean=as_money(view.mean),
                error=as_money(view.mean_error),
                p=percent(view.p_target),
                p_error=percent(view.p_target_error),
                trials=f"{view.trials:,}",
                seed=view.seed,
            )
        )
        st.markdown(t("math.distributions"))


def show_charts(scenario_json: str, as_money: Callable[[float], str], plan: KpiSet) -> None:
    """Revenue's distribution, its cumulative fan against the target path, the funnel."""
    curves = cache.headline(scenario_json)
    month_labels = targets.month_ticks(curves.months, lang)
    # Side by side on a wide screen, one above the other on a narrow one: never squeezed.
    row = st.container(horizontal=True, gap="medium")
    left = right = row
    left.plotly_chart(
        charts.revenue_histogram(curves, tables.histogram_labels(), as_money),
        width=CHART_WIDTH,
        config=charts.CONFIG,
        key=session.CHART("histogram"),
    )
    right.plotly_chart(
        charts.cumulative_fan(curves, month_labels, tables.fan_labels(), as_money),
        width=CHART_WIDTH,
        config=charts.CONFIG,
        key=session.CHART("fan"),
    )

    detail = cache.breakdown(scenario_json)
    st.plotly_chart(
        charts.funnel(
            detail.stages, tables.stage_labels(detail.stages, plan), tables.funnel_labels()
        ),
        width="stretch",
        config=charts.CONFIG,
        key=session.CHART("funnel"),
    )


def show_monthly(plan: KpiSet, scenario_json: str, confidence: float) -> None:
    """Monthly KPI targets, one metric at a time, their CSV, and the stage math."""
    detail = cache.breakdown(scenario_json)
    targets.show(
        detail.monthly,
        confidence,
        lang,
        whatif_page.assumption(plan),
        detail.detail_trials,
        DOWNLOAD,
        "centerpin_monthly_kpis.csv",
        plan=plan,
        light=True,
    )
    with st.expander(t("math.stages_title")):
        # A light table: a few rows of text, not a data grid the browser has to lay out.
        st.table(tables.as_text(tables.math_table(detail, lang, plan)))
        st.caption(t("math.stages_note"))


scenario_panel()
