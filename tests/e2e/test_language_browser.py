"""Every page in a real browser, at 1920×1080 and 1366×768, in Japanese and English: the
visible text (``document.body.innerText``) holds no plan key or dotted path, and every
lever label on the What-if page is the glossary's. Full-page screenshots of each go to
test-artifacts/ (``pages_<page>_<lang>_<width>.png``).

Hooks relied on: widget keys ``lever:<path>`` (container class ``st-key-lever-…``; a yen
amount in Japanese is drawn under ``shown:lever:deal_size``), Streamlit's test ids
``stApp`` (``data-test-script-state``), ``stWidgetLabel``, ``stException``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import openpyxl
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from simulator import glossary, levers
from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import exchange
from simulator.plan import parse_plan
from tests.e2e.test_whatif_browser import key_class, no_exception, screenshot
from ui.i18n import t
from ui.plans import sample

pytestmark = pytest.mark.e2e

SIZES = ((1920, 1080), (1366, 768))
LANGS = ("ja", "en")
PAGES = {  # URL path -> the title the page shows
    "": "whatif.title",
    "center_pin": "pin.title",
    "reverse": "reverse.title",
    "library": "library.title",
    "compare": "compare.title",
    "glossary": "glossary.title",
}
SET = "語彙チェック計画"
TIMEOUT = 90_000

#: A plan key or dotted path in visible text: three dotted identifiers, "calls › connect",
#: "channels.", or a key of the file format.
RAW = re.compile(
    r"\b[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\b"
    r"|\b[a-z_]+ › [a-z_]+\b|\bchannels\.|\b(?:team|target|simulation)\.[a-z_]+"
    r"|\b(?:win_rate|deal_size|sales_cycle_months|calls_per_rep_per_day|volume_per_month"
    r"|open_opportunities|volume_from|p_target|at_confidence)\b"
)
EXPONENT = re.compile(r"\d[eE][+-]\d")


@pytest.fixture(scope="module")
def saved_set(db_url: str) -> str:
    """A KPI set with two revisions, so the library shows a diff and compare two plans."""
    store = kpi_store.Store(db_url)
    try:
        if SET not in {info.name for info in store.list_sets(include_archived=True)}:
            data = sample("jp_smb_saas").model_dump(mode="json")
            data["simulation"] = {"trials": 10_000, "seed": 5}
            store.create(SET, parse_plan(data), author="佐藤")
            data["win_rate"] = {"low": 0.22, "high": 0.3}
            store.save(SET, parse_plan(data), base_revision=1, author="鈴木")
    finally:
        store.close()
    return f"set:{SET}"


def settle(page: Page) -> None:
    """The script has finished (twice over a short pause: a page may rerun once more)."""
    state = page.get_by_test_id("stApp")
    for _ in range(2):
        expect(state).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT)
        page.wait_for_timeout(500)
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=TIMEOUT)


def visible_text(page: Page) -> str:
    return page.evaluate("() => document.body.innerText")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_no_page_shows_a_plan_key_and_levers_read_as_the_glossary(
    new_context: Callable[..., BrowserContext],
    app_url: str,
    saved_set: str,
    lang: str,
    width: int,
    height: int,
) -> None:
    context = new_context("ja-JP" if lang == "ja" else "en-US")
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    found: dict[str, list[str]] = {}
    for path, title in PAGES.items():
        page.goto(f"{app_url}{path}?lang={lang}&plan={saved_set}")
        expect(page.get_by_role("heading", name=t(title, lang))).to_be_visible(timeout=TIMEOUT)
        settle(page)
        text = visible_text(page)
        raw = sorted({m.group(0) for m in RAW.finditer(text)})
        exponents = sorted({m.group(0) for m in EXPONENT.finditer(text)})
        if raw or exponents:
            found[path or "whatif"] = raw + exponents
        no_exception(page)
        screenshot(page, f"pages_{path or 'whatif'}_{lang}_{width}.png")
        if path == "":
            check_lever_labels(page, lang)
    assert not found, found


def check_lever_labels(page: Page, lang: str) -> None:
    """Every lever's label on the What-if page is the glossary's name for it."""
    plan = sample("jp_smb_saas")
    for lever in levers.levers(plan):
        key = f"lever:{lever.path}"
        box = page.locator(f"{key_class(key)}, {key_class('shown:' + key)}")
        expect(box).to_have_count(1)
        label = box.get_by_test_id("stWidgetLabel").inner_text().strip()
        assert label == glossary.lever_label(lever.path, lang, plan), (lever.path, label)


@pytest.mark.parametrize("lang", LANGS)
def test_the_library_downloads_speak_the_pages_language(
    new_context: Callable[..., BrowserContext], app_url: str, saved_set: str, tmp_path, lang: str
) -> None:
    page = new_context("ja-JP" if lang == "ja" else "en-US").new_page()
    page.goto(f"{app_url}library?lang={lang}&plan={saved_set}")
    expect(page.get_by_role("heading", name=SET)).to_be_visible(timeout=TIMEOUT)
    settle(page)
    page.get_by_role("tab", name=t("library.export", lang)).click()

    def download(key: str):
        with page.expect_download() as started:
            page.locator(key_class(f"export_{key}")).get_by_role("button").click()
        path = tmp_path / f"{lang}_{started.value.suggested_filename}"
        started.value.save_as(path)
        return path

    book = openpyxl.load_workbook(download("xlsx"))
    words = exchange.WORDS[lang]
    sheets = [words[f"sheet_{name}"] for name in ("kpi_set", "inputs", "monthly")]
    assert book.sheetnames == sheets
    details = {r[0].value: r[1] for r in book.worksheets[0].iter_rows(min_row=2)}
    assert details[words["p_target"]].number_format == "0.0%"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+", details[words["saved_at"]].value)
    inputs = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert glossary.input_label("win_rate.low", lang) in inputs
    assert not any(RAW.search(str(name)) for name in inputs)

    text = download("csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == words["section"]
    assert not any(RAW.search(row[1]) for row in rows)
    no_exception(page)
