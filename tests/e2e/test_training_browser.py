"""The training path (研修) in a real browser at 1920×1080: a new learner walks from lesson 1
to lesson 7 (reads, predicts, reveals, goes on) in each language, with a screenshot of
every lesson in test-artifacts/training/ and the walk's times in
test-artifacts/training/walk_<lang>.json; a link opens lesson 4, a bad link warns.

Hooks relied on (keep them stable): element keys ``training_reveal:N``,
``training_nav:next``, ``chart_training_*``; widget keys ``training_guess:N``; Streamlit's
test ids ``stAlertContentSuccess``, ``stAlertContentWarning``, ``stApp`` with
``data-test-script-state``, ``stMain``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from simulator import glossary, lessons
from tests.e2e.conftest import ARTIFACTS, full_page_screenshot
from tests.e2e.test_whatif_browser import key_class, no_exception, query
from ui import training_page
from ui.i18n import t
from ui.plans import sample

pytestmark = pytest.mark.e2e

SIZE = {"width": 1920, "height": 1080}
SHOTS = ARTIFACTS / "training"
CHARTS = {
    1: "chart_training_funnel",
    2: "chart_training_compounding",
    3: "chart_training_tie",
    4: "chart_training_lag",
    5: "chart_training_uncertainty",
    6: "chart_training_kgi",
}
GUESS_LEVER = "win_rate"  # the quiz's guess: any lever will do


def heading(number: int, lang: str) -> str:
    title = t(f"training.l{number}.title", lang)
    return t("training.lesson_title", lang, n=number, title=title)


def settled(page: Page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def lesson_ready(page: Page, number: int, lang: str) -> None:
    """The lesson's heading, its chart drawn, the script done."""
    expect(page.get_by_role("heading", name=heading(number, lang))).to_be_visible()
    settled(page)
    if number in CHARTS:
        expect(page.locator(f"{key_class(CHARTS[number])} .js-plotly-plot")).to_be_visible()
    else:
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()


def predict(page: Page, number: int, lang: str) -> None:
    """Enter a prediction as a learner would: type a number, pick an option."""
    box = page.locator(key_class(training_page.GUESS(number)))
    if number == 3:
        box.get_by_text(t("training.l3.tie", lang), exact=True).click()
    elif number == 7:
        plan = sample(lessons.mystery_plan(lessons.SAMPLE))
        box.get_by_role("combobox").click()
        name = glossary.lever_label(GUESS_LEVER, lang, plan)
        page.get_by_role("option", name=name, exact=True).click()
    else:
        field = box.locator("input")
        field.fill("12")
        field.press("Enter")
    settled(page)


def reveal(page: Page, number: int) -> str:
    page.locator(key_class(training_page.REVEAL(number))).get_by_role("button").click()
    answer = page.get_by_test_id("stAlertContentSuccess").first
    expect(answer).to_be_visible()
    settled(page)
    return answer.inner_text()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_new_learner_walks_from_lesson_one_to_seven(
    lang: str, new_context: Callable[..., BrowserContext], app_url: str
) -> None:
    page = new_context("ja-JP" if lang == "ja" else "en-US").new_page()
    page.set_viewport_size(SIZE)
    times: dict[str, float] = {}
    shown_text: dict[str, int] = {}
    shots = 0.0
    start = time.perf_counter()
    page.goto(f"{app_url}training?lang={lang}")
    for number in range(1, lessons.COUNT + 1):
        began = time.perf_counter()
        lesson_ready(page, number, lang)
        assert query(page)["lesson"] == str(number)
        main = page.get_by_test_id("stMain").inner_text()
        predict(page, number, lang)
        answer = reveal(page, number)
        assert answer.startswith("答え" if lang == "ja" else "Answer"), answer
        if number == 7:
            expect(page.get_by_text(t("training.finished", lang))).to_be_visible()
        times[f"lesson_{number}"] = round(time.perf_counter() - began, 3)
        # What a reader reads on the lesson's screen, the answer included.
        shown_text[f"lesson_{number}"] = len(main) + len(answer)
        no_exception(page)
        before_shot = time.perf_counter()
        full_page_screenshot(page, SHOTS / f"lesson{number}_{lang}_1920x1080.png")
        shots += time.perf_counter() - before_shot  # not the learner's time
        if number < lessons.COUNT:
            page.locator(key_class(training_page.NAV("next"))).get_by_role("button").click()
            expect(page).to_have_url(re.compile(rf"[?&]lesson={number + 1}(&|$)"))
    total = round(time.perf_counter() - start - shots, 3)
    assert query(page)["lesson"] == "7"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"walk_{lang}.json").write_text(
        json.dumps(
            {"total_seconds": total, "lessons": times, "characters": shown_text},
            ensure_ascii=False,
            indent=2,
        ),
        "utf-8",
    )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_link_opens_lesson_four_and_the_trainers_guide(
    lang: str, page: Page, app_url: str
) -> None:
    page.set_viewport_size(SIZE)
    page.goto(f"{app_url}training?lang={lang}&lesson=4")
    lesson_ready(page, 4, lang)
    assert query(page)["lesson"] == "4"
    page.goto(f"{app_url}training?lang={lang}&lesson=trainer")
    expect(page.get_by_role("heading", name=t("training.trainer_title", lang))).to_be_visible()
    settled(page)
    for number in range(1, lessons.COUNT + 1):
        expect(page.get_by_text(t(f"training.l{number}.goal", lang))).to_be_visible()
    full_page_screenshot(page, SHOTS / f"trainer_{lang}_1920x1080.png")
    # The guide's button opens the lesson, and the link follows.
    page.locator(key_class(training_page.NAV("open5"))).get_by_role("button").click()
    lesson_ready(page, 5, lang)
    assert query(page)["lesson"] == "5"
    no_exception(page)


@pytest.mark.parametrize("bad", ["9", "abc", "%3Cscript%3E"])
def test_a_bad_lesson_link_warns_and_opens_lesson_one(bad: str, page: Page, app_url: str) -> None:
    page.goto(f"{app_url}training?lang=en&lesson={bad}")
    lesson_ready(page, 1, "en")
    warning = page.get_by_test_id("stAlertContentWarning")
    expect(warning).to_contain_text(t("training.link_allowed", "en", count=lessons.COUNT))
    assert query(page)["lesson"] == "1"
    no_exception(page)
