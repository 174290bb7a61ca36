"""The what-if page in a real browser: load, language, a slider moved by keyboard, a shared
link, another plan; never a Streamlit exception box.

Hooks relied on (keep them stable): widget keys ``lang``, ``plan_id``, ``lever:win_rate``
(Streamlit's container class ``st-key-lever-win_rate``: ':' and '.' become '-'),
``chart_histogram``/``chart_fan``/``chart_funnel``, ``download_monthly``; Streamlit's test
ids ``stMetric``/``stMetricLabel``/``stMetricValue``, ``stException``, ``stApp`` with
``data-test-script-state``, ``stMain``; the metric labels in ``locales/*.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import ARTIFACTS, full_page_screenshot
from ui.i18n import t
from ui.plans import DEFAULT_PLAN, sample

pytestmark = pytest.mark.e2e

P_TARGET = {"ja": t("metric.p_target", "ja"), "en": t("metric.p_target", "en")}
TITLE = {"ja": t("whatif.title", "ja"), "en": t("whatif.title", "en")}
PERCENT = re.compile(r"^\d{1,3}\.\d%$")
CHARTS = ("chart_histogram", "chart_fan", "chart_funnel")
OTHER_PLAN = "us_sdr"
PRESSES = 5


def key_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed widget's container (':' and '.' become '-')."""
    return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def p_target(page: Page, lang: str) -> Locator:
    """The P(target) metric's value, found by its label in ``lang``."""
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(P_TARGET[lang], exact=True)
    )
    return metric.get_by_test_id("stMetricValue")


def settled(page: Page) -> None:
    """Wait until the script has finished and every chart is drawn."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    for chart in CHARTS:
        expect(page.locator(f"{key_class(chart)} .js-plotly-plot")).to_be_visible()


def open_app(page: Page, url: str, lang: str = "ja") -> str:
    """Open ``url``, wait for the P(target) metric and the charts; return the metric's text."""
    page.goto(url)
    value = p_target(page, lang)
    expect(value).to_have_text(PERCENT)
    settled(page)
    return value.inner_text()


def no_exception(page: Page) -> None:
    """No exception box now, and none shown at any time since the page was opened."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert page.evaluate("window.__stExceptions") == []


def screenshot(page: Page, name: str) -> None:
    full_page_screenshot(page, ARTIFACTS / name)


def query(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def choose_language(page: Page, label: str) -> None:
    page.locator(key_class("lang")).get_by_text(label, exact=True).click()


def test_page_loads_in_japanese_with_its_outputs(page: Page, app_url: str) -> None:
    text = open_app(page, app_url)
    assert PERCENT.match(text), text
    expect(page.get_by_role("heading", name=TITLE["ja"])).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(4)
    expect(page.get_by_test_id("stTable").filter(visible=True).first).to_be_visible()
    assert query(page)["lang"] == "ja"
    assert query(page)["plan"] == DEFAULT_PLAN

    with page.expect_download() as download:
        page.locator(key_class("download_monthly")).get_by_role("button").click()
    assert download.value.suggested_filename == "centerpin_monthly_kpis.csv"
    written = download.value.path().read_bytes()
    assert written.startswith(b"\xef\xbb\xbf"), written[:40]  # UTF-8 with a BOM, for Excel
    rows = written.decode("utf-8-sig").splitlines()
    assert len(rows) > 12, rows[:3]  # a header and a row per month at least

    screenshot(page, "whatif_ja.png")
    no_exception(page)


def test_language_switches_to_english_and_back(page: Page, app_url: str) -> None:
    open_app(page, app_url)

    choose_language(page, "English")
    expect(p_target(page, "en")).to_have_text(PERCENT)
    expect(page.get_by_role("heading", name=TITLE["en"])).to_be_visible()
    expect(page.get_by_text(t("app.plan", "en"), exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]lang=en(&|$)"))
    settled(page)
    screenshot(page, "whatif_en.png")

    choose_language(page, "日本語")
    expect(p_target(page, "ja")).to_have_text(PERCENT)
    expect(page.get_by_role("heading", name=TITLE["ja"])).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]lang=ja(&|$)"))
    settled(page)
    no_exception(page)


def test_slider_moved_by_keyboard_changes_the_odds_and_the_link_keeps_them(
    page: Page, app_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    before = open_app(page, app_url)
    upper = page.locator(f"{key_class('lever:win_rate')} input[type=range]").nth(1)
    start = float(upper.get_attribute("value") or "nan")
    step = float(upper.get_attribute("step") or "nan")
    moved = f"{round(start + PRESSES * step, 6):g}"

    upper.focus()
    for _ in range(PRESSES):
        upper.press("ArrowRight")
    expect(upper).to_have_attribute("value", moved)
    value = p_target(page, "ja")
    expect(value).not_to_have_text(before)  # waits for the rerun, no fixed sleep
    # The last rerun writes the last value into the link; once it is done, so are the odds.
    expect(page).to_have_url(
        re.compile(rf"[?&]lever(%3A|:)win_rate=[0-9.]+(~|%7E){re.escape(moved)}(&|$)")
    )
    settled(page)
    after = value.inner_text()
    assert after != before
    no_exception(page)

    shared = new_context().new_page()  # a fresh session: only the link carries the scenario
    assert open_app(shared, page.url) == after
    shared_upper = shared.locator(f"{key_class('lever:win_rate')} input[type=range]").nth(1)
    expect(shared_upper).to_have_attribute("value", moved)
    assert query(shared)["lever:win_rate"] == query(page)["lever:win_rate"]
    no_exception(shared)


def test_switching_plan_opens_it_from_its_own_values(page: Page, app_url: str) -> None:
    open_app(page, app_url + "?lever:win_rate=15~25")
    assert "lever:win_rate" in query(page)
    plan = sample(OTHER_PLAN)

    page.locator(key_class("plan_id")).get_by_role("combobox").click()
    page.get_by_role("option", name=plan.name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"[?&]plan={OTHER_PLAN}(&|$)"))
    expect(page.get_by_test_id("stMain").get_by_text(plan.name, exact=True)).to_be_visible()
    expect(p_target(page, "ja")).to_have_text(PERCENT)
    settled(page)
    assert "lever:win_rate" not in query(page), page.url
    no_exception(page)
