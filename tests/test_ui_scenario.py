"""The scenario's link: numbers without exponents, what a link carries, how a session opens
from one (pure functions over plain dicts, no app)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_plan
from ui import scenario, session

FINITE = st.floats(allow_nan=False, allow_infinity=False)


@given(FINITE)
def test_url_numbers_have_no_exponent_and_read_back_exactly(value: float) -> None:
    text = scenario.url_number(value)
    assert "e" not in text.lower() and "inf" not in text.lower(), text
    assert scenario.parse_url_number(text) == value  # -0.0 reads back as 0.0, equal


def test_url_numbers_read_as_a_person_writes_them() -> None:
    assert scenario.url_number(1_850_000.0) == "1850000"
    assert scenario.url_number(250_000_000) == "250000000"
    assert scenario.url_number(0.0001) == "0.0001"
    assert scenario.url_number(1e-7) == "0.0000001"
    assert scenario.url_number(28.25) == "28.25"
    assert scenario.url_number(-3.0) == "-3"
    for bad in ("nan", "inf", "-inf", "", "1,000"):
        try:
            scenario.parse_url_number(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} read as a number")


@given(st.floats(min_value=1.0, max_value=1e15), st.floats(min_value=0.0, max_value=100.0))
def test_a_scenario_link_has_no_exponent_and_round_trips(target: float, high: float) -> None:
    plan = make_plan()
    base = scenario.defaults(plan)
    state: dict[str, Any] = dict(base)
    state[session.TARGET] = target
    state[session.LEVER("win_rate")] = (0.0, high)
    query = scenario.link(state, base, "en", "set:案", 3)
    assert all("e+" not in v and "e-" not in v for v in query.values()), query
    restored = base | scenario.from_query(query, base, plan).values
    assert restored[session.TARGET] == target
    assert restored[session.LEVER("win_rate")] == (0.0, high)


def test_a_link_names_language_plan_revision_and_the_changes_only() -> None:
    plan = make_plan()
    base = scenario.defaults(plan)
    assert scenario.link(base, base, "ja", "jp_smb_saas") == {"lang": "ja", "plan": "jp_smb_saas"}
    changed = base | {session.TARGET: 1_850_000.0, session.LEVER("team.reps"): 9}
    assert scenario.link(changed, base, "en", "set:A", 2) == {
        "lang": "en",
        "plan": "set:A",
        "rev": "2",
        "target": "1850000",
        "lever:team.reps": "9",
    }


def test_unreadable_link_values_are_left_out() -> None:
    plan = make_plan()
    base = scenario.defaults(plan)
    query = {"target": "nan", "confidence": "8.5", "lever:team.reps": "1e400", "seed": "inf"}
    reading = scenario.from_query(query, base, plan)
    assert reading.values == {} and reading.dropped == list(query)
    assert scenario.from_query({"target": "1.85e+06"}, base, plan).values == {
        session.TARGET: 1_850_000.0
    }


PLANS = ["jp_smb_saas", "us_sdr", "set:A"]


def test_a_session_opens_on_the_links_language_plan_and_revision() -> None:
    state: dict[str, Any] = {}
    query = {"lang": ["en"], "plan": ["set:A"], "rev": ["2"], "target": ["5"], "solve": ["x"]}
    session.open_link(query, PLANS, state)
    assert session.lang(state) == "en"
    assert session.plan_id(state) == "set:A" and session.revision(state) == 2
    assert session.PLAN_MISSING not in state
    # Each page takes its own values from the link, once.
    assert session.from_link(["target", "nope"], state) == {"target": ["5"]}
    assert session.from_link(["target"], state) == {}
    assert session.from_link(["solve"], state) == {"solve": ["x"]}


def test_a_link_to_a_missing_plan_opens_the_default_and_gives_nothing_else() -> None:
    state: dict[str, Any] = {}
    session.open_link({"plan": ["set:gone"], "rev": ["3"], "target": ["5"]}, PLANS, state)
    assert session.plan_id(state) == "jp_smb_saas" and session.revision(state) is None
    assert state[session.PLAN_MISSING] == "set:gone"
    assert session.from_link(["target"], state) == {}


def test_a_link_without_a_plan_is_about_the_default_plan() -> None:
    state: dict[str, Any] = {}
    session.open_link({"lever:win_rate": ["15~25"]}, PLANS, state)
    assert session.plan_id(state) == "jp_smb_saas"
    assert session.from_link(["lever:win_rate"], state) == {"lever:win_rate": ["15~25"]}


def test_link_values_are_dropped_once_another_plan_is_opened() -> None:
    state: dict[str, Any] = {}
    session.open_link({"plan": ["us_sdr"], "rev": ["x"], "solve": ["win_rate"]}, PLANS, state)
    assert session.revision(state) is None  # a revision must be a whole number
    session.open_plan("jp_smb_saas", None, state)
    assert session.from_link(["solve"], state) == {}


def test_hand_offs_name_the_next_page() -> None:
    state: dict[str, Any] = {}
    session.go_to("whatif", state)
    assert state[session.GOTO] == "whatif"


def test_widget_values_a_fragments_own_run_saw_come_back_in_the_next_whole_run() -> None:
    state: dict[str, Any] = {session.TARGET: 5.0, session.REVISION: 2}
    session.start_run(state)  # the app's script marks the run whole
    session.note_widget_values_in_fragment(state)  # the fragment within it: nothing to note
    assert session.FRAGMENT_VALUES not in state and session.WHOLE_RUN not in state

    state[session.TARGET] = 7.0  # the user moves a widget: the fragment runs alone
    session.note_widget_values_in_fragment(state)
    assert state[session.FRAGMENT_VALUES] == {session.TARGET: 7.0}
    del state[session.TARGET]  # a page switch next: Streamlit drops the value
    session.start_run(state)
    assert state[session.TARGET] == 7.0 and session.FRAGMENT_VALUES not in state


def test_scenario_values_lost_all_the_same_come_back_as_the_plans() -> None:
    base = scenario.defaults(make_plan())
    state: dict[str, Any] = {}
    session.start_scenario(base, state)
    del state[session.LEVER("win_rate")]  # as Streamlit drops a value it thinks stale
    assert not session.start_scenario(base, state)
    assert state[session.LEVER("win_rate")] == base[session.LEVER("win_rate")]
