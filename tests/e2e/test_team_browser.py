"""The team plan page in a real browser: edit a member in the table and see the roll-up
move; type a bad value and see the row and column named.

Hooks relied on: the page's path ``team``; the editor's key prefix ``team_editor_`` (a
keyed element's container has the class ``st-key-<key>``); the metric labels
``team.p_target`` and ``team.p50``; the chart key ``team_member_chart``; Streamlit's test
ids ``stDataFrame``, ``stMetric``/``stMetricLabel``/``stMetricValue``, ``stAlert``,
``stApp``. The member table is a canvas (glide data grid): a cell is reached by clicking
the first data cell and moving with the arrow keys, as a keyboard user would; Enter opens
its editor (an input in the grid's ``#portal``), Enter again commits it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_whatif_browser import PERCENT, key_class, no_exception
from ui.i18n import t

pytestmark = pytest.mark.e2e

CALLS_COLUMN = 4  # name, start month, leaves in, ramp months, calls a day
START_COLUMN = 1
HEADER_HEIGHT = 36  # px: the grid's header row, then rows of 35 px


def metric(page: Page, key: str, lang: str = "ja") -> Locator:
    label = t(key, lang)
    return (
        page.get_by_test_id("stMetric")
        .filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
        .get_by_test_id("stMetricValue")
    )


def settled(page: Page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def open_team(page: Page, app_url: str, lang: str = "ja") -> None:
    page.goto(f"{app_url}team?plan=jp_team&lang={lang}")
    expect(page.get_by_role("heading", name=t("team.title", lang))).to_be_visible()
    expect(metric(page, "team.p_target", lang)).to_have_text(PERCENT)
    settled(page)
    expect(page.locator(f"{key_class('team_member_chart')} .js-plotly-plot")).to_be_visible()


def type_into_cell(page: Page, row: int, column: int, text: str) -> None:
    """Type ``text`` into the member table's cell (row and column from 0) and commit it."""
    grid = page.locator("[class*='st-key-team_editor_'] [data-testid='stDataFrame']")
    grid.scroll_into_view_if_needed()
    # The first column ticks rows (for deleting them): the names start past it.
    grid.click(position={"x": 70, "y": HEADER_HEIGHT + 35 * row + 17})
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor, in the grid's overlay portal
    editor = page.locator("#portal input, #portal textarea").first
    expect(editor).to_be_visible()
    editor.fill(text)
    editor.press("Enter")


def test_editing_a_member_moves_the_roll_up(page: Page, app_url: str) -> None:
    open_team(page, app_url)
    p50 = metric(page, "team.p50")
    before_p50 = p50.inner_text()
    before_p = float(metric(page, "team.p_target").inner_text().rstrip("%"))

    # 佐藤 (the first row) makes 120 calls a day instead of 45.
    type_into_cell(page, 0, CALLS_COLUMN, "120")

    expect(p50).not_to_have_text(before_p50)
    settled(page)
    after_p = float(metric(page, "team.p_target").inner_text().rstrip("%"))
    assert after_p > before_p + 5, (before_p, after_p)
    members = page.get_by_test_id("stDataFrame").filter(has_text=t("team.col_contribution", "ja"))
    expect(members).to_be_visible()
    no_exception(page)


def test_a_bad_cell_names_its_row_and_column_and_changes_nothing(page: Page, app_url: str) -> None:
    open_team(page, app_url, "en")
    type_into_cell(page, 0, START_COLUMN, "2027-13")
    error = page.get_by_test_id("stAlert").filter(has_text="Row 1 (佐藤)")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile(r"“Start month”: "))
    expect(metric(page, "team.p_target", "en")).to_have_count(0)  # nothing rolled up
    no_exception(page)
