"""The workshop room: the facilitator's shared screen and the participants' join page.

A link with ``room=<code>`` opens the join page (a phone's width is enough): the plan's
name, a guess of the center pin (a lever, named by the glossary) and of P(target), an
optional name and one proposed scenario. Without it the page is the facilitator's: open a
room for the session's plan, show its join link and QR code, watch the guesses arrive
(refreshed every few seconds) and reveal the simulated answer beside them. Participant
text is only ever shown as text (a table's cells), never as markdown or HTML.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence

import segno
import streamlit as st

from simulator import kpi_sets as kpi_store
from simulator import levers
from simulator.kpi_sets import rooms
from simulator.plan import KpiSet
from ui import cache, errors, kpi_sets, session, tables, workshop_page
from ui.i18n import t

PARAM = session.LINK_ROOM  # room=<code>: the join page
#: How often the shared screen reads the guesses again.
REFRESH_SECONDS = 3
#: How often a phone asks whether the answer is out (many phones: less often).
PHONE_REFRESH_SECONDS = 10

HOST = session.state("room_host")  # the code of the room this session opened
HOST_KEY = session.state("room_host_key")  # its facilitator's key (the host link's)
HOST_PARAM = session.LINK_HOST
JOINED = session.state("room_joined")  # the code of the room this session joins
PARTICIPANT = session.state("room_participant")  # this browser's token in rooms
MESSAGE = session.state("room_message")  # ("success" | "error", text) of the last action
MINUTES = session.widget("room_minutes")
SIZE = session.widget("room_size")
OPEN = session.element("room_open")
REVEAL = session.element("room_reveal")
CLOSE = session.element("room_close")
LEAVE = session.element("room_leave")
CODE_INPUT = session.widget("room_code_input")
JOIN = session.element("room_join")
FORM = session.element("room_form")
NAME = session.widget("room_name")
PIN = session.widget("room_pin")
GUESS = session.widget("room_guess")  # P(target) in whole percent
PROPOSAL = session.widget("room_proposal")
SENT = session.state("room_sent")  # {code: the participant's last guess}
SCREEN = session.element("room_screen")  # the shared screen's container
GUESS_COUNT = session.element("room_guess_count")
ANSWER = session.element("room_answer")


def _bad_key() -> None:
    """A facilitator's key that does not open the room: named, never shown (it is a secret,
    and the page may be on a shared screen)."""
    session.link_problem(HOST_PARAM, allowed=t("room.host_link_allowed"))


def start_from_link() -> None:
    """The room a link names (once): with the facilitator's key (the host link) its shared
    screen, else its join page; a code or key that cannot be used is dropped with the app's
    link warning."""
    linked = session.from_link([PARAM, HOST_PARAM])
    if not linked.get(PARAM):
        if linked.get(HOST_PARAM):
            _bad_key()
        return
    code = rooms.normal_code(linked[PARAM][-1])
    if code is None:
        session.link_problem(PARAM, linked[PARAM][-1], allowed=t("room.link_allowed"))
        return
    key = (linked.get(HOST_PARAM) or [None])[-1]
    opened = kpi_sets.store(quiet=True) if key is not None else None
    if key is not None and opened is not None and rooms.is_host(opened, code, key):
        st.session_state[HOST] = code
        st.session_state[HOST_KEY] = key
        return
    if key is not None:
        _bad_key()
    st.session_state[JOINED] = code


def host_link() -> None:
    """The facilitator's address names the room and its key: a reload opens the screen again."""
    session.add_to_link(PARAM, hosted())
    session.add_to_link(HOST_PARAM, st.session_state.get(HOST_KEY) if hosted() else None)


def joined() -> str | None:
    return st.session_state.get(JOINED)


def hosted() -> str | None:
    return st.session_state.get(HOST)


def participant() -> str:
    """This browser session's token: a guess sent again replaces its own, no one else's."""
    if not st.session_state.get(PARTICIPANT):
        st.session_state[PARTICIPANT] = secrets.token_urlsafe(24)
    return st.session_state[PARTICIPANT]


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE] = (kind, text)


def show_message() -> None:
    if message := st.session_state.pop(MESSAGE, None):
        kind, text = message
        {"success": st.success, "error": st.error}[kind](text)


def _store() -> kpi_store.Store | None:
    opened = kpi_sets.store()
    if opened is None:
        _say("error", t("store_errors.unavailable"))
    return opened


# ----------------------------------------------------------------------------- callbacks


def open_room(plan: KpiSet) -> None:
    opened = _store()
    if opened is None:
        return
    try:
        room = rooms.open_room(
            opened,
            plan,
            minutes=int(st.session_state.get(MINUTES, rooms.DEFAULT_MINUTES)),
            max_participants=int(st.session_state.get(SIZE, rooms.DEFAULT_PARTICIPANTS)),
        )
    except kpi_store.StoreError as error:
        _say("error", errors.markdown(error))
        return
    st.session_state[HOST] = room.code
    st.session_state[HOST_KEY] = room.host_key


def reveal(code: str) -> None:
    if opened := _store():
        try:
            rooms.reveal(opened, code)
        except kpi_store.StoreError as error:
            _say("error", errors.markdown(error))


def close(code: str) -> None:
    if opened := _store():
        try:
            rooms.close(opened, code)
        except kpi_store.StoreError as error:
            _say("error", errors.markdown(error))


def leave() -> None:
    st.session_state.pop(HOST, None)
    st.session_state.pop(HOST_KEY, None)


def join() -> None:
    code = rooms.normal_code(st.session_state.get(CODE_INPUT, ""))
    if code is None:
        _say("error", t("store_errors.room.not_found"))
        return
    st.session_state[JOINED] = code


def submit(code: str) -> None:
    opened = _store()
    if opened is None:
        return
    try:
        sent = rooms.submit(
            opened,
            code,
            participant(),
            pin=str(st.session_state.get(PIN)),
            p_target=int(st.session_state.get(GUESS, 50)) / 100,
            name=str(st.session_state.get(NAME, "")),
            proposal=str(st.session_state.get(PROPOSAL, "")),
        )
    except kpi_store.StoreError as error:
        _say("error", errors.markdown(error))
        return
    st.session_state[SENT] = {**(st.session_state.get(SENT) or {}), code: sent.pin}
    _say("success", t("room.sent"))


# ----------------------------------------------------------------------------- what it shows


def pins(plan: KpiSet) -> list[str]:
    """The levers a participant may name, in funnel order."""
    return [lever.path for lever in levers.levers(plan)]


def join_address(code: str) -> str:
    """The join link: no language in it, so each phone opens in its own."""
    return workshop_page.address({PARAM: code}, "room")


def qr_png(text: str) -> bytes:
    """``text`` as a QR code (PNG), large enough to scan from the back of a room."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def answer(room: rooms.Room) -> tuple[str, float]:
    """The simulated center pin and P(target) of the room's plan."""
    plan_json = room.plan.to_json()
    return cache.quick_center_pin(plan_json).center_pin, cache.numbers(plan_json).p_target


def pin_chart_input(
    room: rooms.Room, found: rooms.Guesses, pin: str | None
) -> tuple[list[str], list[int], int | None]:
    """Bars for the levers named (and for the answer, even if nobody named it)."""
    paths = list(found.pins)
    if pin is not None and pin not in paths:
        paths.append(pin)
    names = [tables.lever_label(path, room.plan) for path in paths]
    counts = [found.pins.get(path, 0) for path in paths]
    return names, counts, None if pin is None else paths.index(pin)


def pin_labels() -> dict[str, str]:
    return {"title": t("room.chart_pins"), "x": t("room.chart_people")}


def p_labels() -> dict[str, str]:
    return {
        "title": t("room.chart_p"),
        "x": t("metric.p_target"),
        "y": t("room.chart_people"),
        "guesses": t("room.guesses"),
        "answer": t("room.answer_line"),
    }


def proposals_table(found: Sequence[rooms.Submission], plan: KpiSet) -> dict[str, list[str]]:
    """Names and proposals as table columns: shown as text, never as markup."""
    shown = [s for s in found if s.proposal]
    return {
        t("room.col_name"): [s.name or t("room.anonymous") for s in shown],
        t("room.col_pin"): [tables.lever_label(s.pin, plan) for s in shown],
        t("room.col_proposal"): [s.proposal for s in shown],
    }
