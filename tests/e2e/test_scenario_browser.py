"""One scenario across pages in a real browser: the library's and KGI逆算's hand-offs keep
it, and a link copied from any page opens the same view in a new browser context.

Hooks relied on: see :mod:`tests.e2e.pages`; the catalogs' page titles and button labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from simulator import glossary
from simulator import kpi_sets as kpi_store
from tests.e2e import pages
from tests.e2e.test_whatif_browser import PERCENT, key_class, no_exception, p_target
from ui.i18n import t
from ui.plans import sample

pytestmark = pytest.mark.e2e

PLAN = "jp_smb_saas"
TRIALS = "10000"  # a tenth of the plan's: the pages answer sooner, the same way


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _two_revisions(db_url: str, name: str) -> None:
    store = kpi_store.Store(db_url)
    if name in store.names():
        return
    plan = sample(PLAN)
    store.create(name, plan, author="E2E")
    store.save(name, plan.model_copy(update={"open_opportunities": 4}), base_revision=1)


def test_library_to_compare_and_to_what_if_keep_language_and_plan(
    page: Page, app_url: str, db_url: str
) -> None:
    name = "E2E 引き継ぎ"
    _two_revisions(db_url, name)
    other = sample("us_sdr").name
    page.goto(pages.url(app_url, "library", lang="en", plan="us_sdr", set=name))
    pages.ready(page, "library", "en")
    expect(page.get_by_test_id("stHeading").filter(has_text=name)).to_be_visible()

    page.locator(key_class("library_compare")).get_by_role("button").click()
    pages.ready(page, "compare", "en")
    expect(page).to_have_url(re.compile(r"/compare\?"))
    assert query(page)["lang"] == ["en"] and query(page)["plan"] == ["us_sdr"], page.url
    assert query(page)["compare"] == [f"set:{name}@1", f"set:{name}@2"], page.url
    assert other in pages.sidebar_plan(page)
    summary = page.get_by_test_id("stDataFrame").first
    expect(summary).to_contain_text(f"{name} r1")
    expect(summary).to_contain_text(f"{name} r2")
    no_exception(page)

    page.get_by_role("link", name=t("nav.library", "en")).click()
    pages.ready(page, "library", "en")
    page.locator(key_class("library_open")).get_by_role("button").click()
    pages.ready(page, "whatif", "en")
    expect(p_target(page, "en")).to_have_text(PERCENT)
    assert query(page)["lang"] == ["en"], page.url
    assert query(page)["plan"] == [f"set:{name}"] and query(page)["rev"] == ["2"], page.url
    assert name in pages.sidebar_plan(page)
    no_exception(page)


def test_reverse_answer_opens_in_what_if_in_one_click_in_a_fresh_session(
    new_context: Callable[..., BrowserContext], app_url: str
) -> None:
    page = new_context().new_page()  # nothing in this session but the KGI逆算 page
    page.goto(pages.url(app_url, "reverse", lang="ja", plan=PLAN))
    pages.ready(page, "reverse", "ja")
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_contain_text("届くには 10（")

    page.locator(key_class("reverse_use")).get_by_role("button").click()  # the one click
    pages.ready(page, "whatif", "ja")
    reps = page.locator(f"{key_class('lever:team.reps')} input")
    expect(reps).to_have_value("10")
    solved = p_target(page, "ja").inner_text()
    assert float(solved.rstrip("%")) >= 80.0, solved
    assert query(page)["lever:team.reps"] == ["10"], page.url
    assert query(page)["lang"] == ["ja"] and query(page)["plan"] == [PLAN]
    no_exception(page)

    # The link now carries the solved value: a new browser opens it as shown.
    shared = new_context().new_page()
    shared.goto(page.url)
    pages.ready(shared, "whatif", "ja")
    expect(shared.locator(f"{key_class('lever:team.reps')} input")).to_have_value("10")
    expect(p_target(shared, "ja")).to_have_text(solved)
    no_exception(shared)


def _move_to(page: Page, name: str, lang: str) -> None:
    """Open ``name`` from the sidebar, as a user would (the address is the app's to write)."""
    if name != "whatif":
        page.get_by_role("link", name=t(f"nav.{name}", lang)).click()
    pages.ready(page, name, lang)
    if name == "reverse":  # a choice of the page's own: the lever it solves
        page.locator(key_class("reverse_lever")).get_by_role("combobox").click()
        win_rate = glossary.lever_label("win_rate", lang, sample(PLAN))
        page.get_by_role("option", name=win_rate, exact=True).click()
        expect(page).to_have_url(re.compile(r"[?&]solve=win_rate(&|$)"))
        pages.ready(page, name, lang)


@pytest.mark.parametrize("name", list(pages.PAGES))
def test_a_link_copied_from_each_page_opens_the_same_view(
    name: str, new_context: Callable[..., BrowserContext], app_url: str, db_url: str
) -> None:
    _two_revisions(db_url, "E2E リンク")
    lang = "en"
    page = new_context().new_page()
    page.goto(pages.url(app_url, "whatif", lang=lang, plan=PLAN, trials=TRIALS))
    pages.ready(page, "whatif", lang)
    before = p_target(page, lang).inner_text()
    reps = page.locator(f"{key_class('lever:team.reps')} input")
    reps.fill("8")
    reps.press("Tab")
    expect(page).to_have_url(re.compile(r"[?&]lever(%3A|:)team\.reps=8(&|$)"))
    expect(p_target(page, lang)).not_to_have_text(before)
    _move_to(page, name, lang)
    link = query(page)
    assert link["lang"] == [lang] and link["plan"] == [PLAN], page.url
    assert link["lever:team.reps"] == ["8"] and link["trials"] == [TRIALS], page.url
    original = pages.shown(page, name)
    no_exception(page)

    copied = new_context(locale="ja-JP").new_page()  # a browser that would default to ja
    copied.goto(page.url)
    pages.ready(copied, name, lang)
    assert pages.shown(copied, name) == original
    no_exception(copied)
