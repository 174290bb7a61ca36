"""Every page at 1920×1080 and 1366×768 in both languages: no headline number cut short,
What-if's verdict on the first screen at 1366×768, and a screenshot of each page in
test-artifacts/ (``<page>_<lang>_<width>x<height>.png``) to look at.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from simulator import kpi_sets as kpi_store
from tests.e2e import pages
from tests.e2e.test_whatif_browser import key_class, no_exception, screenshot
from ui.plans import sample

pytestmark = pytest.mark.e2e

SIZES = [(1920, 1080), (1366, 768)]
SHOWN_SET = "E2E 画面確認"


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_reads_whole_at_this_size(
    size: tuple[int, int],
    lang: str,
    new_context: Callable[..., BrowserContext],
    app_url: str,
    db_url: str,
) -> None:
    store = kpi_store.Store(db_url)
    if SHOWN_SET not in store.names():
        store.create(SHOWN_SET, sample("jp_smb_saas"), author="E2E", tags=["画面"])
    width, height = size
    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": height})
    for name in pages.PAGES:
        page.goto(pages.url(app_url, name, lang=lang, plan="jp_smb_saas", set=SHOWN_SET))
        pages.ready(page, name, lang)
        assert pages.truncated_metrics(page) == [], (name, lang, size)
        if name == "whatif":
            # The answer is on the first screen, without scrolling.
            expect(page.locator(key_class("whatif_verdict"))).to_be_in_viewport(ratio=1.0)
        no_exception(page)
        screenshot(page, f"{name}_{lang}_{width}x{height}.png")
