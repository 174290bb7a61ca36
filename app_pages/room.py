"""Workshop room: participants guess the center pin on their phones; the screen reveals it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import rooms
from ui import charts, errors, kpi_sets, room_page, session, tables
from ui.format import percent, plain
from ui.i18n import t

lang = session.lang()
room_page.start_from_link()
store = kpi_sets.store()
if store is None:
    st.stop()


def join_form() -> None:
    """A code typed by hand, for a participant without the link."""
    st.text_input(t("room.code_input"), max_chars=40, key=room_page.CODE_INPUT)
    st.button(t("room.join"), key=room_page.JOIN, on_click=room_page.join)


def participant(code: str) -> None:
    st.title(t("room.join_title"))
    room_page.show_message()
    try:
        room = rooms.room(store, code)
    except kpi_store.StoreError as error:
        st.error(errors.markdown(error))
        join_form()
        return
    session.add_to_link(room_page.PARAM, code)
    st.caption(t("room.plan", plan=plain(room.label)))
    is_open = room.is_open()
    if is_open:
        st.caption(t("room.closes", time=tables.timestamp(room.closes_at)))
    else:
        st.error(t("store_errors.room.closed"))
    options = room_page.pins(room.plan)
    names = {path: tables.lever_label(path, room.plan, lang) for path in options}
    session.ensure_choice(room_page.PIN, options, options[0])
    st.session_state.setdefault(room_page.GUESS, 50)
    with st.form(room_page.FORM):
        st.text_input(
            t("room.name"),
            max_chars=rooms.MAX_NAME,
            key=room_page.NAME,
            placeholder=t("room.name_hint"),
        )
        st.selectbox(
            t("room.pin"),
            options,
            format_func=names.__getitem__,
            key=room_page.PIN,
        )
        st.slider(t("room.guess"), 0, 100, step=5, format="%d%%", key=room_page.GUESS)
        st.text_area(
            t("room.proposal"),
            max_chars=rooms.MAX_PROPOSAL,
            key=room_page.PROPOSAL,
            placeholder=t("room.proposal_hint"),
        )
        st.form_submit_button(
            t("room.send"),
            type="primary",
            disabled=not is_open,
            on_click=room_page.submit,
            args=(code,),
            width="stretch",
        )
    revealed_answer(code)


@st.fragment(run_every=room_page.PHONE_REFRESH_SECONDS)
def revealed_answer(code: str) -> None:
    """The answer on the phone too, once the facilitator reveals it (checked now and then)."""
    try:
        room = rooms.room(store, code)
    except kpi_store.StoreError:
        return
    if room.revealed:
        pin, p = room_page.answer(room)
        st.metric(t("room.answer_pin"), tables.lever_label(pin, room.plan))
        st.metric(t("room.answer_p"), percent(p))


def facilitator() -> None:
    st.title(t("room.title"))
    room_page.show_message()
    code = room_page.hosted()
    room_page.host_link()
    if code is None:
        open_form()
    else:
        shared_screen(code)


def open_form() -> None:
    baseline = kpi_sets.baseline()
    st.caption(t("room.intro", plan=plain(baseline.name)))
    st.session_state.setdefault(room_page.MINUTES, rooms.DEFAULT_MINUTES)
    st.session_state.setdefault(room_page.SIZE, rooms.DEFAULT_PARTICIPANTS)
    left, right = st.columns(2)
    left.number_input(
        t("room.minutes"),
        min_value=rooms.MIN_MINUTES,
        max_value=rooms.MAX_MINUTES,
        step=5,
        key=room_page.MINUTES,
    )
    right.number_input(
        t("room.size"),
        min_value=rooms.MIN_PARTICIPANTS,
        max_value=rooms.MAX_PARTICIPANTS,
        step=1,
        key=room_page.SIZE,
    )
    st.button(
        t("room.open"),
        key=room_page.OPEN,
        type="primary",
        on_click=room_page.open_room,
        args=(baseline,),
        icon=":material/groups:",
    )
    st.caption(t("room.levers_note"))
    st.dataframe(
        pd.DataFrame(
            {t("room.col_pin"): [tables.lever_label(p, baseline) for p in room_page.pins(baseline)]}
        ),
        hide_index=True,
    )


@st.fragment(run_every=room_page.REFRESH_SECONDS)
def shared_screen(code: str) -> None:
    session.note_widget_values_in_fragment()  # or a page switch next would lose them
    if room_page.hosted() != code:  # the facilitator left: the whole page draws again
        st.rerun(scope="app")
    try:
        room = rooms.room(store, code)
        found = rooms.submissions(store, code)
    except kpi_store.StoreError as error:
        st.error(errors.markdown(error))
        st.button(t("room.leave"), key=room_page.LEAVE, on_click=room_page.leave)
        return
    pin, p = room_page.answer(room) if room.revealed else (None, None)
    summary = rooms.guesses(found, pin, p)
    link = room_page.join_address(room.code)
    with st.container(key=room_page.SCREEN):
        head, qr = st.columns([3, 1], vertical_alignment="top")
        with head:
            st.caption(t("room.plan", plan=plain(room.label)))
            row = st.container(horizontal=True, gap="large")
            row.metric(t("room.code"), room.code, width="content")
            with row.container(key=room_page.GUESS_COUNT, width="content"):
                st.metric(
                    t("room.count"),
                    t("room.count_value", count=summary.count, most=room.max_participants),
                    width="content",
                )
            if room.is_open():
                st.caption(t("room.closes", time=tables.timestamp(room.closes_at)))
            else:
                st.caption(t("room.closed_at", time=tables.timestamp(room.closes_at)))
            st.caption(t("room.link"))
            st.code(link, language=None, wrap_lines=True)
            # The facilitator's buttons on the first screen, beside the join link.
            actions = st.container(horizontal=True)
            actions.button(
                t("room.reveal"),
                key=room_page.REVEAL,
                type="primary",
                disabled=room.revealed,
                on_click=room_page.reveal,
                args=(room.code,),
                icon=":material/visibility:",
            )
            actions.button(
                t("room.close"),
                key=room_page.CLOSE,
                disabled=not room.is_open(),
                on_click=room_page.close,
                args=(room.code,),
            )
            actions.button(t("room.leave"), key=room_page.LEAVE, on_click=room_page.leave)
        qr.image(room_page.qr_png(link), caption=t("room.scan"), width=240)

        if room.revealed:
            with st.container(key=room_page.ANSWER, horizontal=True, gap="large"):
                st.metric(t("room.answer_pin"), tables.lever_label(pin, room.plan), width="content")
                st.metric(t("room.answer_p"), percent(p), width="content")
                if summary.count:
                    st.metric(
                        t("room.hits"),
                        t("room.count_value", count=summary.pin_hits, most=summary.count),
                        width="content",
                    )
                    st.metric(t("room.median_guess"), percent(summary.p_median), width="content")
        left, right = st.columns(2)
        names, counts, answer_at = room_page.pin_chart_input(room, summary, pin)
        if names:
            left.plotly_chart(
                charts.pin_votes(names, counts, answer_at, room_page.pin_labels()),
                width="stretch",
                config=charts.CONFIG,
                key=session.CHART("room_pins"),
            )
        else:
            left.info(t("room.waiting"))
        right.plotly_chart(
            charts.p_target_guesses(summary.p_bins, p, room_page.p_labels()),
            width="stretch",
            config=charts.CONFIG,
            key=session.CHART("room_p"),
        )
        proposals = room_page.proposals_table(found, room.plan)
        if any(proposals.values()):
            st.dataframe(pd.DataFrame(proposals), hide_index=True, width="stretch")


if room_page.joined():
    participant(room_page.joined())
else:
    facilitator()
