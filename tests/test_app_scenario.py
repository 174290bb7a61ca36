"""One scenario across pages under AppTest: every page's link, hand-offs in one click, and
the same P(target) wherever the same scenario is shown."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator import kpi_sets as kpi_store
from tests.conftest import ROOT
from ui import session, widgets
from ui.plans import sample

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))
PLAN = "jp_smb_saas"
TRIALS = "10000"


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'scenario.db'}"
    monkeypatch.setenv(kpi_store.ENV_URL, url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_resource.clear()


def _app(query: dict[str, str | list[str]], page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _query(at: AppTest) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}


def _metric(at: AppTest, label: str) -> str:
    [value] = [m.value for m in at.metric if m.label == label]
    return value


@pytest.mark.parametrize("page", PAGES)
def test_every_page_writes_language_plan_revision_and_scenario_in_its_link(
    page: str, db_url: str
) -> None:
    store = kpi_store.Store(db_url)
    plan = sample(PLAN)
    store.create("リンク", plan)
    store.save("リンク", plan.model_copy(update={"open_opportunities": 3}), base_revision=1)
    query = {
        "lang": "en",
        "plan": "set:リンク",
        "rev": "1",
        "trials": TRIALS,
        "target": "1850000",
        "lever:team.reps": "9",
    }
    at = _app(query, page)
    assert session.lang(at.session_state) == "en"
    assert at.session_state[session.PLAN] == "set:リンク"
    assert at.session_state[session.REVISION] == 1
    assert at.session_state[session.TARGET] == 1_850_000.0
    assert at.session_state[session.LEVER("team.reps")] == 9
    written = _query(at)
    for key, value in query.items():
        assert written[key] == [value], (key, written)
    assert not any("e+" in v for values in written.values() for v in values), written


def test_a_link_to_a_revision_the_set_lacks_opens_its_newest(db_url: str) -> None:
    kpi_store.Store(db_url).create("一つだけ", sample(PLAN))
    at = _app({"plan": "set:一つだけ", "rev": "7", "trials": TRIALS})
    assert at.session_state[session.REVISION] == 1
    assert _query(at)["rev"] == ["1"]
    assert any("r7" in w.value or "7" in w.value for w in at.warning)
    assert len(at.metric) == 4


def test_reverse_and_center_pin_start_from_the_what_if_scenario(db_url: str) -> None:
    at = _app({"plan": PLAN, "trials": TRIALS, "lang": "en"})
    at.number_input(key=session.TARGET).set_value(200_000_000.0).run()
    at.slider(key=session.CONFIDENCE).set_value(70).run()
    at.number_input(key=session.LEVER("team.reps")).set_value(7).run()
    p_whatif = _metric(at, "P(target)")

    at.switch_page("app_pages/reverse.py").run()
    assert not at.exception
    assert at.number_input(key=session.TARGET).value == 200_000_000.0
    assert at.slider(key=session.CONFIDENCE).value == 70
    assert _metric(at, "P(target) of the plan") == p_whatif
    assert at.metric[2].label == "P(target) at the required value"
    assert "with probability 70%" in at.success[0].value
    assert _query(at)["target"] == ["200000000"]

    at.switch_page("app_pages/center_pin.py").run()
    assert not at.exception
    assert _metric(at, "P(target)") == p_whatif
    assert any(f"{10_000:,}" in c.value and "20,000" in c.value for c in at.caption)


def test_a_target_set_on_the_reverse_page_is_the_what_if_target(db_url: str) -> None:
    at = _app({"plan": PLAN, "trials": TRIALS}, "app_pages/reverse.py")
    # In Japanese a yen target is entered in 万円, under the shown key; the session keeps yen.
    at.number_input(key=widgets.SHOWN(session.TARGET)).set_value(30_000.0).run()
    assert at.session_state[session.TARGET] == 300_000_000.0
    at.switch_page("app_pages/whatif.py").run()
    assert at.number_input(key=widgets.SHOWN(session.TARGET)).value == 30_000.0
    assert at.session_state[session.TARGET] == 300_000_000.0
    assert _query(at)["target"] == ["300000000"]


def test_the_solved_plan_opens_on_the_what_if_page_in_one_click(db_url: str) -> None:
    at = _app({"plan": PLAN, "trials": TRIALS, "lang": "ja"}, "app_pages/reverse.py")
    at.button(key="reverse_use").click().run()
    assert not at.exception
    assert at.title[0].value == "What-if シミュレーター"  # no second click
    assert at.number_input(key=session.LEVER("team.reps")).value == 10
    assert float(at.metric[0].value.rstrip("%")) >= 80.0
    assert _query(at)["lever:team.reps"] == ["10"]


def test_the_reverse_pages_lever_is_in_its_link(db_url: str) -> None:
    at = _app({"plan": PLAN, "trials": TRIALS, "solve": "win_rate"}, "app_pages/reverse.py")
    assert at.selectbox(key="reverse_lever").value == "win_rate"
    assert _query(at)["solve"] == ["win_rate"]
    at.selectbox(key="reverse_lever").set_value("team.reps").run()
    assert "solve" not in _query(at)  # the first lever is the page's default


def test_center_pin_efforts_are_in_its_link(db_url: str) -> None:
    query = {
        "plan": PLAN,
        "trials": TRIALS,
        "effort:win_rate": "2",
        "effort:team.reps": "1500000",
        "effort_unit": "yen",
    }
    at = _app(query, "app_pages/center_pin.py")
    assert at.radio(key="pin_effort_unit").value == "yen"
    written = _query(at)
    assert written["effort:team.reps"] == ["1500000"] and written["effort:win_rate"] == ["2"]
    assert written["effort_unit"] == ["yen"]
    assert "労力" in at.success[0].value  # ranked per unit of effort
    # Empty effort cells are empty, not the text "None".
    [editor] = [df.value for df in at.dataframe if len(df.value.columns) == 2]
    assert editor["effort"].isna().sum() == len(editor) - 2


def _library(db_url: str) -> AppTest:
    store = kpi_store.Store(db_url)
    plan = sample(PLAN)
    store.create("棚", plan)
    store.save("棚", plan.model_copy(update={"open_opportunities": 3}), base_revision=1)
    at = _app({"plan": "us_sdr", "lang": "en", "trials": TRIALS}, "app_pages/library.py")
    assert _query(at)["set"] == ["棚"]
    return at


def test_library_to_compare_keeps_language_and_plan(db_url: str) -> None:
    at = _library(db_url)
    next(b for b in at.button if b.key == "library_compare").click().run()
    assert not at.exception
    assert at.title[0].value == "Compare KPI sets"
    assert session.lang(at.session_state) == "en" and at.session_state[session.PLAN] == "us_sdr"
    written = _query(at)
    assert written["lang"] == ["en"] and written["plan"] == ["us_sdr"]
    assert written["compare"] == ["set:棚@1", "set:棚@2"]
    # (No further run: AppTest formats a chooser's options outside the session, in Japanese.)


def test_library_to_what_if_keeps_language_and_opens_the_set(db_url: str) -> None:
    at = _library(db_url)
    next(b for b in at.button if b.key == "library_open").click().run()
    assert not at.exception
    assert at.title[0].value == "What-if simulator"
    assert session.lang(at.session_state) == "en"
    written = _query(at)
    assert written["lang"] == ["en"] and written["plan"] == ["set:棚"] and written["rev"] == ["2"]


def test_a_compare_link_opens_the_same_plans(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    plan = sample(PLAN)
    store.create("比較リンク", plan)
    store.save("比較リンク", plan.model_copy(update={"open_opportunities": 3}), base_revision=1)
    query = {"plan": PLAN, "compare": ["set:比較リンク@1", "us_sdr", "set:比較リンク@2"]}
    at = _app(query, "app_pages/compare.py")
    assert list(at.dataframe[0].value.index) == [
        "比較リンク r1",
        sample("us_sdr").name,
        "比較リンク r2",
    ]
    assert _query(at)["compare"] == query["compare"]


def test_a_library_link_opens_the_same_set(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    store.create("甲", sample(PLAN))
    store.create("乙", sample("us_sdr"))
    at = _app({"plan": PLAN, "set": "甲"}, "app_pages/library.py")
    assert at.selectbox(key="library_set").value == "甲"
    assert at.subheader[0].value == "甲"
