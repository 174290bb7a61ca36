"""Every page under AppTest, in both languages, and the KGI逆算 page's behaviour."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator import kpi_sets as kpi_store
from tests.conftest import ROOT, make_plan

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))


@pytest.fixture(autouse=True)
def _fresh_caches(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(kpi_store.ENV_URL, f"sqlite:///{tmp_path / 'pages.db'}")
    st.cache_data.clear()
    st.cache_resource.clear()


def _open(page: str, lang: str = "ja", plan: str = "jp_enterprise") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.query_params["plan"] = plan
    at.query_params["trials"] = "10000"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_pages_live_in_app_pages_not_pages() -> None:
    # Streamlit reads a top-level pages/ folder as its older multipage layout, even when
    # app.py navigates with st.navigation: its scripts would appear as extra pages.
    assert not (ROOT / "pages").exists(), "keep page scripts in app_pages/"
    assert PAGES, "no page scripts in app_pages/"


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(page: str, lang: str, tmp_path) -> None:
    kpi_store.Store(f"sqlite:///{tmp_path / 'pages.db'}").create(
        "保存済み", make_plan(simulation={"trials": 2000, "seed": 3})
    )
    at = _open(page, lang)
    assert at.title and (at.metric or at.success or at.dataframe)
    assert not at.error


def test_reverse_page_gives_both_answers_in_japanese() -> None:
    at = _open("app_pages/reverse.py", "ja", "jp_smb_saas")
    labels = [m.label for m in at.metric]
    assert labels == ["今の計画の達成確率", "単純逆算での達成確率", "必要な値での達成確率"]
    now, plain, solved = (float(m.value.rstrip("%")) for m in at.metric)
    assert plain < 80.0  # central values alone land near one half
    assert solved >= 80.0 - 0.5 and now < 80.0
    assert "確率 80% で目標に届くには" in at.success[0].value
    steps = at.markdown[0].value
    assert steps.startswith("1. 目標受注金額") and "受注率" in steps


def test_reverse_page_in_english_and_a_changed_confidence() -> None:
    at = _open("app_pages/reverse.py", "en", "jp_smb_saas")
    at.selectbox(key="reverse_lever").set_value("deal_size").run()
    at.slider(key="confidence").set_value(90).run()
    assert not at.exception
    assert at.metric[2].label == "P(target) at the required value"
    assert float(at.metric[2].value.rstrip("%")) >= 89.5
    assert "with probability 90%" in at.success[0].value


def test_unreachable_goal_says_so() -> None:
    at = _open("app_pages/reverse.py", "en", "jp_smb_saas")
    at.number_input(key="target").set_value(5e10).run()
    at.selectbox(key="reverse_lever").set_value("win_rate").run()
    assert not at.exception
    assert at.metric[2].value == "—"
    assert "exceed 100%" in at.error[0].value


def test_result_opens_as_the_what_if_scenario() -> None:
    at = _open("app_pages/reverse.py", "ja", "jp_smb_saas")
    at.button(key="reverse_use").click().run()
    at.switch_page("app_pages/whatif.py").run()
    assert not at.exception
    assert at.number_input(key="lever:team.reps").value == 10
    assert float(at.metric[0].value.rstrip("%")) >= 80.0
    assert at.metric[0].delta.startswith("+")


def _ranking(at: AppTest):
    """The center pin's ranking: the first table of more than two columns (the effort
    editor has two; the lever details below show the same rows)."""
    return next(df.value for df in at.dataframe if len(df.value.columns) > 2)


def test_center_pin_page_names_the_pin_and_ranks_levers() -> None:
    at = _open("app_pages/center_pin.py", "ja", "jp_smb_saas")
    assert at.success[0].value.startswith("センターピンは「")
    ranking = _ranking(at)
    assert len(ranking) == 13  # every lever of the plan
    gains = ranking["受注金額の増加"].tolist()
    assert gains == sorted(gains, reverse=True)
    assert len(at.get("plotly_chart")) == 3


def test_center_pin_page_analyses_the_what_if_scenario() -> None:
    at = _open("app_pages/whatif.py", "en", "jp_smb_saas")
    at.number_input(key="lever:team.reps").set_value(12).run()
    at.switch_page("app_pages/center_pin.py").run()
    assert not at.exception
    assert "what-if scenario" in at.caption[0].value
    ranking = _ranking(at)
    assert ranking.loc[ranking["Lever"] == "Reps at start", "Now (median)"].item() == "12"
