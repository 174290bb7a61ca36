"""What the browser tests read on each page: how to tell it has finished drawing, and the
numbers that identify what it shows (to compare a page with the page a copied link opens).

Hooks relied on (keep them stable): widget keys ``lang``, ``plan_id``, ``lever:team.reps``,
``reverse_use``, ``library_open``, ``library_compare``; element keys ``whatif_verdict``,
``chart_*``, ``compare_cdf``; Streamlit's test ids ``stMetric``/``stMetricLabel``/
``stMetricValue``, ``stAlertContentSuccess``, ``stHeading``, ``stDataFrame``, ``stApp``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.e2e.test_whatif_browser import key_class
from ui.i18n import t

#: Each page's path (the what-if page is the app's root) and its title's catalog key.
PAGES = {
    "whatif": ("", "whatif.title"),
    "center_pin": ("center_pin", "pin.title"),
    "reverse": ("reverse", "reverse.title"),
    "library": ("library", "library.title"),
    "compare": ("compare", "compare.title"),
}
#: The charts each page draws once it has its answer.
CHARTS = {
    "whatif": ("chart_histogram", "chart_fan", "chart_funnel"),
    "center_pin": ("chart_tornado", "chart_required", "chart_variance"),
    "reverse": ("chart_reverse",),
    "library": (),
    "compare": ("compare_cdf",),
}


def url(app_url: str, name: str, **query: str) -> str:
    path = PAGES[name][0]
    text = "&".join(f"{quote(k, safe=':')}={quote(v, safe=':~')}" for k, v in query.items())
    return f"{app_url}{path}" + (f"?{text}" if text else "")


def ready(page: Page, name: str, lang: str) -> None:
    """Wait until ``name`` shows its title in ``lang``, its answer and every chart."""
    expect(page.get_by_role("heading", name=t(PAGES[name][1], lang))).to_be_visible()
    if name in ("whatif", "center_pin", "reverse"):
        expect(page.get_by_test_id("stMetricValue").first).to_have_text(re.compile(r"\d"))
    if name in ("center_pin", "reverse"):
        expect(page.get_by_test_id("stAlertContentSuccess").first).to_be_visible()
    if name in ("library", "compare"):
        expect(page.get_by_test_id("stDataFrame").first).to_have_text(re.compile(r"\d"))
    # Once the script is done, every chart it drew is there (and stale ones are gone).
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    for chart in CHARTS[name]:
        expect(page.locator(f"{key_class(chart)} .js-plotly-plot")).to_be_visible()
    page.evaluate("document.fonts.ready")


def sidebar_plan(page: Page) -> str:
    """The plan the sidebar's chooser shows."""
    return page.locator(key_class("plan_id")).get_by_role("combobox").input_value()


def shown(page: Page, name: str) -> dict[str, object]:
    """What identifies the page's content: its metrics, its verdict, its tables' text."""
    out: dict[str, object] = {
        "metrics": page.get_by_test_id("stMetric").all_inner_texts(),
        "plan": sidebar_plan(page),
        "language": page.get_by_test_id("stHeading").first.inner_text(),
    }
    if name == "whatif":
        out["verdict"] = page.locator(key_class("whatif_verdict")).inner_text()
        out["reps"] = page.locator(f"{key_class('lever:team.reps')} input").input_value()
    if name in ("center_pin", "reverse"):
        out["answer"] = page.get_by_test_id("stAlertContentSuccess").first.inner_text()
    if name in ("library", "compare"):
        out["headings"] = page.get_by_test_id("stHeading").all_inner_texts()
        out["tables"] = [
            table.inner_text() for table in page.get_by_test_id("stDataFrame").all()[:1]
        ]
    return out


TRUNCATED = """
() => [...document.querySelectorAll('[data-testid="stMetricValue"]')].flatMap(value =>
  [value, ...value.querySelectorAll('*')]
    .filter(e => e.scrollWidth > e.clientWidth)
    .map(e => `${value.innerText}: ${e.tagName} ${e.scrollWidth} > ${e.clientWidth}`))
"""


def truncated_metrics(page: Page) -> list[str]:
    """Every headline value (or a part of it) wider than its box: shown cut short."""
    return page.evaluate(TRUNCATED)
