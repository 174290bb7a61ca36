"""The app under Streamlit's AppTest: it runs, and its headline numbers follow the plan."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from simulator import engine
from simulator.plan import load_plan
from tests.conftest import ROOT, SAMPLES


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def test_app_runs_and_shows_headline_numbers(app: AppTest) -> None:
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert any("P(target)" in label for label in labels)
    assert len(app.metric) == 4


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_each_sample_plan_shows_its_probability(app: AppTest, path) -> None:
    app.selectbox(key="plan").set_value(path).run()
    assert not app.exception
    plan = load_plan(path)
    p, _ = engine.simulate(plan).p_target()
    assert app.metric[0].value == f"{p:.1%}"
