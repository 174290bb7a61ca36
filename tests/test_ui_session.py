"""The session's keys: one declaration each, widget values kept, resets on change."""

from __future__ import annotations

import re
from collections import UserDict
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator import kpi_sets as kpi_store
from tests.conftest import ROOT, make_plan
from ui import compare_page, library_page, save, session


class Recording(UserDict):
    """A session stand-in that remembers which keys were assigned."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.assigned: list[str] = []
        super().__init__(*args, **kwargs)

    def __setitem__(self, key: str, value: Any) -> None:
        self.assigned.append(key)
        super().__setitem__(key, value)


def test_keys_have_one_kind_each() -> None:
    assert session.kind(session.TARGET) is session.Kind.WIDGET
    assert session.kind(session.LEVER("win_rate")) is session.Kind.WIDGET
    assert session.kind(session.REVISION) is session.Kind.STATE
    assert session.kind(session.HIRES_EDITOR(3)) is session.Kind.ELEMENT
    assert session.kind(save.NAME("whatif")) is session.Kind.WIDGET
    assert session.kind(save.COPY("whatif")) is session.Kind.ELEMENT
    assert session.kind(library_page.EXPORT("xlsx")) is session.Kind.ELEMENT
    assert session.kind("made_up_key") is None
    assert session.widget("target") == "target"  # declaring again is harmless
    with pytest.raises(ValueError, match="already"):
        session.state("target")
    with pytest.raises(ValueError, match="overlaps"):
        session.widget("lever:extra")  # a family's key cannot be declared on its own
    with pytest.raises(ValueError, match="overlaps"):
        session.element_family("save_name_what")  # nor a family inside another


def test_widget_values_are_handed_back_and_nothing_else() -> None:
    state = Recording(
        {
            session.TARGET: 1e8,
            session.LEVER("win_rate"): (20.0, 26.0),
            compare_page.SLOT_PLAN(0): "us_sdr",
            session.REVISION: 3,
            session.HIRES_EDITOR(1): {"edited_rows": {}},
            save.COPY("whatif"): False,
            "unknown": 1,
        }
    )
    state.assigned.clear()
    session.keep_widget_values(state)
    assert sorted(state.assigned) == sorted(
        [session.TARGET, session.LEVER("win_rate"), compare_page.SLOT_PLAN(0)]
    )


def test_reset_on_change_starts_keys_afresh_only_when_the_value_changes() -> None:
    state: dict[str, Any] = {}
    assert session.reset_on_change("page", "plan A", {"x": 1}, state)  # first time
    state["x"] = 5  # the user's edit
    assert not session.reset_on_change("page", "plan A", {"x": 1}, state)
    assert state["x"] == 5 and session.started_for("page", state) == "plan A"
    assert session.reset_on_change("page", "plan B", {"x": 2}, state)
    assert state["x"] == 2
    state["y"] = 7
    assert session.reset_on_change("other", 1, ["y"], state)  # a list of keys is dropped
    assert "y" not in state and state["x"] == 2  # each scope resets its own keys
    session.forget("page", state)
    assert session.reset_on_change("page", "plan B", {"x": 3}, state)
    assert state["x"] == 3


def test_the_scenario_is_read_and_written_through_the_session() -> None:
    from ui import scenario

    plan = make_plan()
    state: dict[str, Any] = {}
    session.open_plan("set:A", 2, state)
    assert session.plan_id(state) == "set:A" and session.revision(state) == 2
    assert session.start_scenario(scenario.defaults(plan), state)  # a new plan's own values
    assert session.scenario_is_for("set:A", state)
    assert session.target(state) == plan.target.revenue
    assert session.confidence(state) == plan.target.confidence
    assert session.lever("win_rate", state) == (25.0, 25.0)
    state[session.LEVER("win_rate")] = (30.0, 30.0)  # the user's edit survives a rerun
    assert not session.start_scenario(scenario.defaults(plan), state)
    assert session.lever("win_rate", state) == (30.0, 30.0)
    version = state[session.HIRES_VERSION]
    session.set_scenario(scenario.defaults(plan), state)  # reset: and the hires table redraws
    assert session.lever("win_rate", state) == (25.0, 25.0)
    assert state[session.HIRES_VERSION] == version + 1
    session.open_plan("set:A", 3, state)  # the same set at another revision starts again
    assert not session.scenario_is_for("set:A", state)
    state[session.LEVER("win_rate")] = (30.0, 30.0)
    assert session.start_scenario(scenario.defaults(plan), state)
    assert session.lever("win_rate", state) == (25.0, 25.0)
    assert session.lang({session.LANG: "en"}) == "en"


def test_keys_are_made_only_by_the_session_module() -> None:
    """No page or helper writes a key as a literal: each comes from one declaration."""
    literal = re.compile(r"""(\bkey=f?["']|session_state(\[|\.(get|pop|setdefault)\()\s*f?["'])""")
    found = []
    for path in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if literal.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv(kpi_store.ENV_URL, url)
    st.cache_data.clear()
    st.cache_resource.clear()
    store = kpi_store.Store(url)
    plan = make_plan(simulation={"trials": 2000, "seed": 3})
    store.create("鍵", plan)
    store.save("鍵", make_plan(open_opportunities=4), base_revision=1)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["plan"] = "set:鍵"
    return at


def test_every_key_a_session_holds_is_declared(app: AppTest) -> None:
    app.run()
    for page in sorted((ROOT / "app_pages").glob("*.py")):
        app.switch_page(str(page.relative_to(ROOT))).run()
        assert not app.exception, [e.value for e in app.exception]
    # Streamlit names a form's submit button itself.
    undeclared = [
        key
        for key in app.session_state
        if session.kind(key) is None and not key.startswith("FormSubmitter:")
    ]
    assert not undeclared, undeclared


def test_library_fields_outlive_a_visit_and_start_afresh_for_another_set(app: AppTest) -> None:
    app.run()
    app.switch_page("app_pages/library.py").run()
    assert app.text_input(key=library_page.NEW_NAME).value == "鍵"
    app.selectbox(key=library_page.REVISION).set_value(1).run()
    app.switch_page("app_pages/compare.py").run()
    app.switch_page("app_pages/library.py").run()
    # Before every widget key was kept, these came back empty (the rename field) or reset.
    assert app.text_input(key=library_page.NEW_NAME).value == "鍵"
    assert app.selectbox(key=library_page.REVISION).value == 1
    app.text_input(key=library_page.COPY_NAME).set_value("鍵2").run()
    next(b for b in app.button if b.key == library_page.DUPLICATE).click().run()
    assert app.selectbox(key=library_page.SET).value == "鍵2"  # the copy is chosen, afresh
    assert app.text_input(key=library_page.NEW_NAME).value == "鍵2"
    assert app.selectbox(key=library_page.REVISION).value == 1  # the copy's only revision
