"""KPI sets in a real browser: save a scenario, reload the page, find it in the library.

Hooks relied on: the save popover's button and form labels in ``locales/ja.toml``
(``save.*``), widget keys ``author``, ``lever:team.reps``, ``save_name_whatif``,
``save_comment_whatif``, ``library_set``; Streamlit's test ids ``stPopover``,
``stHeading``; the ``plan`` query parameter the what-if page writes.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from simulator import store as kpi_store
from tests.e2e.test_whatif_browser import PERCENT, key_class, open_app, p_target, settled
from ui.i18n import t
from ui.plans import DEFAULT_PLAN, sample

pytestmark = pytest.mark.e2e

NAME = "E2E 計画 <b>太字</b> =1+1 🎯"


def _fill(page: Page, key: str, value: str) -> None:
    field = page.locator(f"{key_class(key)} input, {key_class(key)} textarea").first
    field.fill(value)
    field.press("Tab")  # commit the value, as a user leaving the field does


def test_save_a_scenario_then_reload_it(page: Page, app_url: str, db_url: str) -> None:
    open_app(page, f"{app_url}?plan={DEFAULT_PLAN}")
    _fill(page, "author", "山田")
    reps = sample(DEFAULT_PLAN).team.reps + 2
    _fill(page, "lever:team.reps", str(reps))
    settled(page)

    page.get_by_role("button", name=t("save.button", "ja")).click()
    _fill(page, "save_name_whatif", NAME)
    _fill(page, "save_comment_whatif", "2名増員")
    page.get_by_role("button", name=t("save.submit", "ja"), exact=True).click()

    expect(page.get_by_text(t("save.saved", "ja", name=NAME, revision=1))).to_be_visible()
    settled(page)
    stored = kpi_store.Store(db_url).revision(NAME)
    assert stored.number == 1 and stored.author == "山田" and stored.comment == "2名増員"
    assert stored.plan.team.reps == reps

    # The address now names the saved set: reloading opens it, in a new session.
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("plan") == [f"set:{NAME}"])
    page.reload()
    expect(p_target(page, "ja")).to_have_text(PERCENT)
    settled(page)
    expect(page.locator(f"{key_class('lever:team.reps')} input")).to_have_value(str(reps))
    expect(page.get_by_text(t("app.revision", "ja", revision=1))).to_be_visible()

    # The library shows the name exactly as typed: as text, not as markup.
    page.get_by_role("link", name=t("nav.library", "ja")).click()
    heading = page.get_by_test_id("stHeading").filter(has_text="E2E 計画")
    expect(heading).to_contain_text(NAME)
    expect(heading.locator("b")).to_have_count(0)
    errors = page.evaluate("window.__stExceptions")
    assert errors == []
