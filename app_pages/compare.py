"""Compare 2–4 KPI sets or revisions: inputs, outcome distributions, monthly KPI targets."""

from __future__ import annotations

import streamlit as st

from ui import charts, compare_page, kpi_sets, session
from ui.format import money
from ui.i18n import t

lang = session.lang()
st.title(t("compare.title"))
st.caption(t("compare.caption"))
opened = kpi_sets.store()
options = kpi_sets.choices(opened)

with kpi_sets.guard():  # a database that stops answering: a message, not a traceback
    # Defaults through the session state only: the values outlive page visits (ui.session).
    compare_page.start_from_link(options)
    st.session_state.setdefault(compare_page.COUNT, 2)
    st.session_state.setdefault(compare_page.ONLY_DIFFERENCES, True)
    count = st.segmented_control(
        t("compare.count"), [2, 3, 4], key=compare_page.COUNT, format_func=str
    )
    count = count or 2
    compare_page.default_slots(options, count)
    slots = st.columns(count)
    entries = []
    for i, column in enumerate(slots):
        with column:
            entry = compare_page.slot(i, options, opened)
            if entry is not None:
                entries.append(entry)

    compare_page.link_slots(count)
    entries = compare_page.unique(entries)
    if len(entries) < 2:
        st.info(t("compare.pick_more"))
        st.stop()

    currency = entries[0].plan.currency
    as_money = lambda v: money(v, currency, lang)  # noqa: E731
    if len({entry.plan.currency for entry in entries}) > 1:
        st.warning(t("compare.currencies"))

    st.subheader(t("compare.outcome"))
    st.dataframe(compare_page.summary_table(entries, as_money), width="stretch")

    with st.spinner(t("compare.running")):
        curves = compare_page.curves(entries)
    st.plotly_chart(
        charts.revenue_cdfs(curves, compare_page.cdf_labels(), as_money),
        width="stretch",
        config=charts.CONFIG,
        key=compare_page.CDF_CHART,
    )
    st.caption(t("compare.cdf_note"))

    st.subheader(t("compare.inputs"))
    only_differences = st.toggle(t("compare.only_differences"), key=compare_page.ONLY_DIFFERENCES)
    inputs = compare_page.inputs_table(entries, only_differences)
    if inputs.data.empty:
        st.caption(t("compare.same_inputs"))
    else:
        st.dataframe(inputs, width="stretch")

    st.subheader(t("compare.targets"))
    metric_column, which_column = st.columns([2, 1])
    metrics = compare_page.metrics(entries)
    metric = metric_column.selectbox(
        t("compare.metric"),
        metrics,
        format_func=lambda metric: compare_page.metric_name(metric, entries),
        key=compare_page.METRIC,
    )
    which = which_column.radio(
        t("compare.which"),
        ["p50", "confidence"],
        format_func={"p50": t("table.p50"), "confidence": t("table.at_confidence")}.get,
        horizontal=True,
        key=compare_page.WHICH,
    )
    st.dataframe(compare_page.targets_table(entries, metric, which, lang), width="stretch")
    st.caption(t("compare.targets_note"))
