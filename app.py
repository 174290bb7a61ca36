"""Centerpin センターピン: language, plan chooser and navigation; pages do the rest."""

from __future__ import annotations

import streamlit as st

from ui.i18n import LANGUAGES, language, t
from ui.plans import DEFAULT_PLAN, sample, sample_ids

st.set_page_config(page_title="Centerpin センターピン", page_icon="🎯", layout="wide")

# A shared link opens in its language, on its plan, with its scenario.
if "session_started" not in st.session_state:
    st.session_state["session_started"] = True
    query = st.query_params.to_dict()
    if query.get("lang") in LANGUAGES:
        st.session_state["lang"] = query["lang"]
    st.session_state["plan_id"] = (
        query["plan"] if query.get("plan") in sample_ids() else DEFAULT_PLAN
    )
    st.session_state["apply_query"] = True

language()
with st.sidebar:
    st.radio(
        "言語 / Language",
        LANGUAGES,
        format_func=lambda code: {"ja": "日本語", "en": "English"}[code],
        horizontal=True,
        key="lang",
    )
    st.selectbox(
        t("app.plan"),
        sample_ids(),
        format_func={plan_id: sample(plan_id).name for plan_id in sample_ids()}.get,
        key="plan_id",
    )
    st.caption(t("app.tagline"))

pages = [
    st.Page("app_pages/whatif.py", title=t("nav.whatif"), icon="🎯", default=True),
    st.Page("app_pages/center_pin.py", title=t("nav.center_pin"), icon="📌"),
    st.Page("app_pages/reverse.py", title=t("nav.reverse"), icon="🧮"),
]
st.navigation(pages).run()
