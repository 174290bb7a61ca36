"""Centerpin センターピン: language, plan chooser and navigation; pages do the rest."""

from __future__ import annotations

import streamlit as st

from ui import kpi_sets, session
from ui.format import plain
from ui.i18n import t
from ui.plans import DEFAULT_PLAN

st.set_page_config(page_title="Centerpin センターピン", page_icon="🎯", layout="wide")

store = kpi_sets.store(quiet=True)
options = kpi_sets.choices(store)

# A shared link opens in its language, on its plan, with its scenario.
if session.STARTED not in st.session_state:
    st.session_state[session.STARTED] = True
    query = st.query_params.to_dict()
    if query.get("lang") in session.LANGUAGES:
        st.session_state[session.LANG] = query["lang"]
    session.open_plan(query["plan"] if query.get("plan") in options else DEFAULT_PLAN)
    if query.get("plan") and query["plan"] not in options:  # a link to a set not (or no
        st.session_state[session.PLAN_MISSING] = query["plan"]  # longer) in this database
    st.session_state[session.APPLY_LINK] = True
kpi_sets.ensure_valid_plan(options)
kpi_sets.pin_revision(store)
session.keep_widget_values()

session.lang()
with st.sidebar:
    st.radio(
        "言語 / Language",
        session.LANGUAGES,
        format_func=lambda code: {"ja": "日本語", "en": "English"}[code],
        horizontal=True,
        key=session.LANG,
    )
    st.selectbox(
        t("app.plan"),
        options,
        format_func=kpi_sets.label,
        key=session.PLAN,
        on_change=session.set_revision,
        args=(None,),  # another plan opens at its newest revision
    )
    current = kpi_sets.current_set()
    if current:
        st.caption(t("app.revision", revision=current[1]))
    if missing := st.session_state.pop(session.PLAN_MISSING, None):
        st.warning(t("app.plan_missing", name=plain(kpi_sets.label(missing))))
    st.text_input(
        t("app.author"), max_chars=100, key=session.AUTHOR, placeholder=t("app.author_hint")
    )
    st.caption(t("app.tagline"))

pages = [
    st.Page("app_pages/whatif.py", title=t("nav.whatif"), icon="🎯", default=True),
    st.Page("app_pages/center_pin.py", title=t("nav.center_pin"), icon="📌"),
    st.Page("app_pages/reverse.py", title=t("nav.reverse"), icon="🧮"),
    st.Page("app_pages/review.py", title=t("review.nav"), icon="📊"),
    st.Page("app_pages/library.py", title=t("nav.library"), icon="📚"),
    st.Page("app_pages/compare.py", title=t("nav.compare"), icon="⚖️"),
    st.Page("app_pages/glossary.py", title=t("nav.glossary"), icon="📖"),
]
st.navigation(pages).run()
