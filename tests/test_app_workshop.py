"""The workshop pages under AppTest, in both languages: the scenario board (its figures
against a direct simulation, its link, adding, removing, saving), the presentation layout
(toggle and link), and the room (open, join, guess, reveal, closed, bad links)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from simulator import center_pin, engine, scenarios
from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import rooms
from tests.conftest import ROOT
from tests.test_app_language import EXPONENT, RAW, visible_texts
from tests.test_app_links import allowed, link_warning
from ui import presentation, room_page, session, workshop_page
from ui.format import percent, plain, points
from ui.i18n import t
from ui.plans import sample
from ui.tables import lever_label

BOARD = "app_pages/workshop.py"
ROOM = "app_pages/room.py"
PLAN_ID = "jp_smb_saas"


def open_page(page: str | None, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def styled(at: AppTest) -> bool:
    return any("font-size: 56px" in m.value for m in at.markdown)


def expected(*codes: str) -> list[scenarios.Outcome]:
    plan = sample(PLAN_ID)
    base = engine.simulate(scenarios.aligned(plan, plan))
    runs = [scenarios.aligned(scenarios.preset_plan(plan, c), plan) for c in codes]
    return [scenarios.outcome(base, base)] + [
        scenarios.outcome(base, engine.simulate(p)) for p in runs
    ]


# ----------------------------------------------------------------------------- the board


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_board_shows_each_preset_against_the_plan_as_a_direct_run_does(
    lang: str, db_url: str
) -> None:
    at = open_page(
        BOARD, {"lang": lang, "plan": PLAN_ID, "wsA": "win3", "wsB": "hire2", "wnA": "営業強化"}
    )
    assert at.title[0].value == t("workshop.title", lang)
    assert not at.warning and not at.error
    base, win, hire = expected("win3", "hire2")
    labels = [m.label for m in at.metric]
    assert labels == [t("metric.p_target", lang), t("metric.p50", lang)] * 3
    values = [m.value for m in at.metric]
    assert values[0::2] == [percent(o.p_target) for o in (base, win, hire)]
    assert [m.delta for m in at.metric][2::2] == [
        points(win.delta_p_target),
        points(hire.delta_p_target),
    ]
    assert win.delta_p_target > 0 and hire.delta_p_target > 0
    headers = [m.value for m in at.markdown if m.value.startswith("**")]
    hired = t("workshop.preset.hire", lang, count=2)
    assert headers[:3] == [
        f"**{plain(t('workshop.baseline', lang))}**",
        f"**{plain('A: 営業強化')}**",
        f"**{plain('B: ' + hired)}**",
    ]
    # The board stays in the address bar, and each scenario has its what-if link.
    assert at.query_params["wsA"] == "win3" and at.query_params["wnA"] == "営業強化"
    links = [c.value for c in at.code]
    assert any("lever%3Awin_rate=" in link and f"lang={lang}" in link for link in links)
    assert any("hires=" in link for link in links)


def test_a_scenario_from_the_sliders_joins_the_board_and_its_link(db_url: str) -> None:
    at = open_page(None, {"lang": "ja", "plan": PLAN_ID})
    at.session_state[session.LEVER("win_rate")] = (30.0, 30.0)
    at.switch_page(BOARD)
    ok(at)
    at.text_input(key=workshop_page.NEW_NAME).set_value("受注率30%案")
    at.button(key=workshop_page.ADD).click()
    ok(at)
    spec = at.query_params["wsA"]
    assert scenarios.decode_spec(spec) == {"lever:win_rate": "30"}
    assert at.query_params["wnA"] == "受注率30%案"
    p_targets = [float(m.value.rstrip("%")) for m in at.metric[0::2]]
    assert p_targets[1] > p_targets[0]
    # A copied link opens the same board with the same figures.
    again = open_page(BOARD, {"lang": "ja", "plan": PLAN_ID, "wsA": spec, "wnA": "受注率30%案"})
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


def test_the_board_holds_four_and_one_can_be_removed(db_url: str) -> None:
    at = open_page(BOARD, {"lang": "en", "plan": PLAN_ID})
    assert at.info[0].value == t("workshop.empty", "en")
    at.text_input(key=workshop_page.NEW_NAME).set_value("Plan\u202eA")  # a hidden override
    at.button(key=workshop_page.ADD).click()
    ok(at)
    assert [e.value for e in at.error] == [
        t("workshop.name_refused", "en", most=scenarios.MAX_NAME)
    ]
    assert len(at.metric) == 2 and "wsA" not in at.query_params
    at.text_input(key=workshop_page.NEW_NAME).set_value("")
    for code in scenarios.PRESET_CODES:
        at.radio(key=workshop_page.NEW_SOURCE).set_value(code)
        at.button(key=workshop_page.ADD).click()
        ok(at)
    assert len(at.metric) == 10
    assert at.button(key=workshop_page.ADD).disabled
    assert t("workshop.full", "en", count=4) in [c.value for c in at.caption]
    at.button(key=workshop_page.REMOVE("B")).click()
    ok(at)
    assert len(at.metric) == 8 and "wsB" not in at.query_params
    assert not at.button(key=workshop_page.ADD).disabled
    assert at.button(key=workshop_page.ADD).label == t("workshop.add", "en", slot="B")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_values_a_link_cannot_give_are_dropped_with_one_warning(lang: str, db_url: str) -> None:
    at = open_page(
        BOARD,
        {
            "lang": lang,
            "plan": PLAN_ID,
            "wsA": "win3",
            "wnA": "x" * (scenarios.MAX_NAME + 1),
            "wsB": "bogus",
            "wsC": "q;lever:win_rate=abc",
            "wsD": "q;lever:nowhere=3",
        },
    )
    dropped = ["wnA=" + "x" * (scenarios.MAX_NAME + 1), "wsB=bogus"]
    dropped += ["wsC=q;lever:win_rate=abc", "wsD=q;lever:nowhere=3"]
    assert [w.value for w in at.warning] == [link_warning(lang, *dropped)]
    assert len(at.metric) == 4  # the baseline and A, which the link could give
    assert at.query_params["wsA"] == "win3" and "wsB" not in at.query_params


def test_a_scenario_is_saved_as_a_kpi_set(db_url: str) -> None:
    at = open_page(BOARD, {"lang": "ja", "plan": PLAN_ID, "wsA": "win3"})
    at.text_input(key="save_name_workshop_A").set_value("FY27 受注率改善案")
    next(b for b in at.button if b.label == t("save.submit", "ja")).click()
    ok(at)
    store = kpi_store.Store(db_url)
    try:
        saved = store.revision("FY27 受注率改善案").plan
    finally:
        store.close()
    plan = sample(PLAN_ID)
    assert saved.win_rate == scenarios.preset_plan(plan, "win3").win_rate
    assert saved.target == plan.target and saved.simulation.seed == plan.simulation.seed


# ----------------------------------------------------------------------------- presentation


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_present_in_the_link_opens_the_presentation_layout_with_a_way_out(
    lang: str, db_url: str
) -> None:
    at = open_page(BOARD, {"lang": lang, "plan": PLAN_ID, "wsA": "win3", "present": "1"})
    assert styled(at) and at.toggle(key=presentation.PRESENT).value
    leave = at.button(key=presentation.EXIT)
    assert leave.label == t("present.exit", lang)
    assert at.query_params["present"] == "1"
    leave.click()
    ok(at)
    assert not styled(at) and "present" not in at.query_params
    assert not at.toggle(key=presentation.PRESENT).value
    assert len(at.metric) == 4  # the page itself is unchanged


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_bad_present_value_warns_once_and_the_page_still_works(lang: str, db_url: str) -> None:
    at = open_page(None, {"lang": lang, "plan": PLAN_ID, "present": "yes"})
    present = allowed(lang, "present=yes", t("present.link_allowed", lang))
    assert [w.value for w in at.warning] == [link_warning(lang, present)]
    assert not styled(at) and at.metric
    ok(at)
    assert not at.warning  # once


def test_the_sidebar_toggle_switches_any_page_to_the_presentation_layout(db_url: str) -> None:
    at = open_page(None, {"lang": "ja", "plan": PLAN_ID})
    assert not styled(at)
    at.toggle(key=presentation.PRESENT).set_value(True)
    ok(at)
    assert styled(at)
    at.switch_page(BOARD)
    ok(at)
    assert styled(at) and at.query_params["present"] == "1"  # on from page to page
    assert presentation.read_link({"present": ["0"]}) == (False, False)
    assert presentation.read_link({"present": ["2"]}) == (None, True)
    assert presentation.read_link({}) == (None, False)


# ----------------------------------------------------------------------------- the room


def participant(code: str, lang: str) -> AppTest:
    return open_page(ROOM, {"lang": lang, "room": code})


def send(at: AppTest, pin_label: str, guess: int, name: str = "", proposal: str = "") -> None:
    at.text_input(key=room_page.NAME).set_value(name)
    box = at.selectbox(key=room_page.PIN)
    box.select_index(box.options.index(pin_label))
    at.slider(key=room_page.GUESS).set_value(guess)
    at.text_area(key=room_page.PROPOSAL).set_value(proposal)
    next(b for b in at.button if b.label == t("room.send", at.session_state[session.LANG])).click()
    ok(at)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_room_is_opened_joined_guessed_and_revealed(lang: str, db_url: str) -> None:
    host = open_page(ROOM, {"lang": lang, "plan": PLAN_ID})
    assert host.title[0].value == t("room.title", lang)
    assert host.dataframe  # the levers participants will choose from
    host.button(key=room_page.OPEN).click()
    ok(host)
    code = host.session_state[room_page.HOST]
    assert [m.value for m in host.metric] == [code, "0 / 50"]
    assert any(f"/room?room={code}" in c.value for c in host.code)

    plan = sample(PLAN_ID)
    guest = participant(code.lower(), lang)  # as typed on a phone
    assert guest.title[0].value == t("room.join_title", lang)
    assert guest.query_params["room"] == code
    win = lever_label("win_rate", plan, lang)
    assert win in guest.selectbox(key=room_page.PIN).options
    send(guest, win, 40, "<b>Ann</b>", "[x](javascript:alert(1)) 受注率 +3pt")
    assert [s.value for s in guest.success] == [t("room.sent", lang)]

    ok(host)
    assert host.metric[1].value == "1 / 50"
    table = host.dataframe[0].value
    assert table.iloc[0].tolist() == ["<b>Ann</b>", win, "[x](javascript:alert(1)) 受注率 +3pt"]

    host.button(key=room_page.REVEAL).click()
    ok(host)
    pin = center_pin.analyse(plan, trials=10_000, required=False).center_pin
    p = engine.simulate(plan).p_target()[0]
    shown = {m.label: m.value for m in host.metric}
    assert shown[t("room.answer_pin", lang)] == lever_label(pin, plan, lang)
    assert shown[t("room.answer_p", lang)] == percent(p)
    assert shown[t("room.hits", lang)] == f"{int(pin == 'win_rate')} / 1"
    assert shown[t("room.median_guess", lang)] == percent(0.4)
    # The reveal closes the room: the participant sees the answer and can send no more.
    ok(guest)
    assert [e.value for e in guest.error] == [t("store_errors.room.closed", lang)]
    assert {m.label: m.value for m in guest.metric}[t("room.answer_p", lang)] == percent(p)
    # The facilitator leaves the room's screen: the page offers a new room again.
    host.button(key=room_page.LEAVE).click()
    ok(host)
    assert host.button(key=room_page.OPEN) and not host.metric


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_closed_room_refuses_a_guess_with_a_message(lang: str, db_url: str) -> None:
    store = kpi_store.Store(db_url)
    try:
        past = datetime.now(UTC) - timedelta(hours=1)
        code = rooms.open_room(store, sample(PLAN_ID), minutes=30, now=past).code
    finally:
        store.close()
    guest = participant(code, lang)
    closed = t("store_errors.room.closed", lang)
    assert [e.value for e in guest.error] == [closed]
    assert next(b for b in guest.button if b.label == t("room.send", lang)).disabled


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_bad_room_links_say_so_in_the_users_language(lang: str, db_url: str) -> None:
    bad = open_page(ROOM, {"lang": lang, "room": "<script>"})
    room = allowed(lang, "room=<script>", t("room.link_allowed", lang))
    assert [w.value for w in bad.warning] == [link_warning(lang, room)]
    assert bad.title[0].value == t("room.title", lang)  # the page still works
    unknown = open_page(ROOM, {"lang": lang, "room": "0" * rooms.CODE_LENGTH})
    assert [e.value for e in unknown.error] == [plain(t("store_errors.room.not_found", lang))]
    assert unknown.text_input(key=room_page.CODE_INPUT)  # a code can be typed instead


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_plan_key_or_dotted_path_reaches_the_full_board_or_the_revealed_room(
    lang: str, db_url: str
) -> None:
    board = open_page(
        BOARD,
        {"lang": lang, "plan": PLAN_ID, "present": "1"}
        | {f"ws{slot}": code for slot, code in zip("ABCD", scenarios.PRESET_CODES, strict=True)},
    )
    host = open_page(ROOM, {"lang": lang, "plan": PLAN_ID})
    host.button(key=room_page.OPEN).click()
    ok(host)
    guest = participant(host.session_state[room_page.HOST], lang)
    send(guest, lever_label("team.calls_per_rep_per_day", sample(PLAN_ID), lang), 70)
    host.button(key=room_page.REVEAL).click()
    ok(host)
    for at in (board, host, guest):
        texts = [text for text in visible_texts(at) if "<style>" not in text]
        raw = sorted({m.group(0) for text in texts for m in RAW.finditer(text)})
        assert not raw, raw
        assert not [text for text in texts if EXPONENT.search(text)]


def test_every_key_the_workshop_pages_hold_is_declared(db_url: str) -> None:
    board = open_page(BOARD, {"lang": "ja", "plan": PLAN_ID, "wsA": "win3", "present": "1"})
    board.button(key=workshop_page.ADD).click()
    ok(board)
    host = open_page(ROOM, {"lang": "ja", "plan": PLAN_ID})
    host.button(key=room_page.OPEN).click()
    ok(host)
    guest = participant(host.session_state[room_page.HOST], "ja")
    send(guest, lever_label("win_rate", sample(PLAN_ID), "ja"), 30)
    host.button(key=room_page.REVEAL).click()
    ok(host)
    for at in (board, host, guest):
        undeclared = [
            key
            for key in at.session_state
            if session.kind(key) is None and not key.startswith("FormSubmitter:")
        ]
        assert not undeclared, undeclared


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_host_link_opens_the_rooms_screen_again_and_a_wrong_key_only_joins(
    lang: str, db_url: str
) -> None:
    host = open_page(ROOM, {"lang": lang, "plan": PLAN_ID})
    host.button(key=room_page.OPEN).click()
    ok(host)
    code, key = host.query_params["room"], host.query_params["host"]
    assert code == host.session_state[room_page.HOST] and len(key) >= 20
    # A reload (a new session on the same address) shows the facilitator's screen again.
    again = open_page(ROOM, {"lang": lang, "room": code, "host": key})
    assert again.session_state[room_page.HOST] == code
    assert [m.value for m in again.metric] == [code, "0 / 50"]
    assert not again.warning
    # The join link and its QR code never carry the key.
    assert all(key not in c.value for c in again.code)
    # A wrong key: the join page, with a warning; the screen's buttons are not there.
    guest = open_page(ROOM, {"lang": lang, "room": code, "host": "x" * 32})
    key = allowed(lang, room_page.HOST_PARAM, t("room.host_link_allowed", lang))
    assert [w.value for w in guest.warning] == [link_warning(lang, key)]
    assert "x" * 32 not in guest.warning[0].value  # a key is never shown
    assert guest.title[0].value == t("room.join_title", lang)
    assert not [b for b in guest.button if b.key == room_page.REVEAL]
