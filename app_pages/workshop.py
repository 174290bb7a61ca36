"""Workshop: up to four scenarios against the plan, side by side, for a shared screen."""

from __future__ import annotations

import streamlit as st

from simulator import scenarios
from ui import charts, kpi_sets, presentation, save, scenario, session, workshop_page
from ui.format import money, money_range, percent, plain, points, signed_money
from ui.i18n import t

lang = session.lang()
baseline = kpi_sets.baseline()
base_state = scenario.defaults(baseline)
as_money = lambda v: money(v, baseline.currency, lang)  # noqa: E731

workshop_page.start_from_link(baseline, base_state)
st.title(t("workshop.title"))
st.caption(t("workshop.caption", plan=plain(baseline.name)))

with st.spinner(t("workshop.running")):
    shown, broken = workshop_page.columns(baseline, base_state)
if broken:
    st.warning(t("workshop.broken", slots=", ".join(broken)))
workshop_page.write_link()

# The answer first: every plan's figures across the screen, then their curves.
for column, place in zip(shown, st.columns(len(shown)), strict=True):
    o = column.outcome
    with place.container(border=True, key=workshop_page.COLUMN(column.slot or "base")):
        st.markdown(f"**{plain(column.title)}**")
        is_base = not column.slot
        st.metric(
            t("metric.p_target"),
            percent(o.p_target),
            delta=None if is_base else points(o.delta_p_target),
        )
        st.metric(
            t("metric.p50"),
            as_money(o.p50),
            delta=None if is_base else signed_money(o.delta_p50, baseline.currency, lang),
        )
        st.caption(t("workshop.range", range=money_range(o.p10, o.p90, baseline.currency, lang)))
        if not is_base and not presentation.is_on():  # on a projector: the headline only
            st.caption(
                t(
                    "workshop.delta_note",
                    mean=signed_money(o.delta_mean, baseline.currency, lang),
                    p_error=points(o.delta_p_target_error, 2).lstrip("+"),
                )
            )

st.plotly_chart(
    charts.scenario_reach(
        workshop_page.curves(shown),
        workshop_page.chart_labels(),
        as_money,
        presenting=presentation.is_on(),
    ),
    width="stretch",
    config=charts.CONFIG,
    key=workshop_page.CHART,
)
st.caption(
    t("workshop.crn_note", trials=f"{shown[0].outcome.trials:,}", seed=baseline.simulation.seed)
)

st.subheader(t("workshop.scenarios"))
adding, listing = st.columns([1, 2], gap="large")
with adding:
    slot = workshop_page.free_slot()
    options = [workshop_page.SLIDERS, *scenarios.presets_for(baseline)]
    session.ensure_choice(workshop_page.NEW_SOURCE, options, options[0])
    st.radio(
        t("workshop.source"),
        options,
        format_func={o: workshop_page.source_label(o, baseline) for o in options}.__getitem__,
        key=workshop_page.NEW_SOURCE,
    )
    st.text_input(
        t("workshop.name"),
        max_chars=scenarios.MAX_NAME,
        key=workshop_page.NEW_NAME,
        placeholder=t("workshop.name_hint"),
    )
    st.button(
        t("workshop.add", slot=slot or "—"),
        key=workshop_page.ADD,
        type="primary",
        disabled=slot is None,
        on_click=workshop_page.add,
        args=(baseline, base_state),
        icon=":material/add:",
    )
    if st.session_state.pop(workshop_page.NAME_REFUSED, False):
        st.error(t("workshop.name_refused", most=scenarios.MAX_NAME))
    if slot is None:
        st.caption(t("workshop.full", count=scenarios.MAX_SCENARIOS))
with listing:
    if len(shown) == 1:
        st.info(t("workshop.empty"))
    for column in shown[1:]:
        with st.container(border=True):
            st.markdown(f"**{plain(column.title)}**")
            st.caption(t("workshop.link"))
            st.code(workshop_page.address(column.link), language=None, wrap_lines=True)
            actions = st.container(horizontal=True)
            with actions:
                save.save_panel(column.plan, f"workshop_{column.slot}")
                st.button(
                    t("workshop.remove"),
                    key=workshop_page.REMOVE(column.slot),
                    on_click=workshop_page.remove,
                    args=(column.slot,),
                    icon=":material/delete:",
                )
            save.outcome(f"workshop_{column.slot}")
