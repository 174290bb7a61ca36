"""Presentation layout: any page on a projector, readable from the back of the room.

One call from ``app.py`` (:func:`apply`), after the sidebar: a toggle in the sidebar and
``present=1`` in the link switch it on; large type (headline numbers 56 px), black on white,
the sidebar and Streamlit's own toolbar hidden. The sidebar hidden, the way back is a
button at the top of the page. The styles are constant strings: no user text ever
reaches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from ui import session
from ui.i18n import t

PRESENT = session.widget("present")  # the sidebar's toggle
LINK_READ = session.state("present_link_read")
EXIT = session.element("present_exit")
PARAM = session.LINK_PRESENT
#: What a link may say: on or off.
VALUES = {"1": True, "0": False}

#: Headline numbers at 56 px (≥ 48 px: readable at ten metres), labels and text at 22–26 px,
#: black on white, no sidebar, header, toolbar or status widget; the page starts at the top.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stAppDeployButton"], #MainMenu, footer { display: none !important; }
[data-testid="stApp"], [data-testid="stMain"] {
  background: #ffffff !important; color: #000000 !important;
}
[data-testid="stMainBlockContainer"] {
  padding: 0.75rem 2rem 1rem 2rem !important; max-width: 100% !important;
}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 22px !important; color: #000000;
}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] div,
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
  font-size: 56px !important; line-height: 1.1 !important;
  color: #000000 !important; font-weight: 700 !important;
}
[data-testid="stMetricLabel"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p {
  font-size: 24px !important; color: #000000 !important;
}
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] div,
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p {
  font-size: 26px !important; font-weight: 700 !important;
}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stCaptionContainer"] [data-testid="stMarkdownContainer"] p {
  font-size: 20px !important; color: #111111 !important;
}
h1 { font-size: 44px !important; color: #000000 !important; padding-top: 0 !important; }
h2, h3 { color: #000000 !important; }
</style>
"""


def read_link(params: Mapping[str, Sequence[str]]) -> tuple[bool | None, bool]:
    """``present`` in a link: (on or off, or None when absent; whether it was bad)."""
    values = params.get(PARAM)
    if not values:
        return None, False
    on = VALUES.get(str(values[-1]).strip())
    return on, on is None


def is_on() -> bool:
    return bool(st.session_state.get(PRESENT, False))


def _leave() -> None:
    st.session_state[PRESENT] = False


def apply() -> None:
    """The layout for this run: the link read once, the toggle, the styles, the way out."""
    if not st.session_state.get(LINK_READ):
        st.session_state[LINK_READ] = True
        opened = st.session_state.get(session.LINK) or {}
        params = opened.get("params") or {}
        on, bad = read_link(params)
        if bad:
            session.link_problem(PARAM, str(params[PARAM][-1]), allowed=t("present.link_allowed"))
        if on is not None:
            st.session_state[PRESENT] = on
    with st.sidebar:
        st.toggle(t("present.toggle"), key=PRESENT, help=t("present.toggle_help"))
    session.add_to_link(PARAM, "1" if is_on() else None)
    if not is_on():
        return
    st.markdown(CSS, unsafe_allow_html=True)  # a constant: never user text
    st.button(
        t("present.exit"),
        key=EXIT,
        on_click=_leave,
        icon=":material/close_fullscreen:",
        type="tertiary",
    )
