"""予実レビュー: the plan against the team's actuals, where the gap came from, and the rest
of the year re-forecast."""

from __future__ import annotations

import streamlit as st

from ui import cache, charts, kpi_sets, review_page, session, tables
from ui.format import money, money_range, month, month_short, percent, plain, points, signed_money
from ui.i18n import t

lang = session.lang()
baseline = kpi_sets.baseline()
plan, prior = review_page.prior(baseline)
st.title(t("review.title"))
st.caption(plain(plan.name) + (f" · {t('review.prior', revision=prior)}" if prior else ""))
review_page.start((session.plan_id(), prior))
review_page.show_message()
as_money = lambda v: money(v, plan.currency, lang)  # noqa: E731

with st.expander(t("review.templates"), icon=":material/download:"):
    st.caption(t("review.templates_help"))
    files = review_page.templates(plan)
    for column, (key, label, data, name) in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            label, data, name, "text/csv", key=review_page.TEMPLATE(key), on_click="ignore"
        )
    st.dataframe(review_page.names_table(plan), hide_index=True, width="stretch")

upload_column, as_of_column, sheet_column = st.columns([3, 1, 1])
uploaded = upload_column.file_uploader(
    t("review.upload"), type=["csv", "tsv", "txt", "xlsx"], key=review_page.upload_key()
)
as_of_column.selectbox(
    t("review.as_of"),
    review_page.months(plan),
    format_func=lambda m: t("review.as_of_auto", lang) if not m else month(m, lang),
    key=review_page.AS_OF,
)
sheet_column.text_input(
    t("review.sheet"), placeholder=t("review.sheet_hint"), key=review_page.SHEET
)
st.caption(t("review.upload_help"))

review_page.take(uploaded, plan)
if problems := review_page.problems():
    st.error(t("review.refused") + "\n\n" + "\n".join(f"- {line}" for line in problems))
checked = review_page.checked()
if checked is None:
    st.info(t("review.start"))
    st.stop()

as_of = review_page.review_month(plan, checked)
with st.spinner(t("review.running")):
    found = cache.review(plan.to_json(), checked, as_of)

# --------------------------------------------------------------------------- to date
st.subheader(t("review.to_date_title", as_of=month(as_of, lang)))
cols = st.columns(3)
cols[0].metric(t("review.actual_revenue"), as_money(found.actual_revenue))
cols[1].metric(t("review.plan_p50"), as_money(found.comparison.plan_p50_revenue))
gap = signed_money(found.gap, plan.currency, lang)
cols[2].metric(t("review.gap"), gap, delta=gap, help=t("review.gap_help"))
(st.warning if found.gap < 0 else st.success)(review_page.verdict(found, lang))

names = [review_page.factor_label(p.factor, plan, lang) for p in found.parts]
st.plotly_chart(
    charts.gap_waterfall(
        names,
        [p.amount for p in found.parts],
        {
            "title": t("review.chart.waterfall"),
            "y": t("review.chart.waterfall_y"),
            "total": t("review.gap"),
        },
        as_money,
    ),
    width="stretch",
    config=charts.CONFIG,
    key=session.CHART("review_waterfall"),
)
st.caption(t("review.waterfall_note"))
if found.imputed:
    st.caption(t("review.imputed", metrics=review_page.imputed(found, lang)))

month_labels = [month_short(m, lang, first=i == 0) for i, m in enumerate(found.comparison.months)]
st.plotly_chart(
    charts.review_fan(
        month_labels,
        found.comparison.cumulative,
        found.comparison.actual_cumulative,
        found.forecast.cumulative,
        plan.target.revenue,
        review_page.fan_labels(),
        as_money,
    ),
    width="stretch",
    config=charts.CONFIG,
    key=session.CHART("review_fan"),
)

st.subheader(t("review.table_title"))
st.caption(t("review.table_note"))
comparison = review_page.comparison_table(found, lang)
st.dataframe(comparison, hide_index=True, width="stretch")
st.download_button(
    t("table.download"),
    tables.csv_bytes(comparison.set_index(comparison.columns[0])),
    "centerpin_review.csv",
    "text/csv",
    key=review_page.DOWNLOAD,
    on_click="ignore",
)

# --------------------------------------------------------------------------- recalibration
st.subheader(t("review.updates_title"))
st.caption(t("review.updates_note"))
st.dataframe(review_page.updates_table(found, lang), hide_index=True, width="stretch")

# --------------------------------------------------------------------------- the rest
st.subheader(t("review.forecast_title"))
forecast = found.forecast
cols = st.columns(3)
cols[0].metric(
    t("review.p_target"),
    percent(forecast.p_target),
    delta=points(forecast.p_target - found.plan_p_target),
    help=t(
        "review.p_target_help",
        plan=percent(found.plan_p_target),
        error=percent(forecast.p_target_error, 2),
    ),
)
cols[1].metric(t("review.forecast_p50"), as_money(forecast.p50))
band = money_range(forecast.p10, forecast.p90, plan.currency, lang)
cols[2].metric(t("review.forecast_band"), band)
rest = found.rest
if rest is None:
    st.info(t("review.year_done"))
elif rest.remaining_target <= 0:
    st.success(t("review.reached", locked=as_money(rest.locked_revenue)))
else:
    analysis = cache.quick_center_pin(rest.plan.to_json())
    pin = analysis.levers[0]
    st.success(
        t(
            "review.center_pin",
            lever=review_page.factor_label(pin.lever, rest.plan, lang),
            revenue=f"{pin.revenue_gain / analysis.base_revenue:+.1%}",
            remaining=as_money(rest.remaining_target),
            start=month(rest.plan.start_month, lang),
        )
    )
    st.markdown(f"**{t('review.required_title')}**")
    levers = review_page.solvable(analysis, found)
    if not levers:
        st.caption(t("review.required_none"))
    else:
        session.ensure_choice(review_page.LEVER, levers, levers[0])
        lever = st.selectbox(
            t("review.required_lever"),
            levers,
            format_func=lambda path: review_page.factor_label(path, rest.plan, lang),
            key=review_page.LEVER,
        )
        pressed = st.button(t("review.required_run"), key=review_page.REQUIRE)
        if review_page.asked_for(lever, pressed):
            with st.spinner(t("reverse.solving")):
                answer = cache.reverse_answer(rest.plan.to_json(), lever)
            if answer.value is None or answer.monthly is None:
                st.warning(t("review.required_none"))
            else:
                value = review_page.lever_value(lever, answer.value, rest.plan, lang)
                confidence = percent(plan.target.confidence, 0)
                st.caption(t("review.required_note", value=value, confidence=confidence))
                st.dataframe(tables.monthly_kpis(answer.monthly, lang), width="stretch")

# --------------------------------------------------------------------------- save
st.subheader(t("review.save_title"))
current = kpi_sets.current_set()
with st.form(review_page.FORM, border=False):
    if current is None:
        st.text_input(
            t("review.save_name"), max_chars=200, placeholder=plan.name, key=review_page.NAME
        )
    else:
        st.caption(t("review.save_on", name=plain(current[0]), revision=current[1]))
    st.text_area(t("review.comment"), max_chars=2000, key=review_page.COMMENT)
    st.form_submit_button(
        t("review.save"),
        type="primary",
        on_click=review_page.save,
        args=(plan.to_json(), checked, as_of, plan.name),
    )
st.caption(t("review.save_note", author=plain(session.author() or "—")))
