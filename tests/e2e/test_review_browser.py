"""The 予実レビュー page in a real browser: upload the sample actuals, save the review, and
find it in the library's history.

Hooks relied on: the page's path ``review``; widget keys ``author``, ``review_name``,
``review_comment``, ``chart_review_waterfall``, ``chart_review_fan``; the labels of
``locales/ja.toml`` (``review.*``, ``nav.library``, ``library.history``); Streamlit's test
ids ``stFileUploader``, ``stFileChipIconSpinner``, ``stMetric``, ``stDataFrame``, ``stApp``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import reviews
from tests.e2e.server import ROOT
from tests.e2e.test_kpi_sets_browser import _fill, _settled
from tests.e2e.test_whatif_browser import key_class, no_exception, screenshot
from ui.i18n import t

pytestmark = pytest.mark.e2e

NAME = "E2E 予実レビュー"
SAMPLE = ROOT / "sample_data" / "actuals_jp_smb_saas.csv"


def test_upload_the_sample_actuals_save_the_review_and_find_it(
    page: Page, app_url: str, db_url: str
) -> None:
    page.goto(f"{app_url}review?plan=jp_smb_saas&lang=ja")
    _settled(page)
    expect(page.get_by_text(t("review.start", "ja"))).to_be_visible()
    _fill(page, "author", "鈴木")
    _settled(page)

    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(SAMPLE)
    expect(page.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)
    metric = page.get_by_test_id("stMetric").filter(has_text=t("review.actual_revenue", "ja"))
    expect(metric).to_contain_text("8,107万円")
    for chart in ("chart_review_waterfall", "chart_review_fan"):
        expect(page.locator(f"{key_class(chart)} .js-plotly-plot")).to_be_visible()
    expect(page.get_by_text(t("review.bottleneck", "ja").split("「")[0])).to_be_visible()
    _settled(page)
    screenshot(page, "review_page.png")

    _fill(page, "review_name", NAME)
    _fill(page, "review_comment", "上期レビュー：受注率が課題")
    page.get_by_role("button", name=t("review.save", "ja"), exact=True).click()
    expect(page.get_by_text(t("review.saved", "ja", name=NAME, revision=2))).to_be_visible()
    _settled(page)

    stored = kpi_store.Store(db_url)
    history = stored.history(NAME)
    newest = history[0]
    assert (newest.number, newest.author, newest.comment) == (
        2,
        "鈴木",
        "上期レビュー：受注率が課題",
    )
    assert list(reviews.reviews(stored, NAME)) == [2]
    assert reviews.snapshots(stored, NAME)[0].file == SAMPLE.name

    page.get_by_role("link", name=t("nav.library", "ja")).click()
    _settled(page)
    expect(page.get_by_test_id("stHeading").filter(has_text=NAME)).to_be_visible()
    page.get_by_role("tab", name=t("library.history", "ja")).click()
    history_table = page.get_by_test_id("stDataFrame").filter(has_text=t("review.kind", "ja"))
    expect(history_table).to_contain_text(t("review.kind_review", "ja"))
    expect(history_table).to_contain_text("上期レビュー：受注率が課題")
    screenshot(page, "review_library.png")
    no_exception(page)
