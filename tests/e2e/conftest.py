"""Fixtures for the browser tests: the app on a free loopback port, and Chromium.

The app runs as ``streamlit run app.py`` from the repository root (started and stopped by
:mod:`tests.e2e.server`, which the UI latency benchmark uses too). Chromium is Debian's
``/usr/bin/chromium``; when it is missing the tests fail, they are not skipped.

Every test collected under this folder gets the ``e2e`` marker, so ``make test``
(``-m "not e2e"``) leaves them out and ``make e2e`` (``-m e2e``) runs them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e import server

HERE = Path(__file__).resolve().parent
CONTEXTS = pytest.StashKey[list[BrowserContext]]()
ARTIFACTS = server.ROOT / "test-artifacts"
VIEWPORT = {"width": 1440, "height": 1000}
#: Generous: the first page of a fresh server imports the app and runs 100,000 trials.
TIMEOUT_MS = 60_000

#: Installed in every page before the app's own scripts: remembers every Streamlit
#: exception box that is ever shown, even one that a later rerun removes again.
EXCEPTION_WATCH = """
(() => {
  window.__stExceptions = [];
  const seen = new WeakSet();
  const scan = () => {
    for (const box of document.querySelectorAll('[data-testid="stException"]')) {
      if (!seen.has(box)) {
        seen.add(box);
        window.__stExceptions.push(box.innerText || "(exception box without text)");
      }
    }
  };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true });
})();
"""


def full_page_screenshot(page: Page, path: Path) -> None:
    """A screenshot of the whole page. Streamlit scrolls inside ``stMain``, not the
    document, so the window is made as tall as that content for the shot, then restored."""
    size = page.viewport_size or VIEWPORT
    height = page.evaluate(
        """() => {
          const main = document.querySelector('[data-testid="stMain"]');
          if (main) main.scrollTop = 0;
          return Math.max(main ? main.scrollHeight : 0, document.documentElement.scrollHeight);
        }"""
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(size)


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The KPI set database of the app under test: a scratch SQLite file."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'e2e.db'}"


@pytest.fixture(scope="session")
def app_url(db_url: str) -> Iterator[str]:
    """The running app's address, e.g. ``http://127.0.0.1:54321/``."""
    running = server.start(env={"CENTERPIN_DB_URL": db_url})
    try:
        yield running.url
    finally:
        running.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not server.CHROMIUM.exists():
        pytest.fail(server.CHROMIUM_MISSING, pytrace=False)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = server.launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Make fresh browser contexts (no shared cookies or session), Japanese by default."""
    contexts: list[BrowserContext] = []
    request.node.stash[CONTEXTS] = contexts

    def make(locale: str = "ja-JP") -> BrowserContext:
        context = browser.new_context(viewport=VIEWPORT, locale=locale, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(EXCEPTION_WATCH)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On a failed test, keep a full-page screenshot of each page it had open."""
    report = yield
    if report.when == "call" and report.failed:
        pages = [p for c in item.stash.get(CONTEXTS, []) for p in c.pages]
        for number, failed_page in enumerate(pages):
            # A screenshot that fails must not hide the failure itself.
            with contextlib.suppress(Exception):
                full_page_screenshot(failed_page, ARTIFACTS / f"failed_{item.name}_{number}.png")
    return report
