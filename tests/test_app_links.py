"""Links under AppTest: every query parameter is read with bounds; a value that cannot be
used is dropped with one warning naming it, in the user's language, and no link crashes
the What-if page."""

from __future__ import annotations

import pytest
import streamlit as st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strat
from streamlit.testing.v1 import AppTest

from simulator import kpi_sets as kpi_store
from tests.conftest import ROOT
from ui import session
from ui.format import plain
from ui.i18n import t

PLAN = "jp_smb_saas"


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'links.db'}"
    monkeypatch.setenv(kpi_store.ENV_URL, url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_resource.clear()


def _open(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def link_warning(lang: str, *items: str) -> str:
    """The app's one warning for a link's dropped values, as the user reads it."""
    return t("app.link_dropped", lang, items=plain(", ".join(items)))


def allowed(lang: str, item: str, what: str) -> str:
    """One dropped value with what is allowed in its place."""
    return t("app.link_item_allowed", lang, item=item, allowed=what)


def _link_warnings(at: AppTest, lang: str) -> list[str]:
    head = t("app.link_dropped", lang, items="").split("：")[0].split(":")[0]
    return [w.value for w in at.warning if w.value.startswith(head)]


#: Crafted links that once crashed the page or were silently changed.
BAD = {
    "trials": ["inf", "2000000", "-5", "1500"],
    "confidence": ["500", "-1", "nan", "8.5"],
    "target": ["nan", "1e308", "-1", "1" * 5000],
    "lever:win_rate": ["-5~3", "50~20", "500", "1e400"],
    "lever:deal_size": ["inf", "1e308"],
    "lever:team.reps": ["1e9", "-3", "2.5"],
    "lever:sales_cycle_months": ["1e6"],
    "seed": ["-1", "1e30"],
    "working_days_on": ["7"],
    "hires": ["garbage", "2027-13:+1", "2027-05:+100000", ",".join(["2027-05:+1"] * 121)],
    "rev": ["abc", "9" * 30],
    "lang": ["xx"],
    "lever:nosuch": ["3"],
    "unknown": ["1"],
}


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in BAD.items() for value in values]
)
def test_a_bad_link_value_is_dropped_with_a_warning_naming_it(
    db_url: str, name: str, value: str
) -> None:
    at = _open({"lang": "en" if name != "lang" else value, "plan": PLAN, name: value})
    assert not at.exception, [e.message for e in at.exception]
    lang = "en" if name != "lang" else "ja"
    # Exactly the value, as text: nothing else of the session's may reach the warning.
    assert _link_warnings(at, lang) == [link_warning(lang, f"{name}={value[:80]}")]
    assert [m for m in at.metric if m.label == t("metric.p_target", lang)]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_an_unknown_name_is_named_with_its_value_and_nothing_else(db_url: str, lang: str) -> None:
    at = _open({"lang": lang, "plan": PLAN, "bogus": "1", "trials": "inf"})
    assert _link_warnings(at, lang) == [link_warning(lang, "bogus=1", "trials=inf")]


def test_the_warning_is_in_the_users_language_and_shown_once(db_url: str) -> None:
    at = _open({"lang": "ja", "plan": PLAN, "trials": "inf", "seed": "-1"})
    [warning] = _link_warnings(at, "ja")
    assert warning.startswith("リンクの次の値") and "trials=inf" in warning
    at.run()  # the next run: the link was read once, its problems shown once
    assert not _link_warnings(at, "ja")


def test_good_values_beside_a_bad_one_still_apply(db_url: str) -> None:
    at = _open({"lang": "en", "plan": PLAN, "trials": "inf", "confidence": "70"})
    assert at.session_state[session.CONFIDENCE] == 70
    assert "trials=inf" in _link_warnings(at, "en")[0]


def test_an_unknown_plan_opens_the_default_with_a_warning(db_url: str) -> None:
    at = _open({"lang": "en", "plan": "no_such_sample"})
    assert not at.exception
    assert at.session_state[session.PLAN] == "jp_smb_saas"
    assert any("no\\_such\\_sample" in w.value for w in at.warning)


def test_page_parameters_out_of_range_are_dropped_with_a_warning(db_url: str) -> None:
    query = {"lang": "en", "plan": PLAN, "solve": "nosuch", "effort:team.reps": "1e308"}
    at = _open(query)
    at.switch_page("app_pages/reverse.py").run()
    assert not at.exception
    assert "solve=nosuch" in _link_warnings(at, "en")[0]
    at = _open(query | {"solve": "team.reps"})
    at.switch_page("app_pages/center_pin.py").run()
    assert not at.exception
    assert "effort\\:team\\.reps=1e308" in _link_warnings(at, "en")[0]


NAMES = strat.sampled_from(
    [
        *sorted(session.LINK_NAMES - {"plan"}),
        "lever:win_rate",
        "lever:team.reps",
        "lever:deal_size",
        "lever:x",
        "effort:win_rate",
    ]
)
NUMBERS = strat.one_of(
    strat.floats(allow_nan=True, allow_infinity=True).map(repr),
    strat.integers(-(10**30), 10**30).map(str),
)
VALUES = strat.one_of(
    NUMBERS,
    strat.tuples(NUMBERS, NUMBERS).map("~".join),
    strat.text(max_size=30),
    strat.lists(strat.tuples(strat.text("0123456789-", max_size=8), NUMBERS), max_size=3).map(
        lambda items: ",".join(f"{m}:{c}" for m, c in items)
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(strat.dictionaries(strat.one_of(NAMES, strat.text(max_size=12)), VALUES, max_size=5))
def test_no_query_string_crashes_the_what_if_page(db_url: str, query: dict[str, str]) -> None:
    at = _open({"plan": PLAN, "trials": "1000"} | query)
    assert not at.exception, (query, [e.message for e in at.exception])
    # The page answers: P(target), or a message naming what to fix.
    assert (
        any(m.label in (t("metric.p_target", "ja"), t("metric.p_target", "en")) for m in at.metric)
        or at.error
    )


PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES)
def test_every_name_a_page_writes_in_its_link_is_one_a_link_may_carry(
    db_url: str, page: str
) -> None:
    """Or a copied link would warn about its own names."""
    at = _open({"lang": "en", "plan": PLAN, "trials": "1000", "confidence": "70"})
    at.switch_page(page).run()
    assert not at.exception
    assert all(session.is_link_name(name) for name in at.query_params), dict(at.query_params)
    assert not _link_warnings(at, "en")


def test_the_boards_slots_are_the_links():
    from simulator import scenarios

    assert scenarios.SLOTS == session.LINK_BOARD_SLOTS


def test_the_presentation_layout_stays_in_the_what_if_link(db_url: str) -> None:
    """The What-if page rewrites its whole link on every move; present=1 stays in it."""
    at = _open({"lang": "ja", "plan": PLAN, "trials": "1000", "present": "1"})
    assert not at.exception
    assert at.query_params["present"] == "1"
    reps = at.number_input(key=session.LEVER("team.reps"))
    reps.set_value(reps.value + 1).run()
    assert at.query_params["present"] == "1" and "lever:team.reps" in at.query_params
