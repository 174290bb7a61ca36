"""用語集 / Glossary: every KPI's name, definition, formula, unit and typical range, and the
terms of the session's plan as every other page names them."""

from __future__ import annotations

import streamlit as st

from ui import kpi_sets, session, tables
from ui.format import plain
from ui.i18n import t

lang = session.lang()
plan = kpi_sets.baseline()
st.title(t("glossary.title"))
st.caption(t("glossary.caption"))

st.subheader(t("glossary.plan_terms", name=plain(plan.name)), anchor=False)
st.caption(t("glossary.plan_caption"))
st.dataframe(tables.plan_terms(plan, lang), hide_index=True, width="stretch")

st.subheader(t("glossary.kpis"), anchor=False)
for kind, frame in tables.glossary_tables(lang):
    st.markdown(f"**{t(f'glossary.kind.{kind}')}**")
    st.table(frame.set_index(t("glossary.col.name")))
