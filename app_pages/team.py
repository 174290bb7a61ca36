"""チーム計画 / Team plan: members, their pooled rates, the roll-up, the department chain,
and top-down against bottom-up targets."""

from __future__ import annotations

import streamlit as st

from ui import charts, kpi_sets, save, session
from ui import team_page as page
from ui.format import money, percent, plain
from ui.i18n import t

lang = session.lang()
baseline = kpi_sets.baseline()
st.title(t("team.title"))
st.caption(plain(baseline.name))
st.caption(t("team.intro"))
if not any(channel.volume_from == "team" for channel in baseline.channels):
    st.info(t("team.no_team_channel"))
    st.stop()
as_money = lambda v: money(v, baseline.currency, lang)  # noqa: E731

page.start_rows(baseline, f"{session.plan_id()}@{session.revision()}", lang)
page.keep_edits(lang)

st.subheader(t("team.members"))
st.caption(t("team.members_help"))
edited = st.data_editor(
    page.editor_frame(baseline, lang),
    key=page.editor_key(lang),
    num_rows="dynamic",
    column_config=page.column_config(baseline, lang),
    hide_index=True,
    width="stretch",
    placeholder="",  # an empty cell reads as empty: the team's value applies
)
rows = page.note_edits(edited, baseline, lang)
plan, problems = page.plan_with_rows(baseline, rows, lang)
actions = st.container(horizontal=True)
actions.button(t("team.reset"), key=page.RESET, on_click=page.reset_rows, args=(baseline, lang))
with actions:
    save.save_panel(plan, "team")  # the plan with the members as the table has them
save.outcome("team")
if plan is None:
    st.error("\n".join(f"- {plain(problem)}" for problem in problems))
    st.stop()

with st.spinner(t("team.running")):
    out = page.roll_up(plan.to_json())
whole_team = out["team"]

st.subheader(t("team.rollup"))
row = st.container(horizontal=True, gap="small")
row.metric(t("team.p_target"), percent(whole_team["p_target"]))
row.metric(t("team.p50"), as_money(whole_team["revenue"]["p50"]))
row.metric(t("team.mean"), as_money(whole_team["revenue"]["mean"]))
row.metric(
    t("team.range"),
    f"{as_money(whole_team['revenue']['p10'])} – {as_money(whole_team['revenue']['p90'])}",
)
st.caption(t("team.rollup_note", trials=f"{out['trials']:,}"))

members = out["members"]
st.plotly_chart(
    charts.member_revenue(
        [m["name"] for m in members],
        [m["revenue"]["p10"] for m in members],
        [m["revenue"]["p50"] for m in members],
        [m["revenue"]["p90"] for m in members],
        [m["target"] for m in members],
        page.chart_labels(lang),
        as_money,
    ),
    width="stretch",
    config=charts.CONFIG,
    key=page.MEMBER_CHART,
)
st.dataframe(page.members_table(out, baseline, lang), hide_index=True, width="stretch")

constraint = out["constraint"]
st.warning(plain(page.constraint_text(constraint, as_money, lang)))

st.subheader(t("team.center_pin"))
best = out["center_pin"][0] if out["center_pin"] else None
if best is not None:
    step = page.step_text(best, plan, lang)
    st.success(plain(t("team.pin_best", step=step, gain=as_money(best["revenue_gain"]))))
st.dataframe(page.pin_rows(out, plan, lang), hide_index=True, width="stretch")

st.subheader(t("team.pooling"))
st.caption(t("team.pooling_help"))
st.dataframe(page.pooling_table(out, plan, lang), hide_index=True, width="stretch")
for note in page.strength_notes(out, plan, lang):
    st.caption(plain(note))

st.subheader(t("team.top_down"))
gap = out["top_down_vs_bottom_up"]
cols = st.container(horizontal=True, gap="small")
cols.metric(t("team.kgi"), as_money(gap["kgi"]))
cols.metric(t("team.bottom_up"), as_money(gap["bottom_up_mean"]), delta=as_money(gap["gap"]))
diversification, consistent = out["diversification"], out["consistent"]
st.info(
    t(
        "team.diversification",
        member_sum=as_money(diversification["sum_of_member_percentiles"]),
        team_value=as_money(diversification["team_percentile"]),
        confidence=percent(whole_team["confidence"], 0),
        team_at_confidence=as_money(consistent["team_revenue_at_confidence"]),
        member_confidence=percent(consistent["member_confidence"], 0),
    )
)

st.subheader(t("team.chain"))
st.caption(t("team.chain_help"))
page.start_chain_inputs()
inputs = st.columns(3)
inputs[0].number_input(t("team.leads_input"), min_value=0.0, max_value=1e12, step=10.0,
                       format="%.0f", key=page.LEADS)  # fmt: skip
inputs[1].number_input(t("team.is_rate_input"), min_value=0.1, max_value=100.0, step=1.0,
                       key=page.IS_RATE)  # fmt: skip
inputs[2].number_input(t("team.fs_rate_input"), min_value=0.1, max_value=100.0, step=1.0,
                       key=page.FS_RATE)  # fmt: skip
chain = page.chain_of(plan)
if chain is None:
    st.info(t("team.chain_unavailable"))
else:
    st.dataframe(page.chain_table(chain, plan, lang), hide_index=True, width="stretch")
    if chain.hand_set.given:
        closes, sentence = page.chain_verdict(chain, plan, lang)
        (st.success if closes else st.error)(plain(sentence))
    else:
        st.caption(t("team.chain_derived"))
