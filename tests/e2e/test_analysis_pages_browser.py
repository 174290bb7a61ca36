"""The center pin and KGI逆算 pages in a real browser: each loads, answers, and shows no
exception; screenshots in both languages go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from simulator import glossary
from tests.e2e.test_whatif_browser import key_class, no_exception, screenshot
from ui.i18n import t

pytestmark = pytest.mark.e2e

TIMEOUT = 60_000  # the center pin runs a few seconds of simulations on first visit


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_center_pin_page(page: Page, app_url: str, lang: str) -> None:
    page.goto(f"{app_url}center_pin?lang={lang}&plan=jp_enterprise")
    expect(page.get_by_role("heading", name=t("pin.title", lang))).to_be_visible(timeout=TIMEOUT)
    verdict = page.get_by_test_id("stAlertContentSuccess")
    expect(verdict).to_be_visible(timeout=TIMEOUT)
    expect(verdict).to_contain_text(glossary.lever_label("team.reps", lang))
    for chart in ("chart_tornado", "chart_required", "chart_variance"):
        expect(page.locator(f"{key_class(chart)} .js-plotly-plot")).to_be_visible(timeout=TIMEOUT)
    no_exception(page)
    screenshot(page, f"center_pin_{lang}.png")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_reverse_page(page: Page, app_url: str, lang: str) -> None:
    page.goto(f"{app_url}reverse?lang={lang}&plan=jp_smb_saas")
    expect(page.get_by_role("heading", name=t("reverse.title", lang))).to_be_visible(
        timeout=TIMEOUT
    )
    answer = page.get_by_test_id("stAlertContentSuccess")
    expect(answer).to_be_visible(timeout=TIMEOUT)
    expect(answer).to_contain_text("80%")
    expect(page.locator(f"{key_class('chart_reverse')} .js-plotly-plot")).to_be_visible(
        timeout=TIMEOUT
    )
    no_exception(page)
    screenshot(page, f"reverse_{lang}.png")
