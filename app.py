"""Centerpin センターピン: language, plan chooser and navigation; pages do the rest."""

from __future__ import annotations

import streamlit as st

from ui import kpi_sets, scenario, session, warm
from ui.format import plain
from ui.i18n import t
from ui.presentation import apply as presentation_layout

st.set_page_config(page_title="Centerpin センターピン", page_icon="🎯", layout="wide")
warm.start()  # once per server: imports frozen out of the collector's way, caches warmed

store = kpi_sets.store(quiet=True)
options = kpi_sets.choices(store)

# A shared link opens in its language, on its plan and revision, with its scenario.
if session.STARTED not in st.session_state:
    st.session_state[session.STARTED] = True
    session.open_link({name: st.query_params.get_all(name) for name in st.query_params}, options)
kpi_sets.ensure_valid_plan(options)
kpi_sets.pin_revision(store)
session.start_run()  # every widget's value handed back: it outlives pages that do not draw it

# One scenario for every page: the plan's own values, or the link's, until the user moves them.
baseline = kpi_sets.baseline()
base_state = scenario.defaults(baseline)
if session.start_scenario(base_state):
    linked = session.from_link([*base_state, *session.linked_names(session.LEVER.prefix)])
    reading = scenario.from_query({k: v[-1] for k, v in linked.items()}, base_state, baseline)
    for name in reading.dropped:
        session.link_problem(name, linked[name][-1])
    session.set_scenario(reading.values)
session.write_link(
    scenario.link(
        st.session_state, base_state, session.lang(), session.plan_id(), session.revision()
    )
)

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
presentation_layout()  # large type on a shared screen: toggle, or present=1 in the link

pages = [
    st.Page("app_pages/whatif.py", title=t("nav.whatif"), icon="🎯", default=True),
    st.Page("app_pages/center_pin.py", title=t("nav.center_pin"), icon="📌"),
    st.Page("app_pages/reverse.py", title=t("nav.reverse"), icon="🧮"),
    st.Page("app_pages/review.py", title=t("review.nav"), icon="📊"),
    st.Page("app_pages/library.py", title=t("nav.library"), icon="📚"),
    st.Page("app_pages/compare.py", title=t("nav.compare"), icon="⚖️"),
    st.Page("app_pages/team.py", title=t("team.nav"), icon="👥"),
    st.Page("app_pages/glossary.py", title=t("nav.glossary"), icon="📖"),
    st.Page("app_pages/training.py", title=t("training.nav"), icon="🎓"),
    st.Page("app_pages/workshop.py", title=t("workshop.nav"), icon="🖥️"),
    st.Page("app_pages/room.py", title=t("room.nav"), icon="🙋"),
]
page = st.navigation(pages)
session.go_on()  # a hand-off a callback asked for: before the page draws
link_warning = st.empty()  # on top of the page, filled once the page has read its link
page.run()


def _dropped(name: str, value: str, allowed: str) -> str:
    item = f"{name}={value}" if value else name
    return t("app.link_item_allowed", item=item, allowed=allowed) if allowed else item


if dropped := session.take_link_problems():
    shown = ", ".join(_dropped(*problem) for problem in dropped)
    link_warning.warning(t("app.link_dropped", items=plain(shown)), icon=":material/link_off:")
