"""The what-if page under Streamlit's AppTest, in both languages."""

from __future__ import annotations

import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator import kpi_sets as kpi_store
from simulator import levers
from tests.conftest import ROOT
from ui import widgets
from ui.plans import sample, sample_ids

TRIALS = 10_000


@pytest.fixture(autouse=True)
def _fresh_caches(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(kpi_store.ENV_URL, f"sqlite:///{tmp_path / 'whatif.db'}")
    st.cache_data.clear()
    st.cache_resource.clear()


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _p_target(at: AppTest) -> float:
    return float(at.metric[0].value.rstrip("%")) / 100


def _money(text: str) -> float:
    number = float(re.sub(r"[^0-9.]", "", text))
    if text.endswith("億円"):
        return number * 1e8
    if text.endswith("万円"):
        return number * 1e4
    return number * {"M": 1e6, "k": 1e3, "B": 1e9}.get(text[-1], 1)


def _p50(at: AppTest) -> float:
    return _money(at.metric[1].value)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("plan_id", sample_ids())
def test_page_runs_in_both_languages(lang: str, plan_id: str) -> None:
    at = _app({"lang": lang, "plan": plan_id})
    assert len(at.metric) == 4
    label = "目標達成確率" if lang == "ja" else "P(target)"
    assert at.metric[0].label == label
    assert at.title[0].value == ("What-if シミュレーター" if lang == "ja" else "What-if simulator")
    assert not at.error


def test_language_switch_keeps_the_scenario() -> None:
    at = _app({"plan": "jp_smb_saas", "trials": str(TRIALS)})
    at.slider(key="lever:win_rate").set_value((24.0, 30.0)).run()
    before = at.metric[0].value
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.metric[0].label == "P(target)"
    assert at.slider(key="lever:win_rate").label == "Win rate"
    assert at.slider(key="lever:win_rate").value == (24.0, 30.0)
    assert at.metric[0].value == before
    at.radio(key="lang").set_value("ja").run()
    assert at.metric[0].label == "目標達成確率"
    assert at.metric[0].value == before


def _raised(lever: levers.Lever, value: tuple[float, float] | int):
    if lever.kind == "reps":
        return value + 3
    low, high = value
    if lever.kind == "cycle":
        return (low + 2.0, high + 2.0)
    factor = 1.25
    return (round(low * factor, 1), round(high * factor, 1))


PLAN = "jp_smb_saas"
LEVERS = levers.levers(sample(PLAN))


@pytest.mark.parametrize("lever", LEVERS, ids=[lever.path for lever in LEVERS])
def test_each_lever_moves_the_headline_the_expected_way(lever: levers.Lever) -> None:
    at = _app({"plan": PLAN, "trials": str(TRIALS)})
    p_before, p50_before = _p_target(at), _p50(at)
    key = f"lever:{lever.path}"
    if lever.kind == "deal_size":  # in Japanese a yen amount is moved in 万円
        key = widgets.SHOWN(key)
    widget = at.number_input(key=key) if lever.kind == "reps" else at.slider(key=key)
    widget.set_value(_raised(lever, widget.value)).run()
    assert not at.exception and not at.error
    p_after, p50_after = _p_target(at), _p50(at)
    if lever.kind == "cycle":  # a longer sales cycle pushes revenue past the horizon
        assert p50_after < p50_before and p_after <= p_before
    else:
        assert p50_after > p50_before and p_after >= p_before
    # The delta against the baseline is shown with the scenario.
    assert at.metric[0].delta


def test_invalid_value_shows_an_error_and_no_chart() -> None:
    at = _app({"plan": PLAN, "trials": str(TRIALS), "lang": "ja"})
    assert len(at.get("plotly_chart")) == 3
    at.slider(key="lever:win_rate").set_value((0.0, 30.0)).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value.replace("\\", "")  # the markdown escapes of user text
    assert "受注率" in message and "下限" in message
    assert "win_rate" not in message  # the field as the glossary names it, not its key
    assert not at.metric
    assert not at.get("plotly_chart")


def test_target_and_confidence_move_the_odds() -> None:
    at = _app({"plan": PLAN, "trials": str(TRIALS)})
    p = _p_target(at)
    target = at.number_input(key=widgets.SHOWN("target"))  # in 万円, in Japanese
    target.set_value(target.value * 0.8).run()
    assert _p_target(at) > p


def test_url_round_trips_a_scenario() -> None:
    at = _app({"plan": PLAN, "trials": str(TRIALS)})
    at.slider(key="lever:win_rate").set_value((25.0, 31.0)).run()
    at.number_input(key="lever:team.reps").set_value(8).run()
    query = {k: v for k, v in at.query_params.items()}
    assert query["lever:win_rate"] in ("25~31", ["25~31"])
    shown = at.metric[0].value
    flat = {k: (v[0] if isinstance(v, list) else v) for k, v in query.items()}
    reopened = _app(flat)
    assert reopened.slider(key="lever:win_rate").value == (25.0, 31.0)
    assert reopened.number_input(key="lever:team.reps").value == 8
    assert reopened.metric[0].value == shown


def test_reset_returns_to_the_plan() -> None:
    at = _app({"plan": PLAN, "trials": str(TRIALS)})
    start = at.metric[0].value
    at.slider(key="lever:win_rate").set_value((25.0, 31.0)).run()
    assert at.metric[0].value != start
    at.button[0].click().run()
    assert at.slider(key="lever:win_rate").value == (20.0, 26.0)
    assert at.metric[0].value == start


def test_switching_plan_loads_its_values() -> None:
    at = _app({"plan": PLAN, "trials": str(TRIALS)})
    at.slider(key="lever:win_rate").set_value((25.0, 31.0)).run()
    at.selectbox(key="plan_id").set_value("us_sdr").run()
    assert not at.exception
    assert at.number_input(key="lever:team.reps").value == sample("us_sdr").team.reps
    assert at.metric[0].value.endswith("%")


def test_the_scenario_survives_a_visit_to_another_page() -> None:
    at = _app({"plan": "jp_smb_saas"})
    reps = at.number_input(key="lever:team.reps")
    moved = reps.value + 3
    reps.set_value(moved)
    at.run()
    before = _p_target(at)
    sliders = {s.key: s.value for s in at.slider}
    for page in ("app_pages/reverse.py", "app_pages/library.py", "app_pages/whatif.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="lever:team.reps").value == moved
    assert {s.key: s.value for s in at.slider} == sliders
    assert _p_target(at) == before


def test_money_is_entered_in_man_yen_in_japanese_and_kept_in_yen() -> None:
    at = _app({"plan": PLAN, "trials": str(TRIALS), "lang": "ja"})
    deal = at.slider(key=widgets.SHOWN("lever:deal_size"))
    assert deal.value == (60.0, 180.0)  # 600,000–1,800,000 yen, in 万円
    assert any(c.value == "＝ 600,000円〜1,800,000円" for c in at.caption)
    deal.set_value((70.0, 180.0)).run()
    assert at.session_state["lever:deal_size"] == (700_000.0, 1_800_000.0)
    target = at.number_input(key=widgets.SHOWN("target"))
    assert target.value == 25_000 and target.label == "目標受注金額（万円）"
    target.set_value(20_000).run()
    assert at.session_state["target"] == 200_000_000.0
    assert any(c.value == "＝ 200,000,000円" for c in at.caption)
    before = at.metric[0].value
    at.radio(key="lang").set_value("en").run()  # English: plain yen, the same scenario
    assert at.slider(key="lever:deal_size").value == (700_000.0, 1_800_000.0)
    assert at.number_input(key="target").value == 200_000_000.0
    assert at.metric[0].value == before
    at.radio(key="lang").set_value("ja").run()
    assert at.slider(key=widgets.SHOWN("lever:deal_size")).value == (70.0, 180.0)
    assert at.metric[0].value == before
