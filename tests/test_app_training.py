"""The training page (研修) under Streamlit's AppTest, in both languages: every lesson
predicts, reveals the answer the lessons compute, moves on; the lesson in the link, with
bad values refused by a message; the trainer's guide."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator import center_pin, glossary, lessons
from simulator import kpi_sets as kpi_store
from tests.conftest import ROOT
from tests.test_app_links import allowed, link_warning
from ui import session, training_page
from ui.format import count, percent, signed_percent
from ui.i18n import t
from ui.plans import sample

PAGE = "app_pages/training.py"
LANGS = ("ja", "en")


@pytest.fixture(autouse=True)
def _fresh_caches(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(kpi_store.ENV_URL, f"sqlite:///{tmp_path / 'training.db'}")
    st.cache_data.clear()
    st.cache_resource.clear()


def _open(lesson: str | None = None, lang: str = "ja") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = lang
    if lesson is not None:
        at.query_params["lesson"] = lesson
    at.switch_page(PAGE).run()
    _fine(at)
    return at


def _fine(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    undeclared = [key for key in at.session_state if session.kind(key) is None]
    assert not undeclared, undeclared


def _lesson_heading(at: AppTest) -> str:
    return at.subheader[0].value


def _answers(lang: str) -> dict[int, str]:
    """What each lesson's answer must show at the page's default widget values, from the
    lessons' own functions."""
    plan = lessons.with_trials(sample(lessons.SAMPLE))
    pure = lessons.pure_funnel(sample(lessons.SAMPLE))
    mystery = lessons.with_trials(sample(lessons.mystery_plan(lessons.SAMPLE)))
    pin = center_pin.analyse(mystery, trials=lessons.TRIALS, required=False).center_pin
    return {
        1: count(lessons.funnel_chain(plan).calls_per_win),
        2: signed_percent(lessons.compounding(pure, 0.10).closed_form),
        3: signed_percent(0.10),
        4: signed_percent(lessons.lag(pure, 6).gain),
        5: percent(lessons.uncertainty(plan, 0.8).plain_p_target),
        6: count(lessons.kgi(plan).calls_this_month),
        7: glossary.lever_label(pin, lang, mystery),
    }


def _guess(at: AppTest, number: int) -> None:
    key = training_page.GUESS(number)
    if number == 3:
        at.radio(key=key).set_value(training_page.TIE)
    elif number == 7:
        at.selectbox(key=key).set_value("win_rate")
    else:
        at.number_input(key=key).set_value(12.0)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("number", range(1, lessons.COUNT + 1))
def test_every_lesson_reveals_the_simulated_answer(lang: str, number: int) -> None:
    at = _open(str(number), lang)
    assert at.title[0].value == t("training.title", lang)
    title = t(f"training.l{number}.title", lang)
    assert _lesson_heading(at) == t("training.lesson_title", lang, n=number, title=title)
    assert not at.success  # the answer waits for the prediction
    assert at.query_params["lesson"] == str(number)
    _guess(at, number)
    at.run()
    at.button(key=training_page.REVEAL(number)).click().run()
    _fine(at)
    answer = at.success[0].value
    assert _answers(lang)[number] in answer, answer
    assert at.button(key=training_page.REVEAL(number)).disabled
    captions = " ".join(c.value for c in at.caption)
    if number == 7:
        assert at.metric[0].label == t("training.l7.score", lang)
        assert at.metric[0].value.endswith("/ 100")
        assert t("training.finished", lang) in [i.value for i in at.info]
    else:
        assert t("training.your_guess", lang, guess="").strip() in captions


def test_a_live_widget_changes_the_answer() -> None:
    at = _open("2")
    at.select_slider(key=training_page.EXPLORE("improvement")).set_value(20).run()
    at.button(key=training_page.REVEAL(2)).click().run()
    _fine(at)
    assert signed_percent(1.2**5 - 1) in at.success[0].value  # +148.8%
    at.select_slider(key=training_page.EXPLORE("improvement")).set_value(5).run()
    assert signed_percent(1.05**5 - 1) in at.success[0].value


def test_the_lag_lesson_answers_for_the_month_chosen() -> None:
    at = _open("4", "en")
    at.select_slider(key=training_page.EXPLORE("start")).set_value(0).run()
    at.button(key=training_page.REVEAL(4)).click().run()
    _fine(at)
    assert "**+10.0%**" in at.success[0].value


def test_revealing_without_a_guess_says_so() -> None:
    at = _open("1")
    at.button(key=training_page.REVEAL(1)).click().run()
    assert t("training.no_guess", "ja") in [c.value for c in at.caption]


def test_next_and_previous_walk_the_path_and_keep_it_in_the_link() -> None:
    at = _open()
    assert at.query_params["lesson"] == "1"
    assert at.button(key=training_page.NAV("prev")).disabled
    for number in range(2, lessons.COUNT + 1):
        at.button(key=training_page.NAV("next")).click().run()
        _fine(at)
        assert at.query_params["lesson"] == str(number)
        assert _lesson_heading(at).startswith(t("training.lesson_title", "ja", n=number, title=""))
    assert at.button(key=training_page.NAV("next")).disabled
    at.button(key=training_page.NAV("prev")).click().run()
    assert at.query_params["lesson"] == "6"


def test_the_language_switch_keeps_the_lesson_and_its_answer() -> None:
    at = _open("6")
    at.button(key=training_page.REVEAL(6)).click().run()
    at.radio(key=session.LANG).set_value("en").run()
    _fine(at)
    assert at.title[0].value == t("training.title", "en")
    assert at.query_params["lesson"] == "6"
    assert at.success[0].value.startswith("Answer:")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "bad",
    ["0", "8", "-1", "4.0", "abc", "４", "99999999999999999999999", "<b>x</b>", "lesson" * 20],
)
def test_a_bad_lesson_in_the_link_is_refused_with_a_message(lang: str, bad: str) -> None:
    at = _open(bad, lang)
    item = allowed(lang, f"lesson={bad[:80]}", t("training.link_allowed", lang, count=7))
    assert [w.value for w in at.warning] == [link_warning(lang, item)]
    assert "<b>" not in at.warning[0].value  # the link's text is shown as text
    assert _lesson_heading(at).startswith(t("training.lesson_title", lang, n=1, title=""))
    assert at.query_params["lesson"] == "1"
    # Shown once, like every link warning.
    at.button(key=training_page.NAV("next")).click().run()
    assert not at.warning


def test_parse_lesson_bounds() -> None:
    assert [training_page.parse_lesson(str(n)) for n in range(1, 8)] == list(range(1, 8))
    assert training_page.parse_lesson(" 3 ") == 3
    assert training_page.parse_lesson("Trainer") == training_page.TRAINER
    for bad in (None, "", "0", "8", "07x", "1e1", "４", "-2", "100", "9" * 400):
        assert training_page.parse_lesson(bad) is None, bad


@pytest.mark.parametrize("lang", LANGS)
def test_the_trainers_guide_lists_every_goal_and_talking_points(lang: str) -> None:
    at = _open("trainer", lang)
    assert at.query_params["lesson"] == "trainer"
    text = " ".join(m.value for m in at.markdown)
    for number in range(1, lessons.COUNT + 1):
        assert t(f"training.l{number}.goal", lang) in text
        first_point = t(f"training.l{number}.points", lang).strip().splitlines()[0]
        assert first_point in text
    at.button(key=training_page.NAV("open4")).click().run()
    _fine(at)
    assert at.query_params["lesson"] == "4"
    at.button(key=training_page.NAV("trainer")).click().run()
    assert at.query_params["lesson"] == "trainer"


def test_the_page_is_in_the_navigation() -> None:
    assert 'st.Page("app_pages/training.py"' in (ROOT / "app.py").read_text("utf-8")


def test_the_quiz_is_on_a_plan_the_learner_has_not_opened() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.query_params["plan"] = "jp_enterprise"
    at.query_params["lesson"] = "7"
    at.switch_page(PAGE).run()
    _fine(at)
    shown = " ".join(m.value for m in at.markdown)
    assert sample("us_sdr").name in shown
    assert sample("jp_enterprise").name not in shown
    at.selectbox(key=training_page.GUESS(7)).set_value("deal_size").run()
    at.button(key=training_page.REVEAL(7)).click().run()
    _fine(at)
    us = lessons.with_trials(sample("us_sdr"))
    pin = center_pin.analyse(us, trials=lessons.TRIALS, required=False)
    quiz = lessons.center_pin_quiz(pin, "deal_size")
    assert at.metric[0].value == f"{quiz.score} / 100"
    assert glossary.lever_label(pin.center_pin, "en", us) in at.success[0].value


def test_the_tie_lesson_reranks_by_the_effort_entered() -> None:
    at = _open("3")
    at.radio(key=training_page.EXPLORE("compare")).set_value("effort").run()
    _fine(at)
    pure = lessons.pure_funnel(sample(lessons.SAMPLE))
    analysis = center_pin.analyse(pure, trials=lessons.TRIALS, required=False)

    def expected_pin(efforts: dict[str, float]) -> str:
        pin = center_pin.with_efforts(analysis, efforts).center_pin
        return glossary.lever_label(pin, "ja", pure)

    efforts = {
        row.lever: float(training_page.EXAMPLE_DIFFICULTY[row.kind]) for row in analysis.levers
    }
    assert any(expected_pin(efforts) in c.value for c in at.caption)
    first = expected_pin(efforts)
    pin_path = center_pin.with_efforts(analysis, efforts).center_pin
    at.select_slider(key=training_page.EXPLORE(f"effort:{pin_path}")).set_value(5).run()
    _fine(at)
    efforts[pin_path] = 5.0
    assert expected_pin(efforts) != first  # the harder step is no longer the best per effort
    assert any(expected_pin(efforts) in c.value for c in at.caption)
